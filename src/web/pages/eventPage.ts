// An event's page: what it is, when (in the event's own time zone and the viewer's), how it
// repeats, where, the link, description, calendar, reminders, colour, categories and who is
// invited. Edit and Delete are offered only when the user may write the calendar; on one
// occurrence of a repeating event they first ask which occurrences (this one, this and the
// following, all). Delete always passes through a confirmation page (GET) before its POST.
import { canWriteContent } from '../../domain/access.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import type { SimpleEvent } from '../../ical/simpleEvent.ts';
import { wallClockToEpoch } from '../../ical/time.ts';
import { signedIn, type WebCall, type WebHandler } from '../call.ts';
import { formatDateTime, formatTime, isoDay } from '../dates.ts';
import { html, type Html } from '../html.ts';
import { csrfField, swatch } from '../layout.ts';
import { calendarOf } from './calendars.ts';
import {
  answerForm,
  colourName,
  attendeeTable,
  dayText,
  eventPath,
  extrasFor,
  isWebLink,
  occurrenceDay,
  occurrenceOf,
  organizerLine,
  pagePath,
  readStored,
  reminderText,
  requireWritable,
  roleOf,
  scopeOf,
  type Scope,
} from './eventForm.ts';

const SCOPES: readonly Scope[] = ['this', 'following', 'all'];

/** Epoch seconds of a form date and time in the event's zone. */
function epochOf(zone: string, date: string, time: string): number | null {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  return wallClockToEpoch(zone, y, mo, d, h, mi, 0);
}

/** From … to, in one zone: the end's date only when it is another day. */
function spanText(call: WebCall, zone: string, start: number, end: number, sameDay: boolean): string {
  const lang = call.frame.lang;
  return `${formatDateTime(lang, zone, start)} – ${sameDay ? formatTime(lang, zone, end) : formatDateTime(lang, zone, end)}`;
}

/** When the event is: whole days as dates; times in the event's zone, and in the viewer's when it is another. */
function whenLines(call: WebCall, e: SimpleEvent): Html {
  const t = call.frame.t;
  const lang = call.frame.lang;
  if (e.allDay) {
    const text = e.startDate === e.endDate ? dayText(lang, e.startDate) : `${dayText(lang, e.startDate)} – ${dayText(lang, e.endDate)}`;
    return html`<dt>${t('event.when')}</dt><dd>${text} · ${t('event.allDay')}</dd>`;
  }
  const start = epochOf(e.zone, e.startDate, e.startTime);
  const end = epochOf(e.zone, e.endDate, e.endTime);
  if (start === null || end === null) return html`<dt>${t('event.when')}</dt><dd>${e.startDate} ${e.startTime} – ${e.endDate} ${e.endTime} (${e.zone})</dd>`;
  const own = html`<dt>${t('event.when')}</dt><dd>${t('event.zoneOf', { when: spanText(call, e.zone, start, end, e.startDate === e.endDate), zone: e.zone })}</dd>`;
  if (e.zone === call.zone) return own;
  const viewerSameDay = isoDay(call.zone, start) === isoDay(call.zone, Math.max(start, end - 1));
  return html`${own}<dt>${t('event.inYourZone')}</dt><dd>${t('event.zoneOf', { when: spanText(call, call.zone, start, end, viewerSameDay), zone: call.zone })}</dd>`;
}

function repeatText(call: WebCall, e: SimpleEvent, customRule: string | null): string {
  const t = call.frame.t;
  if (customRule) return t('event.repeatCustomText', { rule: customRule });
  const r = e.repeat;
  if (!r) return t('event.repeatNone');
  const freq = t(`event.freq.${r.freq}`);
  if (r.count !== undefined) return t('event.repeatCount', { freq, count: String(r.count) });
  if (r.until !== undefined) return t('event.repeatUntil', { freq, date: dayText(call.frame.lang, r.until, 'medium') });
  return freq;
}

/** A colour swatch for a CSS colour name (an SVG attribute: the CSP allows no inline style). */
function namedSwatch(color: string): Html {
  if (!/^[a-z]{3,30}$/i.test(color)) return html``;
  return html`<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect width="10" height="10" rx="2" fill="${color}"/></svg>`;
}

function calendarName(v: CalendarView): string {
  return v.displayname || v.uri;
}

/** Edit and Delete: plain links on a one-off event or a whole series; on one occurrence, the scope first. */
function actions(call: WebCall, view: CalendarView, uri: string, occurrence: string | null, recurring: boolean): Html {
  const f = call.frame;
  const t = f.t;
  const base = eventPath(view.uri, uri);
  if (!occurrence || !recurring) {
    return html`<p class="event-actions"><a class="button" id="ev-edit" href="${f.href(`${base}/edit`)}">${t('event.editButton')}</a> <a class="button secondary" id="ev-delete" href="${f.href(`${base}/delete`)}">${t('event.deleteButton')}</a></p>`;
  }
  // One GET form, two buttons: works without script (formaction), and the choice goes along.
  return html`<form method="get" action="${f.href(`${base}/edit`)}" class="card event-actions">
    <input type="hidden" name="occurrence" value="${occurrence}">
    ${scopeChoice(call, 'this')}
    <button type="submit" id="ev-edit">${t('event.editButton')}</button>
    <button type="submit" id="ev-delete" class="secondary" formaction="${f.href(`${base}/delete`)}">${t('event.deleteButton')}</button>
  </form>`;
}

function scopeChoice(call: WebCall, chosen: Scope): Html {
  const t = call.frame.t;
  return html`<fieldset class="scope"><legend>${t('event.scope')}</legend>${SCOPES.map(
    (s) => html`<label class="check"><input type="radio" name="scope" value="${s}"${s === chosen ? html` checked` : ''}> ${t(`event.scope.${s}`)}</label>`,
  )}</fieldset>`;
}

/** The event page: `?occurrence=` shows that occurrence of a series. Read-only on a calendar the user may not write. */
export const showEvent: WebHandler = async (call, deps) => {
  const f = call.frame;
  const t = f.t;
  const { user } = signedIn(call);
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  const asked = occurrenceOf(call.req.query.occurrence);
  const read = await readStored(call, deps, view, uri, asked);
  const occurrence = read.recurring ? read.occurrence : null;
  const e = read.event;
  // One occurrence's reading gives the rest of the series' repeat (what "this and following" would keep); the page names the whole series'.
  const series = occurrence ? await readStored(call, deps, view, uri) : read;
  const writable = canWriteContent(view);
  const role = roleOf(read.participants, user);
  const extras = await extrasFor(call, deps, role.kind === 'organizer' ? read.uid : null);
  const details = html`<dl class="event-details">
    ${whenLines(call, e)}
    ${read.recurring || series.customRule ? html`<dt>${t('event.repeats')}</dt><dd>${repeatText(call, series.event, series.customRule)}</dd>` : ''}
    ${e.location ? html`<dt>${t('event.location')}</dt><dd>${e.location}</dd>` : ''}
    ${e.url ? html`<dt>${t('event.url')}</dt><dd>${isWebLink(e.url) ? html`<a href="${e.url}" rel="noopener noreferrer nofollow">${e.url}</a>` : e.url}</dd>` : ''}
    <dt>${t('event.calendar')}</dt><dd>${swatch(view.color)} ${calendarName(view)}</dd>
    <dt>${t('event.reminders')}</dt><dd>${e.reminders?.length ? e.reminders.map((m, i) => html`${i ? ', ' : ''}${reminderText(t, m)}`) : t('event.noReminders')}${read.otherAlarms ? html` <span class="hint">${t('event.otherAlarms', { count: String(read.otherAlarms) })}</span>` : ''}</dd>
    ${e.color ? html`<dt>${t('event.color')}</dt><dd>${namedSwatch(e.color)} ${colourName(t, e.color)}</dd>` : ''}
    ${e.categories?.length ? html`<dt>${t('event.categories')}</dt><dd>${e.categories.map((c) => html`<span class="badge">${c}</span>`)}</dd>` : ''}
    ${e.description ? html`<dt>${t('event.description')}</dt><dd class="description">${e.description}</dd>` : ''}
  </dl>`;
  const occurrenceNote = occurrence
    ? html`<p class="hint">${t('event.occurrenceNote', { date: dayText(f.lang, occurrenceDay(occurrence)) })} <a href="${f.href(eventPath(view.uri, uri))}">${t('event.wholeSeries')}</a></p>`
    : html``;
  const answering = writable && role.kind !== 'other' && role.me !== null;
  // An invitee's answer card lists the organizer and the attendees already.
  const people = !(answering && role.kind === 'invitee') && (read.participants.organizer || read.participants.attendees.length)
    ? html`<section class="card" aria-labelledby="ev-people"><h2 id="ev-people">${t('event.attendees')}</h2>${organizerLine(call, read.participants)}${attendeeTable(call, read.participants, role, extras)}</section>`
    : html``;
  const answer = writable && role.kind !== 'other' && role.me ? answerForm(call, eventPath(view.uri, uri), read.etag, read.participants, role.me, role.kind === 'invitee') : html``;
  const body = html`${writable ? '' : html`<p class="notice readonly" id="ev-readonly">${t('event.readOnly')}</p>`}
    <section class="card event-page" aria-label="${t('event.page')}">${occurrenceNote}${details}</section>
    ${writable ? actions(call, view, uri, occurrence, read.recurring) : ''}
    ${answer}
    ${people}
    <p><a href="${f.href(`/my/view?mode=month&date=${e.startDate}`)}">${t('event.backToCalendar')}</a></p>`;
  return { kind: 'page', title: e.summary || t('event.untitled'), body };
};

/** The confirmation before a delete: on one occurrence of a series, which occurrences (this one by default). */
export const confirmDeleteEvent: WebHandler = async (call, deps) => {
  const f = call.frame;
  const t = f.t;
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const asked = occurrenceOf(call.req.query.occurrence);
  const read = await readStored(call, deps, view, uri, asked);
  const occurrence = read.recurring ? read.occurrence : null;
  const summary = read.event.summary || t('event.untitled');
  const body = html`<form method="post" action="${f.href(`${eventPath(view.uri, uri)}/delete`)}" class="card danger">${csrfField(f)}
    <input type="hidden" name="etag" value="${read.etag}">
    ${occurrence ? html`<input type="hidden" name="occurrence" value="${occurrence}"><p>${t('event.deleteSeriesHint')}</p>${scopeChoice(call, scopeOf(call.req.query.scope))}` : ''}
    <p>${t('event.deleteHint', { calendar: calendarName(view) })}</p>
    <button type="submit" class="danger" id="ev-delete-confirm">${t('event.deleteConfirm')}</button>
    <a class="button secondary" href="${f.href(pagePath(view.uri, uri, occurrence))}">${t('event.cancel')}</a>
  </form>`;
  return { kind: 'page', title: t('event.deleteTitle', { summary }), body };
};
