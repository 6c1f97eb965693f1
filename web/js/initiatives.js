// What the initiative pages share: words for stages and statuses, check-in periods computed
// the way the server aligns them, the run chart as an image with its description in words
// beside it, and "is this event about this initiative?".

import { h } from './dom.js';

export const STAGES = [
  ['understand', 'Understand current conditions'],
  ['analyze', 'Analyze and validate factors'],
  ['design_test', 'Design and test strategies'],
  ['learn_refine', 'Learn, monitor and refine'],
  ['scale', 'Scale and accelerate'],
];

export const TEST_STATUSES = [
  ['planning', 'Planning'],
  ['doing', 'Doing'],
  ['studying', 'Studying'],
  ['acted', 'Acted'],
];

export const ACTS = [['adopt', 'Adopt it'], ['adapt', 'Adapt it and test again'], ['abandon', 'Abandon it']];

export function stageLabel(stage) {
  return STAGES.find(([key]) => key === stage)?.[1] ?? stage;
}

const pad = (n) => String(n).padStart(2, '0');
const isoDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** The first day of the period `date` (local) falls in. */
export function periodOf(date, cadence) {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  if (cadence === 'monthly') return new Date(d.getFullYear(), d.getMonth(), 1);
  const back = (d.getDay() + 6) % 7; // Monday = 0
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - back);
}

/** The last period that has ended, as `YYYY-MM-DD`: what a team owes now. */
export function lastEndedPeriod(cadence, today = new Date()) {
  const current = periodOf(today, cadence);
  const previous = cadence === 'monthly'
    ? new Date(current.getFullYear(), current.getMonth() - 1, 1)
    : new Date(current.getFullYear(), current.getMonth(), current.getDate() - 7);
  return isoDate(previous);
}

export function periodLabel(period, cadence) {
  if (cadence === 'monthly') {
    const [year, month] = period.split('-').map(Number);
    return new Date(year, month - 1, 1).toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
  }
  return `the week of ${period}`;
}

export function formatValue(value, unit) {
  const rounded = Math.round(value * 100) / 100;
  if (!unit) return String(rounded);
  return unit === '%' ? `${rounded}%` : `${rounded} ${unit}`;
}

/**
 * A run chart: the SVG (through its signed link) with the chart's description in words as
 * its caption, so screen-reader users and anyone who cannot see it get what it shows.
 */
export function chartFigure(chart, { id, lazy = false } = {}) {
  const captionId = `${id}-words`;
  const title = chart.team ? `${chart.measure.name}: ${chart.team.name}` : `${chart.measure.name}: all teams (median)`;
  return h('figure', { class: 'run-chart' },
    h('img', {
      src: chart.svg_url, alt: `Run chart, ${title}`, width: 720, height: 360,
      'aria-describedby': captionId, loading: lazy ? 'lazy' : null,
    }),
    h('figcaption', { id: captionId }, chart.description),
    chart.signals.length
      ? h('ul', { class: 'signals', 'aria-label': `Signals in ${title}` }, chart.signals.map((s) =>
        h('li', { class: `signal signal-${s.effect}` },
          `${signalName(s.rule)} from ${s.from} to ${s.to}: ${s.effect}`)))
      : null);
}

function signalName(rule) {
  return { shift: 'Shift', trend: 'Trend', long_run: 'Long run', few_crossings: 'Too few crossings' }[rule] ?? rule;
}

/** Whether a live event concerns initiative `id` (its teams, check-ins, tests, bright spots). */
export function concerns(event, id) {
  const data = event.data ?? {};
  if (event.kind.startsWith('initiative.') && (data.id === id || data.initiative_id === id)) return true;
  return ['check_in.submitted', 'test_of_change.created', 'test_of_change.updated', 'bright_spot.detected']
    .includes(event.kind) && data.initiative_id === id;
}
