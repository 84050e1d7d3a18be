// Creating and editing an event from a form: title, calendar (choosing another moves the event),
// all day, start and end in the event's own time zone, a simple repeat (daily, weekly, monthly,
// yearly; a number of times or up to a date), reminders, location, link, colour, categories,
// description, and who is invited. On a repeating event opened on one occurrence the form edits
// that occurrence, this and the following ones, or all (`scope`, `occurrence`). Writes go
// through the domain's write path, so CalDAV clients see the change on their next sync and
// scheduling delivers the invitations (into calendars here, by mail elsewhere). A refused form
// comes back with what was typed and the reason beside the field (400); a saved one redirects (303).
//
// Who may change what follows the event's ORGANIZER: on an event the user organizes (or one
// without an organizer) the form edits the attendee list, and the user becomes the ORGANIZER
// when they invite someone; on an invitation from someone else the list is shown, not edited,
// and the user gives their own answer.
import { canWriteContent } from '../../domain/access.ts';
import { MAX_FORM_ATTENDEES } from '../../domain/agenda.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import { DomainError } from '../../domain/errors.ts';
import type { UserInfo } from '../../domain/users.ts';
import { EVENT_COLORS, REMINDER_CHOICES, REPEAT_FREQS, type FormAttendee, type FormParticipants, type Repeat, type RepeatFreq, type SimpleEvent } from '../../ical/simpleEvent.ts';
import { field, signedIn, WebError, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import { en } from '../i18n/en.ts';
import type { MessageKey } from '../i18n/index.ts';
import { csrfField, type Notice } from '../layout.ts';
import { addDays, formatDate, formatDateTime, isDay, isoDay } from '../dates.ts';
import { isZone } from './account.ts';
import { calendarOf } from './calendars.ts';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_TEXT = 10_000;
/** The time zones an event may be in: the IANA names this runtime knows (as Account's list). */
const ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
/** A link on an event: an http(s) URL of at most this many characters. */
export const MAX_URL_LENGTH = 2000;
/** Categories on one event, and the length of each (Apple and Thunderbird write a handful). */
export const MAX_CATEGORIES = 50;
export const MAX_CATEGORY_LENGTH = 255;
/** Reminder rows one form shows: the stored ones and one empty row to add another. */
export const MAX_FORM_REMINDERS = 10;
/** The earliest custom reminder: four weeks before the start. */
export const MAX_REMINDER_MINUTES = 40_320;
/** An invited address: as the domain and the events API check them (a dot in the domain). */
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const ANSWERS = ['ACCEPTED', 'TENTATIVE', 'DECLINED'] as const;
type Answer = (typeof ANSWERS)[number];

/** Which occurrences of a repeating event an edit or a delete changes. */
export type Scope = 'this' | 'following' | 'all';
/** An occurrence parameter: a RECURRENCE-ID value as iCalendar writes it (date, UTC or local time). */
const OCCURRENCE = /^\d{8}(T\d{6}Z?)?$/;

export function scopeOf(v: unknown): Scope {
  return v === 'following' || v === 'all' ? v : 'this';
}

/** The occurrence a request names, or null; a malformed one names nothing that exists (404). */
export function occurrenceOf(v: unknown): string | null {
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string' || !OCCURRENCE.test(v)) throw new WebError(404, 'error.notFound');
  return v;
}

/** The day (YYYY-MM-DD) an occurrence parameter names. */
export function occurrenceDay(occurrence: string): string {
  return `${occurrence.slice(0, 4)}-${occurrence.slice(4, 6)}-${occurrence.slice(6, 8)}`;
}

/** A day as words in the user's language (no zone involved: the day is already a wall-clock day). */
export function dayText(lang: WebCall['frame']['lang'], day: string, style: 'full' | 'medium' = 'full'): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return formatDate(lang, 'UTC', Date.UTC(y, m - 1, d, 12) / 1000, style);
}

/** A POST or form page on a calendar the user may only read: a page saying so (403), nothing changed. */
export function requireWritable(view: CalendarView): void {
  if (!canWriteContent(view)) throw new WebError(403, 'event.readOnlyRefused');
}

type Field = 'summary' | 'start' | 'end' | 'count' | 'until' | 'attendees' | 'reminders' | 'zone' | 'url' | 'color' | 'categories' | 'calendar';

interface ReminderRow {
  /** '' (none), a minute count of REMINDER_CHOICES, or 'custom'. */
  choice: string;
  /** The custom minutes as typed. */
  minutes: string;
}

interface FormState {
  event: SimpleEvent;
  calendar: string;
  ends: 'never' | 'count' | 'until';
  count: string;
  until: string;
  customRule: string | null;
  etag: string;
  /** The attendee field as typed (one address a line). */
  attendeesText: string;
  /** Who organizes and attends the stored event (null for a new one). */
  participants: FormParticipants | null;
  reminderRows: ReminderRow[];
  urlText: string;
  categoriesText: string;
  /** VALARMs the form does not show (kept on save). */
  otherAlarms: number;
  scope: Scope;
  /** The occurrence the form edits (with scope this or following), else null. */
  occurrence: string | null;
}

interface Problem {
  key: MessageKey;
  params?: Record<string, string>;
  /** Shown beside this field as well as above the form. */
  field?: Field;
}

/** Whose event it is, for the user: theirs to invite to, someone else's invitation to answer, or neither. */
export type Role = { kind: 'organizer'; me: FormAttendee | null } | { kind: 'invitee'; me: FormAttendee } | { kind: 'other' };

export function roleOf(participants: FormParticipants | null, user: UserInfo): Role {
  const me = user.email?.toLowerCase() ?? null;
  const organizer = participants?.organizer?.email ?? null;
  const mine = (me ? participants?.attendees.find((a) => a.email === me) : undefined) ?? null;
  // The organizer may be listed as an attendee too (Apple's and Thunderbird's way): then they answer like anyone.
  if (organizer === null || organizer === me) return { kind: 'organizer', me: organizer === null ? null : mine };
  return mine ? { kind: 'invitee', me: mine } : { kind: 'other' };
}

/**
 * The addresses of the attendee field: one a line (commas, semicolons and spaces separate too),
 * `mailto:` taken off; from `Name <address>`, as mail programs copy it, the address.
 */
export function readAttendees(text: string): { addresses: string[]; problems: Problem[] } {
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  const tokens = text.split(/[\r\n,;]+/).flatMap((item) => {
    const named = /<([^<>]*)>/.exec(item);
    return named ? [named[1]!.trim()] : item.split(/\s+/);
  });
  for (const raw of tokens) {
    const a = raw.replace(/^mailto:/i, '');
    if (!a) continue;
    if (a.length > 254 || !EMAIL.test(a)) {
      if (problems.length < 5) problems.push({ key: 'event.badAttendee', params: { address: a.slice(0, 100) }, field: 'attendees' });
      continue;
    }
    if (!seen.has(a.toLowerCase())) seen.set(a.toLowerCase(), a);
  }
  if (seen.size > MAX_FORM_ATTENDEES) problems.push({ key: 'event.tooManyAttendees', params: { max: String(MAX_FORM_ATTENDEES) }, field: 'attendees' });
  return { addresses: [...seen.values()], problems };
}

export function writableEventCalendars(views: CalendarView[]): CalendarView[] {
  return views.filter((v) => canWriteContent(v) && v.components.includes('VEVENT'));
}

/** The reminder rows of a stored event: each reminder as a choice, or custom minutes. */
function rowsOf(reminders: readonly number[] | undefined): ReminderRow[] {
  return (reminders ?? []).map((m) => ((REMINDER_CHOICES as readonly number[]).includes(m) ? { choice: String(m), minutes: '' } : { choice: 'custom', minutes: String(m) }));
}

/** The reminder rows as posted (`reminder<i>`, `reminderMinutes<i>`), and the minutes they give. */
function readReminders(form: Record<string, string>): { rows: ReminderRow[]; minutes: number[] | undefined; problems: Problem[] } {
  const rows: ReminderRow[] = [];
  const minutes = new Set<number>();
  const problems: Problem[] = [];
  let sent = false;
  for (let i = 0; i < MAX_FORM_REMINDERS; i++) {
    const choice = form[`reminder${i}`];
    if (choice === undefined) continue;
    sent = true;
    const custom = (form[`reminderMinutes${i}`] ?? '').trim();
    rows.push({ choice, minutes: custom });
    if (choice === '') continue;
    if (choice === 'custom') {
      const n = Number(custom);
      if (!/^\d{1,5}$/.test(custom) || n > MAX_REMINDER_MINUTES) problems.push({ key: 'event.badReminder', params: { max: String(MAX_REMINDER_MINUTES) }, field: 'reminders' });
      else minutes.add(n);
    } else if ((REMINDER_CHOICES as readonly number[]).includes(Number(choice)) && /^\d+$/.test(choice)) minutes.add(Number(choice));
    else problems.push({ key: 'event.badReminder', params: { max: String(MAX_REMINDER_MINUTES) }, field: 'reminders' });
  }
  return { rows, minutes: sent ? [...minutes].sort((a, b) => a - b) : undefined, problems: problems.slice(0, 1) };
}

/** The form's fields as an event, or the problems with them (the attendees are read by `withAttendees`). `storedColor` stays choosable. */
export function readForm(
  form: Record<string, string>,
  viewerZone: string,
  storedColor: string | null = null,
  storedUrl: string | null = null,
): { state: Omit<FormState, 'customRule' | 'etag' | 'participants' | 'otherAlarms' | 'scope' | 'occurrence'>; problems: Problem[] } {
  const allDay = form.allDay === 'on';
  const freq = form.repeat as RepeatFreq;
  const ends = form.ends === 'count' || form.ends === 'until' ? form.ends : 'never';
  const problems: Problem[] = [];
  const zoneSent = form.zone;
  const zone = zoneSent === undefined ? viewerZone : isZone(zoneSent) ? zoneSent : viewerZone;
  if (zoneSent !== undefined && !isZone(zoneSent)) problems.push({ key: 'event.badZone', field: 'zone' });
  const event: SimpleEvent = {
    summary: (form.summary ?? '').trim(),
    description: (form.description ?? '').trim() || null,
    location: (form.location ?? '').trim() || null,
    allDay,
    startDate: form.startDate ?? '',
    startTime: allDay ? '' : (form.startTime ?? ''),
    endDate: form.endDate || form.startDate || '',
    endTime: allDay ? '' : (form.endTime ?? ''),
    zone,
    repeat: null,
  };
  if (!event.summary) problems.push({ key: 'event.noTitle', field: 'summary' });
  if ([event.summary, event.description ?? '', event.location ?? ''].some((x) => x.length > MAX_TEXT)) problems.push({ key: 'event.tooLong' });
  const startOk = isDay(event.startDate) && (allDay || TIME.test(event.startTime));
  const endOk = isDay(event.endDate) && (allDay || TIME.test(event.endTime));
  if (!startOk) problems.push({ key: 'event.badDate', field: 'start' });
  if (!endOk) problems.push({ key: 'event.badDate', field: 'end' });
  if (startOk && endOk && `${event.endDate}T${event.endTime}` < `${event.startDate}T${event.startTime}`) problems.push({ key: 'event.endBeforeStart', field: 'end' });
  const count = form.count ?? '';
  const until = form.until ?? '';
  // "Ends" counts only with a repeat: without one the fields are ignored, whatever they hold.
  if (REPEAT_FREQS.includes(freq)) {
    event.repeat = { freq };
    if (ends === 'count') {
      const n = Number(count);
      if (!/^\d{1,4}$/.test(count) || n < 1 || n > 1000) problems.push({ key: 'event.badCount', field: 'count' });
      else event.repeat.count = n;
    } else if (ends === 'until') {
      if (!isDay(until)) problems.push({ key: 'event.badDate', field: 'until' });
      else if (startOk && until < event.startDate) problems.push({ key: 'event.badUntil', field: 'until' });
      else event.repeat.until = until;
    }
  }
  const reminders = readReminders(form);
  problems.push(...reminders.problems);
  if (reminders.minutes !== undefined) event.reminders = reminders.minutes;
  const urlText = (form.url ?? '').trim();
  if (form.url !== undefined) {
    event.url = urlText || null;
    // A link the event came with (a client's mailto: or tel:) may stay; a new one is http(s).
    if (urlText && urlText !== storedUrl && !isWebLink(urlText)) problems.push({ key: 'event.badUrl', field: 'url' });
  }
  if (form.color !== undefined) {
    const color = form.color.trim().toLowerCase();
    event.color = color || null;
    if (color && !EVENT_COLORS.includes(color) && color !== storedColor?.toLowerCase()) problems.push({ key: 'event.badColor', field: 'color' });
    if (color && color === storedColor?.toLowerCase()) event.color = storedColor;
  }
  const categoriesText = form.categories ?? '';
  if (form.categories !== undefined) {
    const seen = new Map<string, string>();
    for (const c of categoriesText.split(',')) {
      const v = c.trim();
      if (v && !seen.has(v.toLowerCase())) seen.set(v.toLowerCase(), v);
    }
    event.categories = [...seen.values()];
    if (seen.size > MAX_CATEGORIES || event.categories.some((c) => c.length > MAX_CATEGORY_LENGTH))
      problems.push({ key: 'event.tooManyCategories', params: { max: String(MAX_CATEGORIES), len: String(MAX_CATEGORY_LENGTH) }, field: 'categories' });
  }
  const unique = new Map(problems.map((p) => [`${p.key}|${p.field ?? ''}`, p]));
  return {
    state: { event, calendar: form.calendar ?? '', ends, count, until, attendeesText: form.attendees ?? '', reminderRows: reminders.rows, urlText, categoriesText },
    problems: [...unique.values()],
  };
}

/** Whether two repeats say the same (frequency, count, last day). */
function sameRepeat(a: Repeat | null, b: Repeat | null): boolean {
  if (a === null || b === null) return a === b;
  return a.freq === b.freq && a.count === b.count && a.until === b.until;
}

/** An http(s) URL a browser can open: what the event page links to. */
export function isWebLink(v: string): boolean {
  if (v.length > MAX_URL_LENGTH || /[\u0000-\u0020]/.test(v)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && Boolean(u.host);
  } catch {
    return false;
  }
}

/**
 * The event with the attendee field applied, when the field was sent and the user organizes:
 * the addresses, and the user as ORGANIZER when there is none yet and people are added (which
 * needs the user's own address). An event that lists attendees without an organizer (an import)
 * stays as it is until someone is added. An invitee's form leaves the list as it is.
 */
function withAttendees(call: WebCall, user: UserInfo, event: SimpleEvent, participants: FormParticipants | null): Problem[] {
  const text = call.form.attendees;
  if (text === undefined || roleOf(participants, user).kind !== 'organizer') return [];
  const { addresses, problems } = readAttendees(text);
  event.attendees = addresses;
  const listed = new Set(participants?.attendees.map((a) => a.email));
  if (addresses.some((a) => !listed.has(a.toLowerCase())) && !participants?.organizer) {
    if (!user.email) problems.push({ key: 'event.noOwnAddress', field: 'attendees' });
    else event.organizer = { email: user.email, name: user.displayName ?? null };
  }
  return problems;
}

/** The newest mail to one attendee, as the organizer's form shows it: sent, waiting, or not delivered (with why). */
export interface Delivery {
  state: 'sent' | 'waiting' | 'failed';
  at: Date;
  error: string | null;
}

/** What the page shows beside the fields: what became of the organizer's mails, and whether mail is sent at all. */
export interface Extras {
  deliveries: Map<string, Delivery>;
  mailOn: boolean;
}

export function partstatText(t: WebCall['frame']['t'], partstat: string): string {
  switch (partstat) {
    case 'ACCEPTED':
      return t('event.partstat.ACCEPTED');
    case 'TENTATIVE':
      return t('event.partstat.TENTATIVE');
    case 'DECLINED':
      return t('event.partstat.DECLINED');
    case 'DELEGATED':
      return t('event.partstat.DELEGATED');
    case 'NEEDS-ACTION':
      return t('event.partstat.NEEDS-ACTION');
    default:
      return partstat;
  }
}

/** What became of the invitation to one attendee: the mail's failure, else the SCHEDULE-STATUS written at the save (RFC 6638 §3.2.9). */
function deliveryText(call: WebCall, a: FormAttendee, mail: Delivery | undefined): string {
  const t = call.frame.t;
  const when = mail ? formatDateTime(call.frame.lang, call.zone, mail.at.getTime() / 1000) : '';
  if (mail?.state === 'failed') return t('event.delivery.failed', { when, error: mail.error ?? '' });
  if (mail?.state === 'sent') return t('event.delivery.sent', { when });
  const code = a.scheduleStatus?.split(/[;,]/)[0]?.trim() ?? '';
  if (!code) return '';
  if (code === '1.2') return t('event.delivery.local');
  if (code === '1.1' || code === '1.0') return t('event.delivery.queued');
  if (code === '5.3') return t('event.delivery.limit');
  if (code === '3.7' || code === '3.8') return t('event.delivery.invalid');
  if (code.startsWith('2.')) return t('event.delivery.local');
  return t('event.delivery.other', { code });
}

/** The attendees with their answers (and, for the organizer, what became of each invitation). */
export function attendeeTable(call: WebCall, participants: FormParticipants, role: Role, extras: Extras): Html {
  const t = call.frame.t;
  if (!participants.attendees.length) return html``;
  const organizerView = role.kind === 'organizer';
  return html`<div class="table-wrap"><table class="attendees"><caption>${t('event.answers')}</caption>
    <thead><tr><th scope="col">${t('event.attendee')}</th><th scope="col">${t('event.answer')}</th>${organizerView ? html`<th scope="col">${t('event.delivery')}</th>` : ''}</tr></thead>
    <tbody>${participants.attendees.map(
      (a) => html`<tr><th scope="row"><span class="mono">${a.email}</span>${a.name ? html` <span class="hint">(${a.name})</span>` : ''}</th>
        <td><span class="badge partstat-${a.partstat.toLowerCase()}">${partstatText(t, a.partstat)}</span></td>${organizerView ? html`<td class="wrap">${deliveryText(call, a, extras.deliveries.get(a.email))}</td>` : ''}</tr>`,
    )}</tbody></table></div>`;
}

export function organizerLine(call: WebCall, participants: FormParticipants | null): Html {
  const o = participants?.organizer;
  if (!o) return html``;
  return html`<p>${call.frame.t('event.organizer')}: <span class="mono">${o.email}</span>${o.name ? ` (${o.name})` : ''}</p>`;
}

/** The attendee field (the organizer's form). */
function attendeeField(call: WebCall, state: FormState, problems: Problem[], user: UserInfo, extras: Extras): Html {
  const t = call.frame.t;
  const errors = problems.filter((p) => p.field === 'attendees');
  const hint = user.email ? t('event.attendeesHint', { email: user.email }) : t('event.attendeesNoAddress');
  return html`<fieldset class="attendees"><legend>${t('event.attendees')}</legend>
    ${organizerLine(call, state.participants)}
    <label for="ev-att">${t('event.attendeesLabel')}</label>
    <textarea id="ev-att" name="attendees" rows="3" autocomplete="off" autocapitalize="none" spellcheck="false" aria-describedby="ev-att-hint${errors.length ? ' ev-att-error' : ''}"${errors.length ? html` aria-invalid="true"` : ''}>${state.attendeesText}</textarea>
    ${errors.length ? html`<p class="field-error" id="ev-att-error">${errors.map((p) => t(p.key, p.params))}</p>` : ''}
    <p class="hint" id="ev-att-hint">${hint}${extras.mailOn ? '' : html` ${t('event.mailOff')}`}</p>
    ${state.participants ? attendeeTable(call, state.participants, { kind: 'organizer', me: null }, extras) : ''}
  </fieldset>`;
}

/** The user's own answer when they are invited: a form of its own (it changes only their PARTSTAT). */
export function answerForm(call: WebCall, action: string, etag: string, participants: FormParticipants | null, me: FormAttendee, invitee: boolean): Html {
  const f = call.frame;
  const t = f.t;
  const labels: Record<Answer, string> = { ACCEPTED: t('event.answerAccept'), TENTATIVE: t('event.answerMaybe'), DECLINED: t('event.answerDecline') };
  return html`<section class="card" aria-labelledby="own-answer"><h2 id="own-answer">${t('event.yourAnswer')}</h2>
    ${invitee ? organizerLine(call, participants) : ''}
    <p>${t('event.yourAnswerNow', { answer: partstatText(t, me.partstat) })}</p>
    <form method="post" action="${f.href(`${action}/answer`)}" class="answer">${csrfField(f)}<input type="hidden" name="etag" value="${etag}">
      <fieldset><legend>${t('event.yourAnswer')}</legend>
      ${ANSWERS.map((a) => html`<label class="check"><input type="radio" name="partstat" value="${a}"${me.partstat === a ? html` checked` : ''} required> ${labels[a]}</label>`)}
      </fieldset>
      <button type="submit">${t('event.answerSave')}</button>
    </form>
    ${invitee && participants ? attendeeTable(call, participants, { kind: 'invitee', me }, { deliveries: new Map(), mailOn: true }) : ''}
  </section>`;
}

/** The message and the ARIA attributes of one field's problems. */
function fieldProblems(t: WebCall['frame']['t'], problems: Problem[], name: Field, id: string): { attrs: Html; message: Html } {
  const mine = problems.filter((p) => p.field === name);
  if (!mine.length) return { attrs: html``, message: html`` };
  return {
    attrs: html` aria-invalid="true" aria-describedby="${id}-error"`,
    message: html`<p class="field-error" id="${id}-error">${mine.map((p) => t(p.key, p.params)).join(' ')}</p>`,
  };
}

/** The words for a reminder of `minutes` before the start. */
export function reminderText(t: WebCall['frame']['t'], minutes: number): string {
  if (minutes === 0) return t('event.reminderAtStart');
  if (minutes === 1440) return t('event.reminderDay');
  if (minutes % 1440 === 0) return t('event.reminderDays', { n: String(minutes / 1440) });
  if (minutes === 60) return t('event.reminderHour');
  if (minutes % 60 === 0) return t('event.reminderHours', { n: String(minutes / 60) });
  return t('event.reminderMinutes', { n: String(minutes) });
}

function reminderFields(call: WebCall, state: FormState, problems: Problem[]): Html {
  const t = call.frame.t;
  const rows = [...state.reminderRows.filter((r) => r.choice !== ''), { choice: '', minutes: '' }].slice(0, MAX_FORM_REMINDERS);
  const p = fieldProblems(t, problems, 'reminders', 'ev-rem');
  return html`<fieldset class="reminders"><legend>${t('event.reminders')}</legend>
    ${rows.map(
      (r, i) => html`<div class="row reminder">
      <div><label for="ev-rem${i}">${t('event.reminderN', { n: String(i + 1) })}</label><select id="ev-rem${i}" name="reminder${i}" data-reminder>
        <option value="">${t('event.reminderNone')}</option>
        ${REMINDER_CHOICES.map((m) => html`<option value="${m}"${r.choice === String(m) ? html` selected` : ''}>${reminderText(t, m)}</option>`)}
        <option value="custom"${r.choice === 'custom' ? html` selected` : ''}>${t('event.reminderCustom')}</option>
      </select></div>
      <div class="custom-minutes" data-custom-for="ev-rem${i}"><label for="ev-remm${i}">${t('event.reminderCustomMinutes')}</label><input id="ev-remm${i}" name="reminderMinutes${i}" type="number" min="0" max="${MAX_REMINDER_MINUTES}" inputmode="numeric" value="${r.minutes}"${r.choice === 'custom' ? p.attrs : ''}></div>
    </div>`,
    )}
    ${p.message}
    ${state.otherAlarms ? html`<p class="hint">${t('event.otherAlarms', { count: String(state.otherAlarms) })}</p>` : ''}
  </fieldset>`;
}

/** The colour choices: none (the calendar's), the palette, and a stored colour outside it. */
function colorOptions(call: WebCall, chosen: string | null): Html {
  const t = call.frame.t;
  const names = chosen && !EVENT_COLORS.includes(chosen.toLowerCase()) ? [...EVENT_COLORS, chosen] : EVENT_COLORS;
  return html`<option value="">${t('event.colorNone')}</option>${names.map((c) => html`<option value="${c}"${chosen?.toLowerCase() === c.toLowerCase() ? html` selected` : ''}>${colourName(t, c)}</option>`)}`;
}

/** A palette colour in the user's language; another CSS colour name as it is. */
export function colourName(t: WebCall['frame']['t'], color: string): string {
  const key = `event.colour.${color.toLowerCase()}`;
  return Object.hasOwn(en, key) ? t(key as MessageKey) : color;
}

function render(
  call: WebCall,
  views: CalendarView[],
  state: FormState,
  target: { calendar: CalendarView; uri: string } | null,
  extras: Extras,
  problems: Problem[] = [],
  status = 200,
) {
  const f = call.frame;
  const t = f.t;
  const { user } = signedIn(call);
  const e = state.event;
  const role = roleOf(state.participants, user);
  const notices: Notice[] = problems.map((p) => ({ kind: 'error', text: t(p.key, p.params) }));
  const action = target ? eventPath(target.calendar.uri, target.uri) : '/my/events';
  const sel = (on: boolean) => (on ? html` selected` : '');
  const chk = (on: boolean) => (on ? html` checked` : '');
  const fp = (name: Field, id: string) => fieldProblems(t, problems, name, id);
  const summaryP = fp('summary', 'ev-summary');
  const startP = fp('start', 'ev-sd');
  const endP = fp('end', 'ev-ed');
  const countP = fp('count', 'ev-count');
  const untilP = fp('until', 'ev-until');
  const zoneP = fp('zone', 'ev-zone');
  const urlP = fp('url', 'ev-url');
  const colorP = fp('color', 'ev-color');
  const catP = fp('categories', 'ev-cat');
  const calP = fp('calendar', 'ev-cal');
  // One occurrence stays in its series' calendar; the whole event (or a new one) chooses.
  const choosable = writableEventCalendars(views);
  const calendarField: Html =
    state.scope !== 'all' || !choosable.length
      ? html`<p>${t('event.calendar')}: <strong>${target ? target.calendar.displayname || target.calendar.uri : ''}</strong></p>`
      : html`<label for="ev-cal">${t('event.calendar')}</label><select id="ev-cal" name="calendar"${calP.attrs}>${choosable.map((v) => html`<option value="${v.uri}"${sel(v.uri === state.calendar)}>${v.displayname || v.uri}</option>`)}</select>${calP.message}${target ? html`<p class="hint">${t('event.moveHint')}</p>` : ''}`;
  const participantsPart: Html =
    role.kind === 'organizer'
      ? attendeeField(call, state, problems, user, extras)
      : role.kind === 'other' && state.participants
        ? html`<fieldset class="attendees"><legend>${t('event.attendees')}</legend>${organizerLine(call, state.participants)}${attendeeTable(call, state.participants, role, extras)}</fieldset>`
        : html``;
  const scopeNote: Html =
    state.occurrence && state.scope === 'this'
      ? html`<p class="notice scope-note">${t('event.editingThis', { date: dayText(f.lang, occurrenceDay(state.occurrence)) })}</p>`
      : state.occurrence && state.scope === 'following'
        ? html`<p class="notice scope-note">${t('event.editingFollowing', { date: dayText(f.lang, occurrenceDay(state.occurrence)) })}</p>`
        : html``;
  const repeatPart: Html =
    state.scope === 'this'
      ? html``
      : state.customRule
        ? html`<p class="notice">${t('event.customRule', { rule: state.customRule })}</p><input type="hidden" name="keepRule" value="on">`
        : html`<fieldset class="repeat"><legend>${t('event.repeat')}</legend>
      <label for="ev-repeat" class="visually-hidden">${t('event.repeat')}</label>
      <select id="ev-repeat" name="repeat"><option value="">${t('event.repeatNone')}</option>${REPEAT_FREQS.map((fr) => html`<option value="${fr}"${sel(e.repeat?.freq === fr)}>${t(`event.freq.${fr}`)}</option>`)}</select>
      <fieldset class="ends" id="ev-ends" aria-describedby="ev-ends-hint"><legend>${t('event.ends')}</legend>
        <p class="hint" id="ev-ends-hint">${t('event.endsHint')}</p>
        <label class="check"><input type="radio" name="ends" value="never"${chk(state.ends === 'never')}> ${t('event.endsNever')}</label>
        <label class="check"><input type="radio" name="ends" value="count"${chk(state.ends === 'count')}> ${t('event.endsCount')}</label>
        <label for="ev-count">${t('event.count')}</label><input id="ev-count" name="count" type="number" min="1" max="1000" value="${state.count}"${countP.attrs}>${countP.message}
        <label class="check"><input type="radio" name="ends" value="until"${chk(state.ends === 'until')}> ${t('event.endsUntil')}</label>
        <label for="ev-until">${t('event.until')}</label><input id="ev-until" name="until" type="date" value="${state.until}"${untilP.attrs}>${untilP.message}
      </fieldset></fieldset>`;
  const body = html`${scopeNote}
  <form method="post" action="${f.href(action)}" class="card event-form">${csrfField(f)}
    <input type="hidden" name="etag" value="${state.etag}">
    ${state.occurrence ? html`<input type="hidden" name="occurrence" value="${state.occurrence}"><input type="hidden" name="scope" value="${state.scope}">` : ''}
    <label for="ev-summary">${t('event.summary')}</label><input id="ev-summary" name="summary" required maxlength="${MAX_TEXT}" value="${e.summary}"${summaryP.attrs}>${summaryP.message}
    ${calendarField}
    <label class="check"><input type="checkbox" name="allDay" id="ev-allday"${chk(e.allDay)}> ${t('event.allDay')}</label>
    <div class="row">
      <div><label for="ev-sd">${t('event.startDate')}</label><input id="ev-sd" name="startDate" type="date" required value="${e.startDate}"${startP.attrs}></div>
      <div class="time-field"><label for="ev-st">${t('event.startTime')}</label><input id="ev-st" name="startTime" type="time" value="${e.startTime}"></div>
    </div>${startP.message}
    <div class="row">
      <div><label for="ev-ed">${t('event.endDate')}</label><input id="ev-ed" name="endDate" type="date" required value="${e.endDate}"${endP.attrs}></div>
      <div class="time-field"><label for="ev-et">${t('event.endTime')}</label><input id="ev-et" name="endTime" type="time" value="${e.endTime}"></div>
    </div>${endP.message}
    <div class="time-field"><label for="ev-zone">${t('event.zone')}</label><select id="ev-zone" name="zone" aria-describedby="ev-zone-hint"${zoneP.attrs}>${ZONES.map((z) => html`<option${sel(z === e.zone)}>${z}</option>`)}</select>${zoneP.message}
    <p class="hint" id="ev-zone-hint">${t('event.zoneHint', { zone: call.zone })}</p></div>
    ${repeatPart}
    ${reminderFields(call, state, problems)}
    <label for="ev-loc">${t('event.location')}</label><input id="ev-loc" name="location" maxlength="${MAX_TEXT}" value="${e.location ?? ''}">
    <label for="ev-url">${t('event.url')}</label><input id="ev-url" name="url" type="url" inputmode="url" maxlength="${MAX_URL_LENGTH}" placeholder="https://" value="${state.urlText}"${urlP.attrs}>${urlP.message}
    <div class="row top">
      <div><label for="ev-color">${t('event.color')}</label><select id="ev-color" name="color"${colorP.attrs}>${colorOptions(call, e.color ?? null)}</select>${colorP.message}</div>
      <div><label for="ev-cat">${t('event.categories')}</label><input id="ev-cat" name="categories" maxlength="${MAX_TEXT}" aria-describedby="ev-cat-hint${problems.some((p) => p.field === 'categories') ? ' ev-cat-error' : ''}"${problems.some((p) => p.field === 'categories') ? html` aria-invalid="true"` : ''} value="${state.categoriesText}">${catP.message}<p class="hint" id="ev-cat-hint">${t('event.categoriesHint')}</p></div>
    </div>
    <label for="ev-desc">${t('event.description')}</label><textarea id="ev-desc" name="description" rows="4" maxlength="${MAX_TEXT}">${e.description ?? ''}</textarea>
    ${participantsPart}
    <button type="submit">${t('common.save')}</button>
    ${target ? html`<a class="button secondary" href="${f.href(pagePath(target.calendar.uri, target.uri, state.occurrence))}">${t('event.cancel')}</a>` : ''}
  </form>`;
  return { kind: 'page' as const, title: target ? t('event.edit') : t('event.new'), body, notices, status };
}

/** Where an event's page is (the form posts there too). */
export function eventPath(cal: string, obj: string): string {
  return `/my/events/${encodeURIComponent(cal)}/${encodeURIComponent(obj)}`;
}

/** The event page, on one occurrence when given. */
export function pagePath(cal: string, obj: string, occurrence: string | null): string {
  return `${eventPath(cal, obj)}${occurrence ? `?occurrence=${encodeURIComponent(occurrence)}` : ''}`;
}

function stateOf(event: SimpleEvent, calendar: string): FormState {
  const r = event.repeat;
  return {
    event,
    calendar,
    ends: r?.count !== undefined ? 'count' : r?.until !== undefined ? 'until' : 'never',
    count: r?.count !== undefined ? String(r.count) : '',
    until: r?.until ?? '',
    customRule: null,
    etag: '',
    attendeesText: '',
    participants: null,
    reminderRows: rowsOf(event.reminders),
    urlText: event.url ?? '',
    categoriesText: (event.categories ?? []).join(', '),
    otherAlarms: 0,
    scope: 'all',
    occurrence: null,
  };
}

/** An hour after HH:MM on `date`, as a date and a time (past midnight: the next day). */
function hourAfter(date: string, time: string): { date: string; time: string } {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const next = h + 1;
  return next >= 24 ? { date: addDays(date, 1), time: `${String(next - 24).padStart(2, '0')}:${String(m).padStart(2, '0')}` } : { date, time: `${String(next).padStart(2, '0')}:${String(m).padStart(2, '0')}` };
}

async function views(call: WebCall, deps: WebDeps): Promise<CalendarView[]> {
  return deps.domain.calendars.listForPrincipal(signedIn(call).user.principalUri);
}

/** The newest mail to each attendee of one of the user's events: a later mail that went out replaces an earlier failure. */
async function deliveriesOf(call: WebCall, deps: WebDeps, uid: string): Promise<Map<string, Delivery>> {
  const out = new Map<string, Delivery>();
  for (const m of await deps.domain.mailOutbox.latestOfEvent(signedIn(call).user.principalUri, uid)) {
    const state = m.status === 'sent' ? 'sent' : m.status === 'queued' ? 'waiting' : 'failed';
    out.set(m.recipient.toLowerCase(), { state, at: m.sentAt ?? m.createdAt, error: m.lastError ?? m.status });
  }
  return out;
}

export async function extrasFor(call: WebCall, deps: WebDeps, uid: string | null): Promise<Extras> {
  return { deliveries: uid ? await deliveriesOf(call, deps, uid) : new Map(), mailOn: Boolean(deps.config.mail.smtpUrl) };
}

/**
 * The new-event form, prefilled from the URL as the calendar views link to it: `date`, `time`
 * (an hour long from there), `allDay=on`, `calendar` (one the user may write events to).
 */
export const newEventForm: WebHandler = async (call, deps) => {
  const all = await views(call, deps);
  const q = call.req.query;
  const date = isDay(q.date) ? q.date : isoDay(call.zone, Math.floor(deps.domain.clock.now().getTime() / 1000));
  const writable = writableEventCalendars(all);
  const calendar = writable.find((v) => v.uri === q.calendar)?.uri ?? writable.find((v) => v.uri === 'default')?.uri ?? writable[0]?.uri ?? '';
  const allDay = q.allDay === 'on';
  const start = typeof q.time === 'string' && TIME.test(q.time) ? q.time : '09:00';
  const end = hourAfter(date, start);
  const event: SimpleEvent = { summary: '', description: null, location: null, allDay, startDate: date, startTime: allDay ? '' : start, endDate: allDay ? date : end.date, endTime: allDay ? '' : end.time, zone: call.zone, repeat: null, reminders: [] };
  return render(call, all, stateOf(event, calendar), null, await extrasFor(call, deps, null));
};

/** A domain refusal about the attendees (checked again there) as the form's field problem. */
function attendeeRefusal(err: unknown): Problem | null {
  if (!(err instanceof DomainError) || err.details.field !== 'attendees') return null;
  return { key: err.details.code === 'no-organizer' ? 'event.noOwnAddress' : 'event.badAttendees', field: 'attendees' };
}

export const createEvent: WebHandler = async (call, deps) => {
  const { actor, user } = signedIn(call);
  const all = await views(call, deps);
  const { state, problems } = readForm(call.form, call.zone);
  const view = writableEventCalendars(all).find((v) => v.uri === state.calendar);
  if (!view) problems.push({ key: 'event.badCalendar', field: 'calendar' });
  problems.push(...withAttendees(call, user, state.event, null));
  const again = async (p: Problem[]) =>
    render(call, all, { ...state, customRule: null, etag: '', participants: null, otherAlarms: 0, scope: 'all', occurrence: null }, null, await extrasFor(call, deps, null), p, 400);
  if (problems.length || !view) return again(problems);
  try {
    await deps.domain.agenda.createEvent(actor, view, state.event);
  } catch (err) {
    const p = attendeeRefusal(err);
    if (p) return again([p]);
    throw err;
  }
  return { kind: 'redirect', to: `/my/view?mode=month&date=${state.event.startDate}`, notice: { key: 'event.saved' } };
};

/** The stored event (one occurrence's values when `occurrence` is given), or 404. */
export async function readStored(call: WebCall, deps: WebDeps, view: CalendarView, uri: string, occurrence: string | null = null) {
  return deps.domain.agenda.readEvent(view, uri, call.zone, occurrence).catch((err: unknown) => {
    if (err instanceof DomainError) throw new WebError(404, 'error.notFound');
    throw err;
  });
}

/** The edit form: `?occurrence=…&scope=this|following|all` on a repeating event, the whole event otherwise. */
export const editEventForm: WebHandler = async (call, deps) => {
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const asked = occurrenceOf(call.req.query.occurrence);
  const scope: Scope = asked ? scopeOf(call.req.query.scope) : 'all';
  // "All" edits the series as a whole (its master); "this" and "following" start from the occurrence.
  const occurrence = scope === 'all' ? null : asked;
  const read = await readStored(call, deps, view, uri, occurrence);
  const event: SimpleEvent = { ...read.event };
  // One occurrence has no repeat of its own; "this and following" shows the rest of the series' (the rest of a COUNT).
  if (scope === 'this') event.repeat = null;
  const state: FormState = {
    ...stateOf(event, view.uri),
    customRule: scope === 'this' ? null : read.customRule,
    etag: read.etag,
    attendeesText: read.participants.attendees.map((a) => a.email).join('\n'),
    participants: read.participants,
    otherAlarms: read.otherAlarms,
    scope,
    occurrence,
  };
  return render(call, scope === 'all' ? await views(call, deps) : [], state, { calendar: view, uri }, await extrasFor(call, deps, read.uid));
};

export const updateEvent: WebHandler = async (call, deps) => {
  const { actor, user } = signedIn(call);
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const occurrence = occurrenceOf(field(call, 'occurrence'));
  const scope: Scope = occurrence ? scopeOf(field(call, 'scope')) : 'all';
  const stored = await readStored(call, deps, view, uri, scope === 'all' ? null : occurrence);
  const all = scope === 'all' ? await views(call, deps) : [];
  const { state, problems } = readForm(call.form, call.zone, stored.event.color ?? null, stored.event.url ?? null);
  // A repeat sent back as it was shown keeps the stored rule exactly: the form shows an UNTIL as a
  // day, and writing that day back would move an UNTIL set just before a split to the day's end.
  const keepRule = scope !== 'this' && (field(call, 'keepRule') === 'on' || (stored.customRule === null && sameRepeat(stored.event.repeat, state.event.repeat)));
  if (scope === 'this') state.event.repeat = null;
  problems.push(...withAttendees(call, user, state.event, stored.participants));
  const etag = field(call, 'etag');
  // Another calendar chosen: the event moves there after the save (the whole event only).
  const toUri = scope === 'all' && state.calendar ? state.calendar : view.uri;
  const to = toUri === view.uri ? view : writableEventCalendars(all).find((v) => v.uri === toUri);
  if (!to) problems.push({ key: 'event.badCalendar', field: 'calendar' });
  const again = async (p: Problem[]) =>
    render(
      call,
      all,
      { ...state, calendar: toUri, customRule: scope === 'this' ? null : stored.customRule, etag, participants: stored.participants, otherAlarms: stored.otherAlarms, scope, occurrence },
      { calendar: view, uri },
      await extrasFor(call, deps, stored.uid),
      p,
      400,
    );
  if (problems.length || !to) return again(problems);
  try {
    if (scope === 'all') {
      await deps.domain.agenda.updateEvent(actor, view, uri, state.event, etag, keepRule);
      if (to !== view) {
        const fresh = await deps.domain.objects.get(view, uri);
        if (!fresh) throw new WebError(404, 'error.notFound');
        const moved = await deps.domain.agenda.moveEvent(actor, view, uri, to, fresh.etag);
        return { kind: 'redirect', to: eventPath(to.uri, moved.uri), notice: { key: 'event.saved' } };
      }
      return { kind: 'redirect', to: eventPath(view.uri, uri), notice: { key: 'event.saved' } };
    }
    const edited = await deps.domain.agenda.editOccurrences(actor, view, uri, state.event, etag, { scope, occurrence: occurrence as string });
    return { kind: 'redirect', to: scope === 'this' ? pagePath(view.uri, edited.uri, occurrence) : eventPath(view.uri, edited.uri), notice: { key: 'event.saved' } };
  } catch (err) {
    const p = attendeeRefusal(err);
    if (p) return again([p]);
    throw err;
  }
};

/** The user's own answer to an invitation in their calendar (Accept, Maybe, Decline). */
export const answerEvent: WebHandler = async (call, deps) => {
  const { actor, user } = signedIn(call);
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const partstat = field(call, 'partstat');
  if (!(ANSWERS as readonly string[]).includes(partstat)) throw new WebError(400, 'event.badAnswer');
  const stored = await readStored(call, deps, view, uri);
  const role = roleOf(stored.participants, user);
  if (role.kind === 'other' || !role.me || !user.email) throw new WebError(400, 'event.notInvited');
  await deps.domain.agenda.answerInvitation(actor, view, uri, user.email, partstat as Answer, field(call, 'etag'));
  return { kind: 'redirect', to: eventPath(view.uri, uri), notice: { key: 'event.answered', params: { answer: partstatText(call.frame.t, partstat) } } };
};

/** Deletes what the confirmation page chose: the event, or on a series one occurrence or it and the following. */
export const deleteEvent: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const etag = field(call, 'etag');
  const occurrence = occurrenceOf(field(call, 'occurrence'));
  const scope: Scope = occurrence ? scopeOf(field(call, 'scope')) : 'all';
  if (scope === 'all') await deps.domain.objects.delete(actor, view, uri, etag ? { ifMatch: [etag] } : {}, 'web');
  else await deps.domain.agenda.deleteOccurrences(actor, view, uri, etag, { scope, occurrence: occurrence as string });
  return { kind: 'redirect', to: occurrence ? `/my/view?mode=month&date=${occurrenceDay(occurrence)}` : '/my/view', notice: { key: 'event.deleted' } };
};
