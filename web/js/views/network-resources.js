// The resource library of a network: filters and sorting kept in the address, the list,
// and sharing a file (dropped or chosen, with upload progress) or a link.

import { api, query, upload, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, plural, timeAgo, tagList } from '../dom.js';
import { field, onSubmit, select, splitList } from '../forms.js';
import '../components/composer.js';
import '../components/file-drop.js';

export const KINDS = [['file', 'File'], ['link', 'Link'], ['lesson_plan', 'Lesson plan'], ['tool', 'Tool'], ['template', 'Template']];
const KIND_LABEL = Object.fromEntries(KINDS);

export async function renderResources(body, network, { router, query: params }) {
  const filters = {
    kind: params.get('kind') ?? '', tag: params.get('tag') ?? '',
    subject: params.get('subject') ?? '', grade_level: params.get('grade_level') ?? '',
    sort: params.get('sort') ?? 'recent',
  };
  const base = `/networks/${network.id}/resources`;
  const filterForm = h('form', { class: 'filters', 'aria-label': 'Filter resources' },
    field('Kind', 'kind', { control: select([['', 'Any kind'], ...KINDS], filters.kind) }),
    field('Tag', 'tag', { value: filters.tag }),
    field('Subject', 'subject', { value: filters.subject }),
    field('Grade level', 'grade_level', { value: filters.grade_level }),
    field('Sort by', 'sort', { control: select([['recent', 'Newest'], ['helpful', 'Most helpful'], ['downloads', 'Most downloaded']], filters.sort) }),
    h('button', { type: 'submit', class: 'button button-secondary' }, 'Apply'));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = filterForm.elements;
    router.navigate(base + query({
      kind: f.kind.value, tag: f.tag.value.trim(), subject: f.subject.value.trim(),
      grade_level: f.grade_level.value.trim(), sort: f.sort.value === 'recent' ? '' : f.sort.value,
    }));
  });

  const list = h('ul', { class: 'resource-list', 'aria-label': 'Resources' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show more resources');
  let cursor = null;
  const row = (r) => h('li', { class: 'resource-row' },
    h('div', {},
      h('a', { href: `/resources/${r.id}`, class: 'thread-title' }, r.title),
      h('p', { class: 'meta' }, KIND_LABEL[r.kind] ?? r.kind, ' · ', r.author?.display_name ?? 'Someone', ' · ', timeAgo(r.created_at)),
      tagList(r.tags)),
    h('div', { class: 'thread-stats' },
      h('span', {}, plural(r.helpful_count, 'found it helpful', 'found it helpful')),
      h('span', { class: 'meta' }, plural(r.download_count, 'download'))));
  const load = async (reset) => {
    const page = await api.get(apiPath`/networks/${network.id}/resources${query({ ...filters, sort: filters.sort === 'recent' ? '' : filters.sort, limit: 30, cursor: reset ? null : cursor })}`);
    if (reset) replace(list);
    list.append(...page.items.map(row));
    if (reset && !page.items.length) list.append(h('li', { class: 'empty muted' }, 'No resources here yet. Share the first one.'));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => load(false));

  body.append(filterForm, list, more, shareForm(network, router));
  const subscription = live.subscribe([`network:${network.id}`], (event) => {
    if (event.kind.startsWith('resource.')) load(true).catch(() => {});
  });
  await subscription.ready;
  await load(true);
  return subscription.stop;
}

function shareForm(network, router) {
  const drop = h('sr-file-drop', { name: 'file', label: 'File', hint: 'Up to 25 MB. Choose a file, or drop it here.' });
  const kind = select(KINDS, 'file');
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'Share a resource'),
    field('Title', 'title', { required: true, maxlength: 200 }),
    field('Kind', 'kind', { control: kind }),
    drop,
    field('Link', 'url', { type: 'url', hint: 'For a link: the address to share (https://…).' }),
    h('sr-composer', { name: 'description', label: 'Description', rows: 4 }),
    field('Tags', 'tags', { hint: 'Comma-separated' }),
    field('Grade levels', 'grade_levels', { hint: 'Comma-separated, e.g. 9, 10' }),
    field('Subjects', 'subjects', { hint: 'Comma-separated, e.g. Math, Counseling' }),
    h('button', { type: 'submit', class: 'button' }, 'Share'));
  onSubmit(form, async (f) => {
    const fields = {
      title: f.elements.title.value.trim(),
      kind: f.elements.kind.value,
      description: f.elements.description.value,
      tags: splitList(f.elements.tags.value),
      grade_levels: splitList(f.elements.grade_levels.value),
      subjects: splitList(f.elements.subjects.value),
    };
    const url = f.elements.url.value.trim();
    let created;
    if (drop.file) {
      const data = new FormData();
      for (const [key, value] of Object.entries(fields)) data.append(key, Array.isArray(value) ? JSON.stringify(value) : value);
      if (url) data.append('url', url);
      data.append('file', drop.file);
      drop.fraction = 0;
      try {
        created = await upload(apiPath`/networks/${network.id}/resources`, data, (fraction) => { drop.fraction = fraction; });
      } finally {
        drop.fraction = null;
      }
    } else {
      created = await api.post(apiPath`/networks/${network.id}/resources`, { ...fields, ...(url ? { url } : {}) });
    }
    router.navigate(`/resources/${created.id}`);
  });
  return form;
}
