// Images in posts: uploading one into a network, and loading those whose address came
// without a signature (a post that arrived live): fetched with the access token instead.

import { request, apiPath } from './api.js';

/** Uploads `file` into network `networkId`; the image as the API answers it. */
export function uploadImage(networkId, file) {
  const form = new FormData();
  form.append('file', file, file.name || 'image');
  return request('POST', apiPath`/networks/${networkId}/images`, form);
}

/** Loads each image of this instance under `root` that a browser cannot fetch by itself. */
export function loadPrivateImages(root) {
  for (const img of root.querySelectorAll('img[src^="/api/v1/images/"]')) {
    const src = img.getAttribute('src');
    if (src.includes('token=')) continue;
    img.removeAttribute('src');
    request('GET', src.slice('/api/v1'.length), undefined, { raw: 'blob' })
      .then((blob) => { img.src = URL.createObjectURL(blob); })
      .catch(() => { img.alt = `${img.alt || 'Image'} (could not be shown)`; });
  }
}
