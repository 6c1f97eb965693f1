// `/initiatives/{id}`: the aim and stage, the network's run chart with its signals in
// words, bright spots, the check-in form (what is due for your teams), each team's chart,
// and the tests of change as a board by status with "Try this" on peers' tests.
// Facilitators also steer the stage, form teams, re-baseline and move check-ins as CSV.
// The page follows the network live and redraws what changed, keeping what is typed.

import { api, ApiError, currentMember, everything, request, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, redraw, replace, plural, announce } from '../dom.js';
import { field, onClick, onSubmit, select, showErrors, clearErrors } from '../forms.js';
import { markOpened } from '../reads.js';
import {
  STAGES, TEST_STATUSES, stageLabel, lastEndedPeriod, periodLabel, formatValue, chartFigure, concerns,
} from '../initiatives.js';

export async function render({ root, params }) {
  const id = params.id;
  let initiative = await api.get(apiPath`/initiatives/${id}`);
  markOpened('initiatives', initiative.id);
  const header = h('div');
  const chartSlot = h('div');
  const spotsSlot = h('div');
  const dueSlot = h('div');
  const checkInSlot = h('div');
  const teamsSlot = h('div');
  const boardSlot = h('div');
  const newTestSlot = h('div');
  const manageSlot = h('div');
  root.append(header,
    h('section', { 'aria-labelledby': 'chart-heading' }, h('h2', { id: 'chart-heading' }, 'Run chart: all teams'), chartSlot),
    h('section', { id: 'bright-spots', 'aria-labelledby': 'spots-heading', tabindex: '-1' },
      h('h2', { id: 'spots-heading' }, 'Bright spots'), spotsSlot),
    h('section', { id: 'check-in', 'aria-labelledby': 'check-in-heading', tabindex: '-1' },
      h('h2', { id: 'check-in-heading' }, 'Check in'), dueSlot, checkInSlot),
    h('section', { 'aria-labelledby': 'tests-heading' },
      h('h2', { id: 'tests-heading' }, 'Tests of change'), boardSlot, newTestSlot),
    h('section', { 'aria-labelledby': 'teams-heading' }, h('h2', { id: 'teams-heading' }, 'Teams'), teamsSlot),
    manageSlot);

  let teams = [];
  let tests = [];
  let myTeams = [];
  let isFacilitator = false;
  let network = null;

  const loadAll = async () => {
    const [fresh, teamList, testList, spots, chart] = await Promise.all([
      api.get(apiPath`/initiatives/${id}`),
      api.get(apiPath`/initiatives/${id}/teams`),
      everything(apiPath`/initiatives/${id}/tests`),
      api.get(apiPath`/initiatives/${id}/bright-spots`),
      api.get(apiPath`/initiatives/${id}/chart`),
    ]);
    initiative = fresh;
    teams = teamList;
    tests = testList;
    const me = currentMember();
    myTeams = teams.filter((t) => t.members.some((m) => m.id === me?.id));
    drawHeader();
    replace(chartSlot, chartFigure(chart, { id: 'network-chart' }));
    drawSpots(spots);
    drawDue();
    drawTeams();
    drawBoard();
    if (!checkInSlot.firstChild) checkInSlot.append(checkInForm());
    else refreshTeamChoices(checkInSlot);
    if (!newTestSlot.firstChild) newTestSlot.append(newTestForm());
    else refreshTeamChoices(newTestSlot);
    if (isFacilitator && !manageSlot.firstChild) manageSlot.append(manage());
  };

  const drawHeader = () => {
    const i = initiative;
    replace(header,
      h('header', { class: 'page-header' },
        h('p', { class: 'breadcrumb' }, h('a', { href: `/networks/${i.network_id}/initiatives` }, 'Back to initiatives')),
        h('h1', {}, i.title),
        h('p', { class: 'aim' }, h('strong', {}, 'Aim: '), i.aim),
        h('p', { class: 'meta' },
          `Stage: ${stageLabel(i.stage)}`, ' · ',
          `Measure: ${i.measure.name}${i.measure.unit ? ` (${i.measure.unit})` : ''}, ${i.measure.direction === 'decrease' ? 'lower is better' : 'higher is better'}, checked in ${i.measure.cadence}`,
          i.measure.target !== null && i.measure.target !== undefined ? ` · target ${formatValue(i.measure.target, i.measure.unit)}` : '',
          i.status === 'active' ? '' : ` · ${i.status}`),
        i.status === 'active' ? null : h('p', { class: 'notice' }, `This initiative is ${i.status}: its data can be read but not changed.`),
        i.problem_html ? h('div', { class: 'prose', trustedHtml: i.problem_html }) : null,
        i.discussion_thread_id ? h('p', {}, h('a', { href: `/threads/${i.discussion_thread_id}` }, 'Discuss this initiative')) : null));
  };

  const drawSpots = (spots) => {
    replace(spotsSlot, spots.length
      ? h('ul', { class: 'resource-list' }, spots.map((s) => h('li', { class: 'resource-row' },
        h('div', {},
          h('p', { class: 'thread-title' }, s.team.name, h('span', { class: 'badge' }, 'bright spot')),
          h('p', {}, `${s.summary}: from ${formatValue(s.baseline_median, initiative.measure.unit)} to ${formatValue(s.recent_median, initiative.measure.unit)}`,
            s.relative_change === null ? '' : ` (${Math.round(Math.abs(s.relative_change) * 100)}% ${s.relative_change < 0 ? 'lower' : 'higher'}).`),
          s.tests.length
            ? h('p', { class: 'meta' }, 'What they tried: ', s.tests.map((t, n) => [n ? ', ' : '', h('a', { href: `/tests/${t.id}` }, t.change_idea), ` (${t.act})`]))
            : h('p', { class: 'meta' }, 'No test of change acted on yet.')))))
      : h('p', { class: 'muted' }, 'No bright spots yet: a team becomes one when six check-ins in a row beat its baseline, or five in a row keep improving.'));
  };

  const drawDue = () => {
    const due = lastEndedPeriod(initiative.measure.cadence);
    const label = periodLabel(due, initiative.measure.cadence);
    const mine = isFacilitator ? teams : myTeams;
    replace(dueSlot, mine.length
      ? h('ul', { class: 'plain-list due-list' }, mine.map((t) => {
        const inAlready = t.latest_period && t.latest_period >= due;
        return h('li', {}, h('strong', {}, t.name), ': ',
          inAlready ? `checked in for ${label}.` : `${label} is due${t.latest_period ? ` (last check-in: ${periodLabel(t.latest_period, initiative.measure.cadence)})` : ''}.`);
      }))
      : h('p', { class: 'muted' }, 'You are not on a team of this initiative; facilitators form teams.'));
  };

  const drawTeams = () => {
    replace(teamsSlot, teams.length
      ? h('ul', { class: 'plain-list team-list' }, teams.map((t) => h('li', { class: 'card' },
        h('h3', {}, t.name, t.is_bright_spot ? h('span', { class: 'badge' }, 'bright spot') : null),
        h('p', { class: 'meta' }, [t.organization, t.members.map((m) => m.display_name).join(', ') || 'no members yet'].filter(Boolean).join(' · ')),
        h('p', { class: 'meta' }, plural(t.check_in_count, 'check-in'), t.latest_period ? `, latest ${t.latest_period}` : ''),
        teamChart(t))))
      : h('p', { class: 'muted' }, 'No teams yet.'));
  };

  const teamChart = (team) => {
    const box = h('details', {}, h('summary', {}, `Run chart of ${team.name}`));
    box.addEventListener('toggle', async () => {
      if (!box.open || box.dataset.loaded) return;
      box.dataset.loaded = 'true';
      try {
        box.append(chartFigure(await api.get(apiPath`/initiatives/${id}/chart?team_id=${team.id}`), { id: `team-chart-${team.id}`, lazy: true }));
      } catch (error) {
        box.append(h('p', { class: 'form-error', role: 'alert' }, error.message));
      }
    });
    return box;
  };

  const drawBoard = () => {
    const myTeamIds = new Set(myTeams.map((t) => t.id));
    const card = (t) => {
      // Teams of mine that could take it up: not the one that ran it, not one trying it already.
      const trying = new Set(tests.filter((copy) => copy.adopted_from?.id === t.id).map((copy) => copy.team.id));
      const candidates = myTeams.filter((team) => team.id !== t.team.id && !trying.has(team.id));
      const tryBox = h('div', { class: 'actions' });
      if (candidates.length && !myTeamIds.has(t.team.id) && initiative.status === 'active') {
        const button = h('button', { type: 'button', class: 'button button-quiet', dataset: { key: `try-${t.id}` } },
          candidates.length === 1 ? `Try this with ${candidates[0].name}` : 'Try this');
        const choice = candidates.length > 1
          ? select(candidates.map((c) => [c.id, c.name]), candidates[0].id, { 'aria-label': `Team to try “${t.change_idea}”` })
          : null;
        onClick(button, async () => {
          const teamId = choice ? choice.value : candidates[0].id;
          const copy = await api.post(apiPath`/tests/${t.id}/try`, { team_id: teamId });
          announce(`Added to your team's plans: ${copy.change_idea}.`);
          await loadAll();
        });
        tryBox.append(choice ?? '', button);
      }
      return h('li', { class: 'test-card', dataset: { test: t.id } },
        h('a', { href: `/tests/${t.id}`, class: 'thread-title' }, t.change_idea),
        h('p', { class: 'meta' }, t.team.name,
          t.adopted_from ? [' · tried from ', t.adopted_from.team?.name ?? 'another team'] : '',
          t.act ? ` · ${t.act}` : ''),
        t.tried_by_count ? h('p', { class: 'meta' }, `Tried by ${plural(t.tried_by_count, 'team')}, adopted by ${t.adopted_by_count}`) : null,
        tryBox.childNodes.length ? tryBox : null);
    };
    redraw(boardSlot, () => replace(boardSlot, h('div', { class: 'board' }, TEST_STATUSES.map(([status, label]) => {
      const column = tests.filter((t) => t.status === status);
      return h('section', { class: 'board-column', 'aria-labelledby': `column-${status}` },
        h('h3', { id: `column-${status}` }, `${label} (${column.length})`),
        column.length ? h('ul', { class: 'plain-list' }, column.map(card)) : h('p', { class: 'muted' }, 'None.'));
    }))));
  };

  /** The team choices of a form, kept in step with the teams (a team added, a team left). */
  const teamOptions = () => (isFacilitator ? teams : myTeams).map((t) => [t.id, t.name]);
  const refreshTeamChoices = (slot) => {
    const choice = slot.querySelector('select[name=team_id]');
    if (!choice) return;
    const current = choice.value;
    replace(choice, teamOptions().map(([value, label]) => h('option', { value, selected: value === current }, label)));
  };

  const checkInForm = () => {
    const cadence = initiative.measure.cadence;
    const unit = initiative.measure.unit;
    const form = h('form', { class: 'card stack', novalidate: true },
      field('Team', 'team_id', { control: select(teamOptions(), myTeams[0]?.id ?? teams[0]?.id) }),
      field('Period', 'period', {
        type: 'date', required: true, value: lastEndedPeriod(cadence),
        hint: cadence === 'monthly' ? 'The first day of the month.' : 'The Monday the week starts on.',
      }),
      field(`${initiative.measure.name}${unit ? ` (${unit})` : ''}`, 'value', {
        type: 'number', step: 'any', required: true, inputmode: 'decimal',
        ...(unit === '%' ? { min: 0, max: 100 } : {}),
      }),
      field('Note', 'note', { maxlength: 2000, hint: 'Optional: what explains it (a testing week, snow days).' }),
      h('button', { type: 'submit', class: 'button' }, 'Check in'));
    onSubmit(form, async (f) => {
      const raw = f.elements.value.value.trim();
      if (raw === '') throw new ApiError(422, { errors: { value: 'Enter the value for this period.' } });
      const saved = await api.post(apiPath`/teams/${f.elements.team_id.value}/check-ins`, {
        period: f.elements.period.value,
        value: Number(raw),
        note: f.elements.note.value,
      });
      f.elements.value.value = '';
      f.elements.note.value = '';
      announce(`Checked in ${formatValue(saved.value, unit)} for ${periodLabel(saved.period, cadence)}${saved.previous_values.length ? ', replacing the earlier value' : ''}.`);
      await loadAll();
    });
    return (isFacilitator || myTeams.length) && initiative.status === 'active' ? form : h('span');
  };

  const newTestForm = () => {
    if (!(isFacilitator || myTeams.length) || initiative.status !== 'active') return h('span');
    const form = h('form', { class: 'card stack', novalidate: true },
      h('h3', {}, 'Plan a test of change'),
      field('Team', 'team_id', { control: select(teamOptions(), myTeams[0]?.id ?? teams[0]?.id) }),
      field('Change idea', 'change_idea', { required: true, maxlength: 300 }),
      field('What will you try?', 'plan.what', { control: h('textarea', { rows: 2 }) }),
      field('Who, with whom?', 'plan.who'),
      field('When, for how long?', 'plan.when'),
      field('What do you predict will happen?', 'plan.prediction', { control: h('textarea', { rows: 2 }) }),
      h('button', { type: 'submit', class: 'button' }, 'Plan test'));
    onSubmit(form, async (f) => {
      const created = await api.post(apiPath`/initiatives/${id}/tests`, {
        team_id: f.elements.team_id.value,
        change_idea: f.elements.change_idea.value.trim(),
        plan: {
          what: f.elements['plan.what'].value,
          who: f.elements['plan.who'].value,
          when: f.elements['plan.when'].value,
          prediction: f.elements['plan.prediction'].value,
        },
      });
      f.reset();
      announce(`Planned: ${created.change_idea}.`);
      await loadAll();
    });
    return form;
  };

  const manage = () => {
    const stageForm = h('form', { class: 'stack', novalidate: true },
      field('Stage', 'stage', { control: select(STAGES, initiative.stage) }),
      field('Status', 'status', { control: select([['active', 'Active'], ['completed', 'Completed'], ['archived', 'Archived']], initiative.status) }),
      h('button', { type: 'submit', class: 'button' }, 'Save'));
    onSubmit(stageForm, async (f) => {
      await api.patch(apiPath`/initiatives/${id}`, { stage: f.elements.stage.value, status: f.elements.status.value });
      announce('Saved.');
      await loadAll();
    });

    const teamForm = h('form', { class: 'stack', novalidate: true },
      field('Team name', 'name', { required: true, maxlength: 120, hint: 'A school or an office: “Lehman HS”.' }),
      field('Organization', 'organization', { maxlength: 200 }),
      field('Members', 'member_ids', { control: h('select', { multiple: true, size: 6 }), hint: 'Members of the network on this team.' }),
      h('button', { type: 'submit', class: 'button' }, 'Add team'));
    everything(apiPath`/networks/${initiative.network_id}/members`).then((memberships) => {
      replace(teamForm.elements.member_ids, memberships.map((m) => h('option', { value: m.member.id }, m.member.display_name)));
    }).catch(() => {});
    onSubmit(teamForm, async (f) => {
      await api.post(apiPath`/initiatives/${id}/teams`, {
        name: f.elements.name.value.trim(),
        organization: f.elements.organization.value.trim(),
        member_ids: [...f.elements.member_ids.selectedOptions].map((o) => o.value),
      });
      f.reset();
      announce('Team added.');
      await loadAll();
    });

    const rebaseForm = h('form', { class: 'stack', novalidate: true },
      field('Chart', 'team_id', { control: select([['', 'All teams (network)'], ...teams.map((t) => [t.id, t.name])], '') }),
      field('New baseline from', 'from_period', { type: 'date', hint: 'A period after a sustained change; empty: back to the first period.' }),
      h('button', { type: 'submit', class: 'button' }, 'Re-baseline'));
    onSubmit(rebaseForm, async (f) => {
      await api.post(apiPath`/initiatives/${id}/rebaseline`, {
        team_id: f.elements.team_id.value || null,
        from_period: f.elements.from_period.value || null,
      });
      announce('Re-baselined.');
      await loadAll();
    });

    const file = h('input', { type: 'file', accept: '.csv,text/csv' });
    const importForm = h('form', { class: 'stack', novalidate: true },
      field('CSV file (team, period, value, note)', 'file', { control: file, hint: 'All or nothing: a file with a bad row imports nothing and says which rows to fix (the first 100 problems).' }),
      h('button', { type: 'submit', class: 'button' }, 'Import check-ins'));
    const rowErrors = h('ul', { class: 'form-error row-errors', hidden: true });
    importForm.append(rowErrors);
    importForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(importForm);
      rowErrors.hidden = true;
      const chosen = file.files[0];
      if (!chosen) { showErrors(importForm, { message: 'Choose a CSV file first.' }); return; }
      try {
        const result = await request('POST', apiPath`/initiatives/${id}/check-ins.csv`, new Blob([await chosen.text()], { type: 'text/csv' }));
        announce(`Imported ${plural(result.imported, 'check-in')} (${result.replaced} replaced).`);
        importForm.reset();
        await loadAll();
      } catch (error) {
        showErrors(importForm, error);
        const rows = error.problem?.rows ?? [];
        const more = error.problem?.more_row_errors ?? 0;
        if (rows.length) {
          replace(rowErrors, rows.map((r) => h('li', {}, `Row ${r.row}, ${r.field}: ${r.message}`)),
            more ? h('li', {}, `…and ${plural(more, 'more problem')}: fix these and import again to see them.`) : null);
          rowErrors.hidden = false;
        }
      }
    });
    const exportButton = h('button', { type: 'button', class: 'button button-quiet' }, 'Export check-ins as CSV');
    onClick(exportButton, async () => {
      const text = await request('GET', apiPath`/initiatives/${id}/check-ins.csv`, undefined, { raw: true });
      const link = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: `initiative-${id}-check-ins.csv` });
      document.body.append(link);
      link.click();
      link.remove();
    });

    return h('details', { class: 'card manage' }, h('summary', {}, 'Manage this initiative'),
      h('h3', {}, 'Stage and status'), stageForm,
      h('h3', {}, 'Add a team'), teamForm,
      h('h3', {}, 'Re-baseline a chart'), rebaseForm,
      h('h3', {}, 'Check-ins as CSV'), importForm, h('div', { class: 'actions' }, exportButton));
  };

  network = await api.get(apiPath`/networks/${initiative.network_id}`);
  isFacilitator = network.role === 'facilitator';
  document.body.dataset.network = initiative.network_id;
  let pending = null;
  const subscription = live.subscribe([`network:${initiative.network_id}`], (event) => {
    if (!concerns(event, id)) return;
    // A burst (a CSV import) becomes one reload.
    clearTimeout(pending);
    pending = setTimeout(() => loadAll().catch(() => {}), 150);
  });
  await subscription.ready;
  await loadAll();
  const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  target?.focus();
  return () => { subscription.stop(); clearTimeout(pending); delete document.body.dataset.network; };
}
