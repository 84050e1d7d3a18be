// Who made an object write: the `origin` every write carries decides what scheduling does with it
// (deliver, mail, nothing) and whether the Schedule-Tag moves. One list, read by the write path
// (src/domain/objects.ts) and by scheduling (src/domain/scheduling.ts).

/** The server writes an organizer's change into attendees' copies: never mails, never schedules. */
export const SCHEDULING_ORIGIN = 'scheduling';
/**
 * The server applies an attendee's answer (a local attendee, an answer link, `imip receive`) to
 * the organizer's copy: never mails, never schedules, keeps the Schedule-Tag (RFC 6638 §3.2.10).
 */
export const REPLY_ORIGIN = 'scheduling-reply';
/** Objects brought in from elsewhere (web import, `db copy-to`): never mailed, never scheduled. */
export const IMPORT_ORIGIN = 'import';
/** The events API: local delivery only, unless the request asks (`?sendUpdates=all`): EVENTS_API_NOTIFY_ORIGIN. */
export const EVENTS_API_ORIGIN = 'events-api';
export const EVENTS_API_NOTIFY_ORIGIN = 'events-api-notify';
/** The token-expiry feeds and the birthday calendar: the server's own events, never scheduled. */
export const FEEDS_ORIGIN = 'feeds';
export const BIRTHDAYS_ORIGIN = 'birthdays';
