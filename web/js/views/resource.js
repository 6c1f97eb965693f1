// `/resources/{id}`: a shared resource with its versions (downloads through the signed
// links the API gives, so the browser fetches the file itself), "this was helpful",
// new versions for whoever shared it, and its discussion.

import { api, currentMember, upload, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, redraw, replace, timeAgo, tagList, announce } from '../dom.js';
import { field, onClick, onSubmit, splitList } from '../forms.js';
import '../components/composer.js';
import { formatSize } from '../components/file-drop.js';
import { KINDS } from './network-resources.js';
import { markOpened } from '../reads.js';

const KIND_LABEL = Object.fromEntries(KINDS);

export async function render(context) {
  const { root, params } = context;
  let canModerate = false;
  let resource;
  // The summary is rebuilt on every change; the version form stays, with its chosen file.
  const page = h('div');
  const versionSlot = h('div');
  const editSlot = h('div');
  let versionFormShown = false;
  root.append(page, editSlot, versionSlot);
  const draw = () => {
    const me = currentMember();
    const mine = resource.author?.id === me?.id;
    const helpful = h('button', {
      type: 'button', class: 'button button-secondary', 'aria-pressed': String(resource.helpful_by_me), disabled: mine, dataset: { key: 'helpful' },
      title: mine ? 'You shared this' : null,
    }, resource.helpful_by_me ? 'Marked helpful' : 'This was helpful', ` (${resource.helpful_count})`);
    helpful.addEventListener('click', async () => {
      helpful.disabled = true;
      try {
        resource = resource.helpful_by_me
          ? await api.delete(apiPath`/resources/${resource.id}/helpful`)
          : await api.put(apiPath`/resources/${resource.id}/helpful`);
        draw();
        announce(resource.helpful_by_me ? 'Marked as helpful' : 'No longer marked as helpful');
      } catch (error) { announce(error.message); helpful.disabled = false; }
    });
    const current = resource.versions.find((v) => v.version === resource.current_version) ?? resource.versions[0];
    const mayEdit = mine || canModerate;
    if (mayEdit && !editSlot.firstChild) editSlot.append(editControls());
    if (mayEdit && resource.kind !== 'link' && !versionFormShown) {
      versionSlot.append(versionForm());
      versionFormShown = true;
    }
    redraw(page, () => replace(page,
      h('header', { class: 'page-header' },
        h('p', { class: 'breadcrumb' }, h('a', { href: `/networks/${resource.network_id}/resources` }, 'Back to the library')),
        h('h1', {}, resource.title),
        h('p', { class: 'meta' }, KIND_LABEL[resource.kind] ?? resource.kind, ' shared by ', resource.author?.display_name ?? 'someone', ' · ', timeAgo(resource.created_at),
          ` · ${resource.download_count} download${resource.download_count === 1 ? '' : 's'}`),
        tagList([...resource.tags, ...resource.grade_levels.map((g) => `grade ${g}`), ...resource.subjects]),
        h('div', { class: 'actions' },
          current ? h('a', { href: current.download_url, class: 'button', download: current.file_name }, `Download ${current.file_name}`) : null,
          resource.url ? h('a', { href: resource.url, class: 'button', rel: 'noopener noreferrer', target: '_blank' }, 'Open the link') : null,
          helpful,
          resource.discussion_thread_id ? h('a', { href: `/threads/${resource.discussion_thread_id}`, class: 'button button-quiet' }, 'Discuss it') : null)),
      resource.description_html ? h('div', { class: 'prose card', trustedHtml: resource.description_html }) : null,
      resource.versions.length ? h('section', { 'aria-labelledby': 'versions' },
        h('h2', { id: 'versions' }, 'Versions'),
        h('ol', { class: 'plain-list versions' }, resource.versions.map((v) => h('li', {},
          h('a', { href: v.download_url, download: v.file_name }, `Version ${v.version}: ${v.file_name}`),
          ` (${formatSize(v.size_bytes)}) · ${v.uploaded_by?.display_name ?? 'someone'} · `, timeAgo(v.created_at),
          v.note ? h('p', { class: 'meta' }, v.note) : null)))) : null));
  };

  const editControls = () => {
    const details = h('details', { class: 'card' }, h('summary', {}, 'Edit details'));
    const form = h('form', { class: 'stack', novalidate: true },
      field('Title', 'title', { value: resource.title, required: true, maxlength: 200 }),
      h('sr-composer', { name: 'description', label: 'Description', rows: 4, value: resource.description }),
      resource.kind === 'link' ? field('Link', 'url', { type: 'url', value: resource.url ?? '' }) : null,
      field('Tags', 'tags', { value: resource.tags.join(', '), hint: 'Comma-separated' }),
      field('Grade levels', 'grade_levels', { value: resource.grade_levels.join(', ') }),
      field('Subjects', 'subjects', { value: resource.subjects.join(', ') }),
      h('button', { type: 'submit', class: 'button' }, 'Save details'));
    onSubmit(form, async (f) => {
      resource = await api.patch(apiPath`/resources/${resource.id}`, {
        title: f.elements.title.value.trim(),
        description: f.elements.description.value,
        ...(f.elements.url ? { url: f.elements.url.value.trim() } : {}),
        tags: splitList(f.elements.tags.value),
        grade_levels: splitList(f.elements.grade_levels.value),
        subjects: splitList(f.elements.subjects.value),
      });
      draw();
      announce('Resource saved.');
    });
    const remove = h('button', { type: 'button', class: 'button button-quiet button-danger' }, 'Remove this resource');
    onClick(remove, async () => {
      if (!confirm(`Remove “${resource.title}” from the library?`)) return;
      await api.delete(apiPath`/resources/${resource.id}`);
      context.router.navigate(`/networks/${resource.network_id}/resources`);
    });
    details.append(form, h('div', { class: 'actions' }, remove));
    return details;
  };

  const versionForm = () => {
    const drop = h('sr-file-drop', { name: 'file', label: 'New version' });
    const form = h('form', { class: 'card stack', novalidate: true },
      h('h2', {}, 'Upload a new version'), drop,
      field('What changed', 'note', { maxlength: 500 }),
      h('button', { type: 'submit', class: 'button' }, 'Upload version'));
    onSubmit(form, async (f) => {
      if (!drop.file) throw new Error('Choose a file first.');
      const data = new FormData();
      data.append('file', drop.file);
      if (f.elements.note.value.trim()) data.append('note', f.elements.note.value.trim());
      drop.fraction = 0;
      try {
        resource = await upload(apiPath`/resources/${resource.id}/versions`, data, (fraction) => { drop.fraction = fraction; });
      } finally { drop.fraction = null; }
      drop.clear();
      f.elements.note.value = '';
      draw();
      announce(`Version ${resource.current_version} uploaded.`);
    });
    return form;
  };

  resource = await api.get(apiPath`/resources/${params.id}`);
  markOpened('resources', resource.id);
  document.body.dataset.network = resource.network_id;
  canModerate = (await api.get(apiPath`/networks/${resource.network_id}`)).role === 'facilitator';
  const subscription = live.subscribe([`network:${resource.network_id}`], async (event) => {
    if (!event.kind.startsWith('resource.') || event.data?.id !== resource.id) return;
    if (event.kind === 'resource.deleted' || event.data?.deleted) {
      replace(page, h('h1', {}, 'This resource was removed'));
      return;
    }
    try {
      resource = await api.get(apiPath`/resources/${resource.id}`);
      draw();
    } catch (error) {
      if (error.status === 404) replace(page, h('h1', {}, 'This resource is no longer available'));
    }
  });
  await subscription.ready;
  resource = await api.get(apiPath`/resources/${params.id}`);
  draw();
  return () => { subscription.stop(); delete document.body.dataset.network; };
}
