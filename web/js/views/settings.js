// `/settings`: your profile, expertise and timezone; when and whether the digest comes,
// with a preview of the next one; which notification emails you get.

import { api, updateMember, apiPath } from '../api.js';
import { h, replace } from '../dom.js';
import { checkbox, field, onClick, onSubmit, select, splitList, textarea } from '../forms.js';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const EMAIL_KINDS = [
  ['mentioned', 'Someone mentions me or replies to me'],
  ['help_responded', 'Someone answers or offers help on my help request'],
  ['answer_accepted', 'My answer is accepted'],
  ['expertise_requested', 'Someone needs my expertise'],
  ['action_item_assigned', 'An action item is assigned to me'],
  ['direct_message', 'Someone sends me a direct message'],
];

export async function render({ root }) {
  const me = await api.get('/me');
  root.append(h('h1', {}, 'Settings'));

  const saved = (form, message) => {
    const status = form.querySelector('.saved');
    status.textContent = message; // a status region: screen readers say it
  };

  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [me.timezone];
  if (!zones.includes(me.timezone)) zones.unshift(me.timezone);
  const profile = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'profile-heading' },
    h('h2', { id: 'profile-heading' }, 'Profile'),
    field('Name', 'display_name', { value: me.display_name, required: true, autocomplete: 'name' }),
    field('Title', 'title', { value: me.title ?? '', hint: 'e.g. Attendance lead, 9th grade counselor' }),
    field('Organization', 'organization', { value: me.organization ?? '', autocomplete: 'organization' }),
    field('About you', 'bio', { control: textarea({ rows: 3, value: me.bio ?? '' }) }),
    field('Expertise', 'expertise', { value: (me.expertise ?? []).join(', '), hint: 'Comma-separated. Help requests tagged with these reach you.' }),
    field('Timezone', 'timezone', { control: select(zones.map((z) => [z, z.replaceAll('_', ' ')]), me.timezone) }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Save profile'), h('span', { class: 'saved meta', role: 'status' })));
  onSubmit(profile, async (f) => {
    const updated = await api.patch('/me', {
      display_name: f.elements.display_name.value.trim(),
      title: f.elements.title.value.trim(),
      organization: f.elements.organization.value.trim(),
      bio: f.elements.bio.value,
      expertise: splitList(f.elements.expertise.value),
      timezone: f.elements.timezone.value,
    });
    updateMember(updated);
    f.elements.expertise.value = updated.expertise.join(', ');
    hourHint.textContent = inYourZone(updated.timezone);
    saved(f, 'Profile saved.');
  });

  const hours = Array.from({ length: 24 }, (_, hour) => [String(hour), `${String(hour).padStart(2, '0')}:00`]);
  const digest = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'digest-heading' },
    h('h2', { id: 'digest-heading' }, 'Digest email'),
    h('p', { class: 'muted' }, 'A summary of what happened in your networks, help requests that match your expertise and what is coming up.'),
    field('How often', 'digest.frequency', { control: select([['weekly', 'Weekly'], ['daily', 'Daily'], ['off', 'Never']], me.digest.frequency) }),
    field('Day (weekly digest)', 'digest.weekday', { control: select(WEEKDAYS.map((d, i) => [String(i), d]), String(me.digest.weekday)) }),
    field('Hour', 'digest.hour', { control: select(hours, String(me.digest.hour)), hint: inYourZone(me.timezone) }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button' }, 'Save digest settings'),
      h('button', { type: 'button', class: 'button button-secondary', id: 'digest-preview-button' }, 'Preview my next digest'),
      h('span', { class: 'saved meta', role: 'status' })));
  onSubmit(digest, async (f) => {
    const updated = await api.patch('/me', {
      digest: {
        frequency: f.elements['digest.frequency'].value,
        weekday: Number(f.elements['digest.weekday'].value),
        hour: Number(f.elements['digest.hour'].value),
      },
    });
    updateMember(updated);
    saved(f, updated.digest.frequency === 'off' ? 'Digest turned off.' : `Digest saved: ${updated.digest.frequency}.`);
  });
  const hourHint = digest.querySelector('[data-field="digest.hour"] .hint');
  const preview = h('section', { class: 'digest-preview', 'aria-live': 'polite', 'aria-label': 'Digest preview' });
  digest.querySelector('#digest-preview-button').addEventListener('click', async () => {
    const frequency = digest.elements['digest.frequency'].value;
    replace(preview, h('p', { class: 'muted' }, 'Composing…'));
    try {
      const result = await api.get(apiPath`/me/digest/preview?frequency=${frequency === 'daily' ? 'daily' : 'weekly'}`);
      replace(preview,
        h('h3', {}, result.items ? result.subject : 'Nothing new for a digest right now'),
        result.items ? h('pre', { class: 'email-text' }, result.text) : h('p', { class: 'muted' }, 'An empty digest is never sent.'));
    } catch (error) {
      replace(preview, h('p', { role: 'alert' }, error.message));
    }
  });
  digest.append(preview);

  const emails = h('form', { class: 'card stack', novalidate: true, 'aria-labelledby': 'emails-heading' },
    h('h2', { id: 'emails-heading' }, 'Notification emails'),
    h('fieldset', {}, h('legend', {}, 'Email me when'),
      EMAIL_KINDS.map(([kind, label]) => checkbox(label, `email_notifications.${kind}`, me.email_notifications?.[kind]))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Save email settings'), h('span', { class: 'saved meta', role: 'status' })));
  onSubmit(emails, async (f) => {
    const choice = {};
    for (const [kind] of EMAIL_KINDS) choice[kind] = f.elements[`email_notifications.${kind}`].checked;
    const updated = await api.patch('/me', { email_notifications: choice });
    updateMember(updated);
    saved(f, 'Email settings saved.');
  });

  root.append(profile, digest, emails,
    h('section', { class: 'card stack' }, h('h2', {}, 'Your data'),
      h('p', {}, 'Download everything you wrote and your settings as JSON.'),
      exportButton()));
}

function exportButton() {
  const button = h('button', { type: 'button', class: 'button button-secondary' }, 'Download my data');
  onClick(button, async () => {
    const data = await api.get('/me/export');
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const link = h('a', { href: url, download: 'staffroom-export.json' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  return button;
}

/** The digest hour's hint for `zone`: it follows the timezone once that is saved. */
function inYourZone(zone) {
  return `In your timezone (${zone.replaceAll('_', ' ')}).`;
}
