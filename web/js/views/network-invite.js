// A network's facilitators bring people in: by email (one address, a pasted list, or a CSV
// file of email, name and role), each row answered with what became of it; and by
// invitation links to share in a meeting, with an expiry and a use limit, revocable.

import { api, request, apiPath } from '../api.js';
import { h, replace, plural, timeAgo, announce } from '../dom.js';
import { field, onClick, onSubmit, select, textarea } from '../forms.js';

const ROLES = [['member', 'Member'], ['facilitator', 'Facilitator']];

/**
 * The people a pasted list names: one per line, or separated by commas or semicolons;
 * `Ana López <ana@example.org>` keeps the name. What is not an address is still sent, so
 * that the answer names it rather than dropping it.
 */
export function pastedRows(text) {
  const rows = [];
  const named = /(?:"([^"]*)"|([^"<>,]*?))\s*<([^<>\s]+)>/g;
  for (const line of text.split(/[\n;]+/)) {
    for (const [, quoted, plain, email] of line.matchAll(named)) {
      const name = (quoted ?? plain ?? '').trim();
      rows.push(name ? { email, name } : { email });
    }
    for (const piece of line.replace(named, ',').split(/[,\s]+/)) if (piece.trim()) rows.push({ email: piece.trim() });
  }
  return rows;
}

const STATUS_LABEL = { invited: 'Invited', already_member: 'Already a member', invalid: 'Not invited' };

/** What became of each row, the ones needing attention first. */
function resultsTable(answer) {
  const order = { invalid: 0, already_member: 1, invited: 2 };
  const rows = [...answer.results].sort((a, b) => order[a.status] - order[b.status] || a.row - b.row);
  return h('div', { class: 'stack' },
    h('p', { role: 'status' }, [
      `${plural(answer.invited, 'invitation')} sent`,
      answer.already_member ? `, ${plural(answer.already_member, 'person', 'people')} already in the network` : '',
      answer.invalid ? `, ${answer.invalid} not sent (see below)` : '',
      '.',
    ].join('')),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'data-table' },
        h('caption', { class: 'visually-hidden' }, 'What became of each address'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Row'), h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'Result'))),
        h('tbody', {}, rows.map((r) => h('tr', { class: `result-${r.status}` },
          h('td', {}, String(r.row)),
          h('td', {}, r.email || '(none)'),
          h('td', {}, STATUS_LABEL[r.status] ?? r.status, r.status === 'invalid' && r.message ? [': ', r.message] : '')))))));
}

/** The pending invitations, inviting by email, and invitation links. */
export async function invitePeople(network) {
  const pending = h('ul', { class: 'plain-list' });
  const loadPending = async () => {
    const page = await api.get(apiPath`/networks/${network.id}/invitations?limit=100`);
    replace(pending, page.items.length
      ? page.items.map((i) => {
        const withdraw = h('button', { type: 'button', class: 'button button-quiet' }, 'Withdraw');
        onClick(withdraw, async () => {
          await api.delete(apiPath`/networks/${network.id}/invitations/${i.id}`);
          await loadPending();
          announce(`Invitation to ${i.email} withdrawn.`);
        });
        return h('li', {}, i.name ? `${i.name} (${i.email})` : i.email, `, ${i.role}, expires `, timeAgo(i.expires_at), ' ', withdraw);
      })
      : h('li', { class: 'muted' }, 'No invitations waiting.'));
  };

  const outcome = h('div', { class: 'invite-results' });
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'invite-heading' },
    h('h2', { id: 'invite-heading' }, 'Invite people'),
    field('Email addresses', 'addresses', {
      control: textarea({ rows: 4, autocomplete: 'off' }),
      hint: 'One or many: one per line, or separated by commas. “Ana López <ana@school.org>” keeps the name.',
    }),
    field('Role', 'role', { control: select(ROLES, 'member') }),
    h('button', { type: 'submit', class: 'button' }, 'Send invitations'));
  onSubmit(form, async (f) => {
    const rows = pastedRows(f.elements.addresses.value);
    if (!rows.length) throw new Error('Enter at least one email address.');
    const role = f.elements.role.value;
    const answer = await api.post(apiPath`/networks/${network.id}/invitations`, { invitations: rows.map((r) => ({ ...r, role })) });
    f.elements.addresses.value = answer.results.filter((r) => r.status === 'invalid').map((r) => r.email).join('\n');
    replace(outcome, resultsTable(answer));
    await loadPending();
  });

  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const upload = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'csv-heading' },
    h('h2', { id: 'csv-heading' }, 'Invite from a spreadsheet'),
    h('p', { class: 'muted' }, 'A CSV file with the columns email, name and role (member or facilitator). Name and role may be left empty.'),
    field('CSV file', 'file', { control: file }),
    h('button', { type: 'submit', class: 'button button-secondary' }, 'Send invitations'));
  onSubmit(upload, async () => {
    const chosen = file.files[0];
    if (!chosen) throw new Error('Choose a CSV file first.');
    const answer = await request('POST', apiPath`/networks/${network.id}/invitations`, new Blob([await chosen.text()], { type: 'text/csv' }));
    file.value = '';
    replace(outcome, resultsTable(answer));
    await loadPending();
  });

  await loadPending();
  return h('section', { class: 'stack', 'aria-label': 'Inviting people' },
    form, upload, outcome,
    h('h2', {}, 'Pending invitations'), pending,
    await inviteLinks(network));
}

/** When a link stops working, in words. */
function linkState(link) {
  if (link.revoked_at) return 'revoked';
  if (link.max_uses != null && link.uses >= link.max_uses) return 'used up';
  if (link.expires_at && new Date(link.expires_at) <= new Date()) return 'expired';
  return null;
}

const EXPIRIES = [['7', 'In a week'], ['1', 'In a day'], ['30', 'In 30 days'], ['', 'Never (until revoked)']];

async function inviteLinks(network) {
  const list = h('ul', { class: 'plain-list link-list' });
  const fresh = h('div', { class: 'fresh-link', role: 'status' });
  const load = async () => {
    const page = await api.get(apiPath`/networks/${network.id}/invite-links?limit=50`);
    replace(list, page.items.length
      ? page.items.map((link) => {
        const state = linkState(link);
        const uses = link.max_uses != null ? `${link.uses} of ${plural(link.max_uses, 'use')}` : plural(link.uses, 'join');
        const expiry = link.expires_at ? [state === 'expired' ? ', expired ' : ', expires ', timeAgo(link.expires_at)] : ', no expiry';
        const revoke = h('button', { type: 'button', class: 'button button-quiet button-danger' }, 'Revoke');
        onClick(revoke, async () => {
          if (!confirm('Revoke this link? Nobody will be able to join with it any more.')) return;
          await api.delete(apiPath`/invite-links/${link.id}`);
          await load();
          announce('Link revoked.');
        });
        return h('li', { class: state ? 'muted' : '' },
          `Made `, timeAgo(link.created_at), `: ${uses}`, expiry, state ? ` (${state})` : '', ' ', state ? null : revoke);
      })
      : h('li', { class: 'muted' }, 'No invitation links yet.'));
  };
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'links-heading' },
    h('h2', { id: 'links-heading' }, 'Invitation links'),
    h('p', { class: 'muted' }, 'A link to share in a meeting or a message: anyone with a Staffroom account who opens it joins as a member. The link is shown once, when you make it.'),
    field('Stops working', 'expires', { control: select(EXPIRIES, '7') }),
    field('How many people may use it', 'max_uses', { type: 'number', min: 1, max: 10000, inputmode: 'numeric', hint: 'Leave empty for no limit.' }),
    h('button', { type: 'submit', class: 'button' }, 'Make a link'));
  onSubmit(form, async (f) => {
    const days = f.elements.expires.value;
    const max = f.elements.max_uses.value.trim();
    const link = await api.post(apiPath`/networks/${network.id}/invite-links`, {
      ...(days ? { expires_at: new Date(Date.now() + Number(days) * 86_400_000).toISOString() } : {}),
      ...(max ? { max_uses: Number(max) } : {}),
    });
    const input = h('input', { type: 'text', readonly: true, value: link.url, 'aria-label': 'The new invitation link' });
    const copy = h('button', { type: 'button', class: 'button button-secondary' }, 'Copy link');
    onClick(copy, async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(link.url);
        announce('Link copied.');
      } catch {
        announce('Select the link and copy it.');
      }
    });
    replace(fresh, h('div', { class: 'card stack' },
      h('p', {}, 'Your new link. Copy it now: it is not shown again.'),
      h('div', { class: 'copy-row' }, input, copy)));
    f.elements.max_uses.value = '';
    await load();
  });
  await load();
  return h('section', { class: 'stack', 'aria-label': 'Invitation links' }, form, fresh, list);
}
