// What the poll pages share: a poll as a card, with its question, a ballot while it is
// open, and its results as its rule allows (the server decides; the card shows what it
// was given, and says when results will show otherwise).

import { api, apiPath } from './api.js';
import { h, replace, plural, formatDateTime, announce } from './dom.js';
import { checkbox, field, onClick, onSubmit } from './forms.js';

export const VISIBILITY = [
  ['always', 'Always'],
  ['on_vote', 'After voting'],
  ['on_close', 'After the poll closes'],
  ['facilitators', 'To facilitators only'],
];

const WHEN_RESULTS = {
  on_vote: 'Results show once you vote (and to everyone once the poll closes).',
  on_close: 'Results show to everyone once the poll closes.',
  facilitators: 'Only the network’s facilitators see the results.',
};

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function pollMeta(poll) {
  return h('p', { class: 'meta' },
    h('span', { class: `status status-${poll.is_closed ? 'closed' : 'open'}` }, poll.is_closed ? 'Closed' : 'Open'),
    ' · ', plural(poll.voter_count, 'answer'),
    poll.closes_at && !poll.is_closed ? ` · closes ${formatDateTime(poll.closes_at)}` : '',
    poll.is_closed && poll.closed_at ? ` · closed ${formatDateTime(poll.closed_at)}` : '',
    poll.anonymous ? ' · anonymous' : '',
    ` · asked by ${poll.author?.display_name ?? 'someone'}`);
}

/** The results block: bars for a choice poll, a summary for a number poll. */
export function resultsOf(poll) {
  if (!poll.results_visible || !poll.results) {
    return h('p', { class: 'muted results-hidden' }, WHEN_RESULTS[poll.results_visibility] ?? 'Results are not shown yet.');
  }
  const results = poll.results;
  if (poll.kind === 'number') {
    const s = results.number ?? {};
    return h('div', { class: 'poll-results' },
      h('h3', {}, 'Results'),
      s.count
        ? h('p', {}, `${plural(s.count, 'answer')}: mean ${number.format(s.mean)}, median ${number.format(s.median)}, from ${number.format(s.min)} to ${number.format(s.max)}.`)
        : h('p', { class: 'muted' }, 'No answers yet.'),
      results.values?.length
        ? h('details', {}, h('summary', {}, 'Who answered what'),
          h('ul', { class: 'plain-list' }, results.values.map((v) => h('li', {}, `${v.member.display_name}: ${number.format(v.value)}`))))
        : null);
  }
  const labels = new Map(poll.options.map((o) => [o.id, o.label]));
  return h('div', { class: 'poll-results' },
    h('h3', {}, 'Results'),
    h('ul', { class: 'poll-bars', 'aria-label': 'Votes per option' }, results.options.map((o) =>
      h('li', {},
        h('div', { class: 'poll-bar-label' },
          h('span', {}, labels.get(o.id) ?? ''),
          h('span', { class: 'meta' }, `${plural(o.votes, 'vote')} · ${number.format(o.percent)}%`)),
        h('div', { class: 'poll-bar', 'aria-hidden': 'true' }, h('span', { dataset: { percent: String(Math.round(o.percent / 5) * 5) } })),
        o.voters?.length ? h('p', { class: 'meta' }, o.voters.map((v) => v.display_name).join(', ')) : null))));
}

/** The ballot of an open poll: choices or a number, and taking a vote back. */
export function ballotFor(poll, onVoted) {
  if (poll.is_closed) return h('p', { class: 'muted' }, 'This poll is closed.');
  const mine = poll.my_vote;
  let control;
  if (poll.kind === 'number') {
    const range = [poll.min, poll.max].some((v) => v !== null && v !== undefined)
      ? `Between ${poll.min ?? '…'} and ${poll.max ?? '…'}.` : undefined;
    control = field('Your answer', 'value', { type: 'number', step: 'any', min: poll.min ?? undefined, max: poll.max ?? undefined, hint: range, value: mine?.value ?? '' });
  } else {
    const type = poll.kind === 'single' ? 'radio' : 'checkbox';
    const chosen = new Set(mine?.option_ids ?? []);
    control = h('fieldset', { class: 'stack poll-options', dataset: { field: 'option_ids' } },
      h('legend', {}, poll.kind === 'single' ? 'Choose one' : 'Choose any that apply'),
      poll.options.map((o) => {
        const id = `poll-${poll.id}-option-${o.id}`;
        return h('div', { class: 'check' },
          h('input', { type, id, name: 'option', value: o.id, checked: chosen.has(o.id) }),
          h('label', { for: id }, o.label));
      }),
      h('p', { class: 'field-error', hidden: true }));
  }
  const form = h('form', { class: 'stack', novalidate: true }, control,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, mine ? 'Change my vote' : 'Vote')));
  onSubmit(form, async (f) => {
    const body = poll.kind === 'number'
      ? { value: f.elements.value.value === '' ? null : Number(f.elements.value.value) }
      : { option_ids: [...f.querySelectorAll('input[name=option]:checked')].map((i) => i.value) };
    const updated = await api.put(apiPath`/polls/${poll.id}/vote`, body);
    announce(mine ? 'Your vote was changed' : 'Your vote was counted');
    onVoted(updated);
  });
  if (mine) {
    const retract = h('button', { type: 'button', class: 'button button-quiet' }, 'Take back my vote');
    onClick(retract, async () => {
      const updated = await api.delete(apiPath`/polls/${poll.id}/vote`);
      announce('Your vote was taken back');
      onVoted(updated);
    });
    form.querySelector('.actions').append(retract);
  }
  return form;
}

/** A form to ask a poll in `network` (and optionally one of its threads). */
export function askForm(network, { threadId = null, onAsked }) {
  const kind = h('select', {},
    h('option', { value: 'single' }, 'One choice'),
    h('option', { value: 'multiple' }, 'Several choices'),
    h('option', { value: 'number' }, 'A number'));
  const options = field('Options', 'options', { control: h('textarea', { rows: 4 }), hint: 'One per line, 2 to 20.' });
  const range = h('div', { class: 'stack', hidden: true },
    field('Lowest accepted', 'min', { type: 'number', step: 'any' }),
    field('Highest accepted', 'max', { type: 'number', step: 'any' }));
  kind.addEventListener('change', () => {
    options.hidden = kind.value === 'number';
    range.hidden = kind.value !== 'number';
  });
  const visibility = h('select', {}, VISIBILITY.map(([value, label]) => h('option', { value }, label)));
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'Ask a poll'),
    field('Question', 'question', { required: true, maxlength: 300 }),
    h('sr-composer', { name: 'description', label: 'More about it (optional)', rows: 3 }),
    field('Kind of answer', 'kind', { control: kind }),
    options, range,
    field('Closes at', 'closes_at', { type: 'datetime-local', hint: 'Optional. No votes after it.' }),
    field('Who sees the results', 'results', { control: visibility }),
    checkbox('Anonymous: never show who voted for what', 'anonymous', false),
    h('button', { type: 'submit', class: 'button' }, 'Ask poll'));
  onSubmit(form, async (f) => {
    const value = (name) => f.elements[name].value.trim();
    const closes = value('closes_at');
    const body = {
      question: value('question'),
      description: f.elements.description.value,
      kind: kind.value,
      results: visibility.value,
      anonymous: f.elements.anonymous.checked,
      ...(threadId ? { thread_id: threadId } : {}),
      ...(closes ? { closes_at: new Date(closes).toISOString() } : {}),
    };
    if (kind.value === 'number') {
      if (value('min') !== '') body.min = Number(value('min'));
      if (value('max') !== '') body.max = Number(value('max'));
    } else {
      body.options = f.elements.options.value.split('\n').map((o) => o.trim()).filter(Boolean);
    }
    const created = await api.post(apiPath`/networks/${network.id}/polls`, body);
    f.reset();
    f.querySelector('sr-composer').value = '';
    onAsked(created);
  });
  return form;
}

export function emptyInto(el, text) {
  return replace(el, h('li', { class: 'empty muted' }, text));
}
