// Web addresses from the API (`url` of search hits and notifications) carry the instance's
// `public_url`; in the page they are paths, so the router opens them in place.

export function pagePath(url) {
  try {
    const parsed = new URL(url, location.origin);
    return parsed.pathname + parsed.search + parsed.hash;
  } catch {
    return '/';
  }
}
