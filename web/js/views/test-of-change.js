// `/tests/{id}`: one test of change (PDSA): the plan and prediction, what happened, what was
// learned and decided, where it came from and who took it up. The team moves it one step at
// a time; peers on other teams can "try this". Follows the network live.

import { api, currentMember, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, plural, announce, formatDate } from '../dom.js';
import { field, onClick, onSubmit, select } from '../forms.js';
import { ACTS, TEST_STATUSES } from '../initiatives.js';
import { markOpened } from '../reads.js';

const STEP_WORDS = {
  doing: 'Start doing it',
  studying: 'Study what happened',
  acted: 'Decide and act',
};

export async function render({ root, params, router }) {
  let test = await api.get(apiPath`/tests/${params.id}`);
  markOpened('tests', test.id);
  const initiative = await api.get(apiPath`/initiatives/${test.initiative_id}`);
  const network = await api.get(apiPath`/networks/${test.network_id}`);
  const isFacilitator = network.role === 'facilitator';
  let teams = await api.get(apiPath`/initiatives/${test.initiative_id}/teams`);
  const page = h('div');
  const stepSlot = h('div');
  const notesSlot = h('div');
  const trySlot = h('div');
  root.append(page, stepSlot, notesSlot, trySlot);

  const onTeam = () => teams.find((t) => t.id === test.team.id)?.members.some((m) => m.id === currentMember()?.id);
  const mayChange = () => (isFacilitator || onTeam()) && initiative.status === 'active';

  const draw = () => {
    const statusLabel = TEST_STATUSES.find(([key]) => key === test.status)?.[1] ?? test.status;
    replace(page,
      h('header', { class: 'page-header' },
        h('p', { class: 'breadcrumb' }, h('a', { href: `/initiatives/${test.initiative_id}` }, `Back to ${initiative.title}`)),
        h('h1', {}, test.change_idea),
        h('p', { class: 'meta' },
          h('span', { class: `status status-${test.status}` }, statusLabel),
          ` · ${test.team.name}`,
          test.started_on ? ` · started ${formatDate(test.started_on)}` : '',
          test.act ? ` · decided: ${test.act}` : ''),
        test.adopted_from
          ? h('p', {}, 'Tried from ', h('a', { href: `/tests/${test.adopted_from.id}` }, test.adopted_from.change_idea),
            test.adopted_from.team ? ` by ${test.adopted_from.team.name}` : '', '.')
          : null,
        test.tried_by_count
          ? h('p', {}, `Tried by ${plural(test.tried_by_count, 'other team')}; adopted by ${test.adopted_by_count}.`)
          : null),
      h('section', { 'aria-labelledby': 'plan-heading', class: 'card' },
        h('h2', { id: 'plan-heading' }, 'Plan'),
        h('dl', { class: 'plan' },
          h('dt', {}, 'What'), h('dd', {}, test.plan.what || '—'),
          h('dt', {}, 'Who'), h('dd', {}, test.plan.who || '—'),
          h('dt', {}, 'When'), h('dd', {}, test.plan.when || '—'),
          h('dt', {}, 'Prediction'), h('dd', {}, test.plan.prediction || '—'))),
      h('section', { 'aria-labelledby': 'do-heading' },
        h('h2', { id: 'do-heading' }, 'Do: what happened'), h('p', {}, test.do_notes || 'Nothing recorded yet.')),
      h('section', { 'aria-labelledby': 'study-heading' },
        h('h2', { id: 'study-heading' }, 'Study: what was learned'), h('p', {}, test.study || 'Nothing recorded yet.')),
      test.discussion_thread_id ? h('p', {}, h('a', { href: `/threads/${test.discussion_thread_id}` }, 'Discuss this test')) : null);
    replace(stepSlot, mayChange() && test.next_status ? stepForm() : '');
    if (mayChange() && !notesSlot.firstChild) notesSlot.append(notesForm());
    replace(trySlot, tryButton());
  };

  const stepForm = () => {
    const next = test.next_status;
    const form = h('form', { class: 'card stack', novalidate: true },
      h('h2', {}, STEP_WORDS[next] ?? `Move to ${next}`),
      next === 'doing' ? field('What is happening so far', 'do_notes', { control: h('textarea', { rows: 3, value: test.do_notes }) }) : null,
      next === 'studying' || next === 'acted'
        ? field('What did you learn, against the prediction?', 'study', { control: h('textarea', { rows: 3, value: test.study }) })
        : null,
      next === 'acted' ? field('Decision', 'act', { control: select(ACTS, 'adopt') }) : null,
      h('button', { type: 'submit', class: 'button' }, STEP_WORDS[next] ?? 'Move on'));
    onSubmit(form, async (f) => {
      const body = { status: next };
      if (f.elements.do_notes) body.do_notes = f.elements.do_notes.value;
      if (f.elements.study) body.study = f.elements.study.value;
      if (f.elements.act) body.act = f.elements.act.value;
      test = await api.patch(apiPath`/tests/${test.id}`, body);
      announce(`Now ${test.status}.`);
      draw();
    });
    return form;
  };

  const notesForm = () => {
    const form = h('form', { class: 'card stack', novalidate: true },
      h('h2', {}, 'Notes'),
      field('Do: what happened', 'do_notes', { control: h('textarea', { rows: 3, value: test.do_notes }) }),
      field('Study: what was learned', 'study', { control: h('textarea', { rows: 3, value: test.study }) }),
      h('button', { type: 'submit', class: 'button button-quiet' }, 'Save notes'));
    onSubmit(form, async (f) => {
      test = await api.patch(apiPath`/tests/${test.id}`, { do_notes: f.elements.do_notes.value, study: f.elements.study.value });
      announce('Notes saved.');
      draw();
    });
    return h('details', {}, h('summary', {}, 'Edit notes'), form);
  };

  const tryButton = () => {
    const me = currentMember()?.id;
    const candidates = teams.filter((t) => t.id !== test.team.id && t.members.some((m) => m.id === me));
    if (!candidates.length || initiative.status !== 'active') return '';
    const choice = candidates.length > 1
      ? select(candidates.map((c) => [c.id, c.name]), candidates[0].id, { 'aria-label': 'Team to try it' })
      : null;
    const button = h('button', { type: 'button', class: 'button' },
      candidates.length === 1 ? `Try this with ${candidates[0].name}` : 'Try this');
    onClick(button, async () => {
      const copy = await api.post(apiPath`/tests/${test.id}/try`, { team_id: choice ? choice.value : candidates[0].id });
      announce(`Added to ${copy.team.name}'s plans.`);
      router.navigate(`/tests/${copy.id}`);
    });
    return h('div', { class: 'actions' }, choice ?? '', button);
  };

  const subscription = live.subscribe([`network:${test.network_id}`], async (event) => {
    const data = event.data ?? {};
    if (event.kind.startsWith('test_of_change.') && data.id === test.id) {
      test = data;
      draw();
    } else if (event.kind.startsWith('initiative.team_') && data.initiative_id === test.initiative_id) {
      teams = await api.get(apiPath`/initiatives/${test.initiative_id}/teams`);
      draw();
    }
  });
  await subscription.ready;
  test = await api.get(apiPath`/tests/${params.id}`);
  draw();
  return subscription.stop;
}
