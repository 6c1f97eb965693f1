// The browser's timezone, sent when an account is made so that digests and reminders come
// at the member's hours from the first day (they can change it in settings).

/** The browser's IANA zone (`America/Chicago`), or `undefined` if it cannot tell. */
export function browserTimezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}
