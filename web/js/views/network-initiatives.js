// A network's improvement initiatives: each aim with its stage and teams; facilitators
// start new ones. Follows the network live.

import { api, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, plural } from '../dom.js';
import { field, onSubmit, select } from '../forms.js';
import { STAGES, stageLabel } from '../initiatives.js';
import '../components/composer.js';

export async function renderInitiatives(body, network, { router }) {
  const list = h('ul', { class: 'resource-list', 'aria-label': 'Initiatives' });
  const row = (i) => h('li', { class: 'resource-row' },
    h('div', {},
      h('a', { href: `/initiatives/${i.id}`, class: 'thread-title' }, i.title),
      h('p', {}, i.aim),
      h('p', { class: 'meta' }, stageLabel(i.stage), ' · ', plural(i.team_count, 'team'),
        i.status === 'active' ? '' : ` · ${i.status}`)),
    h('div', { class: 'thread-stats' }, h('span', { class: 'meta' }, i.measure.name)));
  const load = async () => {
    const page = await api.get(apiPath`/networks/${network.id}/initiatives${query({ limit: 50 })}`);
    replace(list, page.items.length
      ? page.items.map(row)
      : h('li', { class: 'empty muted' }, 'No improvement initiatives yet.'));
  };
  body.append(list);
  if (network.role === 'facilitator') body.append(startForm(network, router));
  const subscription = live.subscribe([`network:${network.id}`], (event) => {
    if (event.kind === 'initiative.created' || event.kind === 'initiative.updated') load().catch(() => {});
  });
  await subscription.ready;
  await load();
  return subscription.stop;
}

function startForm(network, router) {
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'Start an initiative'),
    field('Title', 'title', { required: true, maxlength: 200 }),
    field('Aim', 'aim', { required: true, maxlength: 500, hint: 'What, for whom, by how much, by when: “Reduce chronic absence among 9th graders from 18% to 12% by May”.' }),
    h('sr-composer', { name: 'problem', label: 'Problem of practice', rows: 4 }),
    h('fieldset', { class: 'stack' },
      h('legend', {}, 'Measure'),
      field('Name', 'measure.name', { required: true, maxlength: 120, hint: 'What each team checks in, e.g. “Chronic absence, 9th grade”.' }),
      field('Unit', 'measure.unit', { maxlength: 20, hint: '“%” takes values from 0 to 100.' }),
      field('Better is', 'measure.direction', { control: select([['decrease', 'Lower'], ['increase', 'Higher']], 'decrease') }),
      field('Check-ins', 'measure.cadence', { control: select([['weekly', 'Weekly (periods start on Mondays)'], ['monthly', 'Monthly (periods start on the first)']], 'weekly') }),
      field('Target', 'measure.target', { type: 'number', step: 'any', hint: 'Optional: drawn as a line on the run charts.' })),
    field('Stage', 'stage', { control: select(STAGES, 'understand') }),
    h('button', { type: 'submit', class: 'button' }, 'Start initiative'));
  onSubmit(form, async (f) => {
    const value = (name) => f.elements[name].value.trim();
    const target = value('measure.target');
    const created = await api.post(apiPath`/networks/${network.id}/initiatives`, {
      title: value('title'),
      aim: value('aim'),
      problem: f.elements.problem.value,
      measure: {
        name: value('measure.name'),
        unit: value('measure.unit'),
        direction: value('measure.direction'),
        cadence: value('measure.cadence'),
        ...(target ? { target: Number(target) } : {}),
      },
      stage: value('stage'),
    });
    router.navigate(`/initiatives/${created.id}`);
  });
  return form;
}
