// A simple event as the web UI's form edits it: one-off, or repeating daily, weekly, monthly or
// yearly with a count or an end date, in wall-clock dates and times of one zone. Written new,
// read back into the form, and applied to a stored event (keeping what the form does not show).
// Pure; the pool runs it (src/compute/tasks.ts), never the request loop.
import ICAL from 'ical.js';
import { stampChange } from './changeStamps.ts';
import { attendeeLine, buildEvent, type EventTime } from './eventBuilder.ts';
import { isRecurring } from './instances.ts';
import { parseMaster } from './master.ts';
import { mailtoAddress } from './eventFields.ts';
import { isDateValue, isIanaZone, TimeResolver, tzidOf } from './time.ts';
import { eventSpan, instanceTimes } from './timeRange.ts';

export type RepeatFreq = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
export const REPEAT_FREQS: readonly RepeatFreq[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];

export interface Repeat {
  freq: RepeatFreq;
  count?: number;
  /** The last day (YYYY-MM-DD, in the event's zone). */
  until?: string;
}

/** An event as the form edits it: wall-clock dates and times in `zone` (an IANA name or UTC). */
export interface SimpleEvent {
  summary: string;
  description: string | null;
  location: string | null;
  allDay: boolean;
  /** YYYY-MM-DD */
  startDate: string;
  /** HH:MM (ignored for all-day events) */
  startTime: string;
  /** YYYY-MM-DD; for all-day events the last day (inclusive). */
  endDate: string;
  endTime: string;
  zone: string;
  repeat: Repeat | null;
  /**
   * The invited addresses, as the form lists them; undefined leaves the ATTENDEEs as they are
   * (an invitee's form, a form without the field). Addresses not in mailto: form (a room's
   * urn:uuid) are never touched.
   */
  attendees?: string[];
  /** Who organizes: written where a component has no ORGANIZER yet (the user inviting people). */
  organizer?: { email: string; name: string | null } | null;
  /**
   * Minutes before the start of each display reminder (0: at the start), as VALARMs with a
   * relative TRIGGER; undefined leaves the alarms as they are. Alarms the form cannot show
   * (absolute triggers, after the start, related to the end, e-mail) are always kept.
   */
  reminders?: number[];
  /** URL (RFC 5545 §3.8.4.6): null removes it, undefined leaves it. */
  url?: string | null;
  /** COLOR (RFC 7986 §5.9), a CSS3 colour name: null removes it, undefined leaves it. */
  color?: string | null;
  /** CATEGORIES (RFC 5545 §3.8.1.2); undefined leaves them. */
  categories?: string[];
}

/** The reminders the form offers (minutes before the start); any other whole number of minutes is a custom one. */
export const REMINDER_CHOICES = [0, 5, 15, 30, 60, 1440] as const;

/** The CSS3 colour keywords (CSS Color Module Level 3 §4.3), the values RFC 7986 COLOR takes. */
export const CSS_COLOR_NAMES: ReadonlySet<string> = new Set([
  'aliceblue', 'antiquewhite', 'aqua', 'aquamarine', 'azure', 'beige', 'bisque', 'black', 'blanchedalmond', 'blue', 'blueviolet', 'brown',
  'burlywood', 'cadetblue', 'chartreuse', 'chocolate', 'coral', 'cornflowerblue', 'cornsilk', 'crimson', 'cyan', 'darkblue', 'darkcyan',
  'darkgoldenrod', 'darkgray', 'darkgreen', 'darkgrey', 'darkkhaki', 'darkmagenta', 'darkolivegreen', 'darkorange', 'darkorchid',
  'darkred', 'darksalmon', 'darkseagreen', 'darkslateblue', 'darkslategray', 'darkslategrey', 'darkturquoise', 'darkviolet', 'deeppink',
  'deepskyblue', 'dimgray', 'dimgrey', 'dodgerblue', 'firebrick', 'floralwhite', 'forestgreen', 'fuchsia', 'gainsboro', 'ghostwhite',
  'gold', 'goldenrod', 'gray', 'green', 'greenyellow', 'grey', 'honeydew', 'hotpink', 'indianred', 'indigo', 'ivory', 'khaki', 'lavender',
  'lavenderblush', 'lawngreen', 'lemonchiffon', 'lightblue', 'lightcoral', 'lightcyan', 'lightgoldenrodyellow', 'lightgray', 'lightgreen',
  'lightgrey', 'lightpink', 'lightsalmon', 'lightseagreen', 'lightskyblue', 'lightslategray', 'lightslategrey', 'lightsteelblue',
  'lightyellow', 'lime', 'limegreen', 'linen', 'magenta', 'maroon', 'mediumaquamarine', 'mediumblue', 'mediumorchid', 'mediumpurple',
  'mediumseagreen', 'mediumslateblue', 'mediumspringgreen', 'mediumturquoise', 'mediumvioletred', 'midnightblue', 'mintcream', 'mistyrose',
  'moccasin', 'navajowhite', 'navy', 'oldlace', 'olive', 'olivedrab', 'orange', 'orangered', 'orchid', 'palegoldenrod', 'palegreen',
  'paleturquoise', 'palevioletred', 'papayawhip', 'peachpuff', 'peru', 'pink', 'plum', 'powderblue', 'purple', 'red', 'rosybrown',
  'royalblue', 'saddlebrown', 'salmon', 'sandybrown', 'seagreen', 'seashell', 'sienna', 'silver', 'skyblue', 'slateblue', 'slategray',
  'slategrey', 'snow', 'springgreen', 'steelblue', 'tan', 'teal', 'thistle', 'tomato', 'turquoise', 'violet', 'wheat', 'white',
  'whitesmoke', 'yellow', 'yellowgreen'
]);

/** Most reminders one event may have, and the earliest one (minutes before the start: four weeks). */
export const MAX_REMINDERS = 10;
export const MAX_REMINDER_MINUTES = 4 * 7 * 1440;
/** Most categories one event may have, and the longest one. */
export const MAX_CATEGORIES = 30;
export const MAX_CATEGORY_LENGTH = 100;
/** The longest URL an event may hold. */
export const MAX_URL_LENGTH = 2000;

/** The event colours the form offers: CSS3 colour names, as RFC 7986 COLOR takes them. */
export const EVENT_COLORS: readonly string[] = ['tomato', 'orange', 'gold', 'yellowgreen', 'seagreen', 'teal', 'deepskyblue', 'royalblue', 'slateblue', 'orchid', 'hotpink', 'sienna', 'slategray'];

/** One attendee as the form shows it: the address, the name, the answer and the delivery status. */
export interface FormAttendee {
  email: string;
  name: string | null;
  /** PARTSTAT, upper-case (NEEDS-ACTION when absent). */
  partstat: string;
  /** SCHEDULE-STATUS on the organizer's copy (RFC 6638 §3.2.9), if any. */
  scheduleStatus: string | null;
}

/** Who organizes and who attends an event, as the form shows them. */
export interface FormParticipants {
  organizer: { email: string; name: string | null } | null;
  attendees: FormAttendee[];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})$/;

function dateParts(v: string): [number, number, number] {
  const m = DATE.exec(v);
  if (!m) throw new Error(`not a date: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function timeParts(v: string): [number, number] {
  const m = TIME.exec(v);
  if (!m) throw new Error(`not a time: ${v}`);
  return [Number(m[1]), Number(m[2])];
}

/** The property value for a form date (and time) in the zone: a DATE, a UTC time or a wall-clock time with TZID. */
function setTime(comp: ICAL.Component, name: string, date: string, time: string | null, zone: string): void {
  const [year, month, day] = dateParts(date);
  comp.removeAllProperties(name);
  const prop = new ICAL.Property(name, comp);
  if (time === null) {
    prop.setValue(ICAL.Time.fromData({ year, month, day, isDate: true }));
  } else {
    const [hour, minute] = timeParts(time);
    const utc = zone === 'UTC';
    prop.setValue(ICAL.Time.fromData({ year, month, day, hour, minute, second: 0, isDate: false }, utc ? ICAL.Timezone.utcTimezone : undefined));
    if (!utc) prop.setParameter('tzid', zone);
  }
  comp.addProperty(prop);
}

function nextDay(date: string): string {
  const [y, m, d] = dateParts(date);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function previousDay(date: string): string {
  const [y, m, d] = dateParts(date);
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}

function ruleOf(e: SimpleEvent): ICAL.Recur | null {
  if (!e.repeat) return null;
  const data: Record<string, unknown> = { freq: e.repeat.freq };
  if (e.repeat.count !== undefined) data.count = e.repeat.count;
  if (e.repeat.until !== undefined) {
    const [year, month, day] = dateParts(e.repeat.until);
    // UNTIL must be of the kind DTSTART is (RFC 5545 §3.3.10): a date, or the end of that day in UTC.
    data.until = e.allDay ? ICAL.Time.fromData({ year, month, day, isDate: true }) : ICAL.Time.fromData({ year, month, day, hour: 23, minute: 59, second: 59 }, ICAL.Timezone.utcTimezone);
  }
  return ICAL.Recur.fromData(data as Parameters<typeof ICAL.Recur.fromData>[0]);
}

function setText(comp: ICAL.Component, name: string, value: string | null): void {
  comp.removeAllProperties(name);
  if (value) comp.addPropertyWithValue(name, value);
}

/** A CN parameter value: one line, no quotes (they cannot be escaped in a parameter, RFC 5545 §3.2). */
function cleanName(name: string | null): string | null {
  const v = name?.replace(/[\u0000-\u001f\u007f"]/g, ' ').replace(/\s+/g, ' ').trim();
  return v ? v : null;
}

/**
 * The form's attendee list on every component of the event: an address no longer listed leaves
 * each component; a new one joins the master and the overridden instances (an address already in
 * the master is not added to an instance that left it out on purpose); the parameters of the
 * attendees kept (their answers, names, roles) stay as they are. The organizer is written where
 * a component has none.
 */
export function applyParticipants(root: ICAL.Component, master: ICAL.Component, e: SimpleEvent): void {
  if (e.attendees === undefined) return;
  const events = root.getAllSubcomponents('vevent');
  const wanted = new Map(e.attendees.map((a) => [a.toLowerCase(), a]));
  const inMaster = new Set(master.getAllProperties('attendee').map((p) => mailtoAddress(p.getFirstValue())));
  const added = [...wanted].filter(([lower]) => !inMaster.has(lower));
  for (const comp of events) {
    const present = keepWanted(comp, wanted);
    const toAdd = comp === master ? [...wanted].filter(([lower]) => !present.has(lower)) : added.filter(([lower]) => !present.has(lower));
    for (const [, address] of toAdd) comp.addProperty(ICAL.Property.fromString(attendeeLine(address)));
    addOrganizer(comp, e, wanted.size > 0);
  }
}

/** Whether an alarm is a reminder the form shows: a display (or sound) alarm at or before the start, in whole minutes; its minutes, else null. */
function reminderMinutes(alarm: ICAL.Component): number | null {
  const action = String(alarm.getFirstPropertyValue('action') ?? '').toUpperCase();
  if (action !== 'DISPLAY' && action !== 'AUDIO') return null;
  const trigger = alarm.getFirstProperty('trigger');
  const value = trigger?.getFirstValue();
  if (!(value instanceof ICAL.Duration)) return null;
  const related = trigger?.getParameter('related');
  if (typeof related === 'string' && related.toUpperCase() === 'END') return null;
  const seconds = value.toSeconds();
  if (!Number.isFinite(seconds) || seconds > 0 || seconds % 60 !== 0) return null;
  return -seconds / 60;
}

/** The reminders (sorted minutes) and how many other alarms a component has. */
export function remindersOf(comp: ICAL.Component): { reminders: number[]; otherAlarms: number } {
  const minutes = new Set<number>();
  let otherAlarms = 0;
  for (const alarm of comp.getAllSubcomponents('valarm')) {
    const m = reminderMinutes(alarm);
    if (m === null) otherAlarms++;
    else minutes.add(m);
  }
  return { reminders: [...minutes].sort((a, b) => a - b), otherAlarms };
}

/**
 * The form's reminders on a component: a reminder still wanted keeps its VALARM as it is (its
 * UID, acknowledgement, sound), one no longer wanted goes, a new one is a DISPLAY alarm. Alarms
 * the form does not show are never touched.
 */
function applyReminders(comp: ICAL.Component, reminders: number[]): void {
  const wanted = new Set(reminders);
  const kept = new Set<number>();
  for (const alarm of comp.getAllSubcomponents('valarm')) {
    const m = reminderMinutes(alarm);
    if (m === null) continue;
    if (wanted.has(m) && !kept.has(m)) kept.add(m);
    else comp.removeSubcomponent(alarm);
  }
  for (const m of [...wanted].sort((a, b) => a - b)) {
    if (kept.has(m)) continue;
    const alarm = new ICAL.Component('valarm');
    alarm.addPropertyWithValue('action', 'DISPLAY');
    alarm.addPropertyWithValue('description', 'Reminder');
    alarm.addPropertyWithValue('trigger', ICAL.Duration.fromSeconds(-m * 60));
    comp.addSubcomponent(alarm);
  }
}

/** What the form says beyond the times and texts: reminders, URL, colour, categories (each only when given). */
function applyExtras(comp: ICAL.Component, e: SimpleEvent): void {
  if (e.reminders !== undefined) applyReminders(comp, e.reminders);
  // A value the form sends back unchanged keeps its line as the client wrote it (URL;VALUE=URI).
  if (e.url !== undefined && (e.url || null) !== textOrNull(comp.getFirstPropertyValue('url'))) {
    comp.removeAllProperties('url');
    if (e.url) comp.addPropertyWithValue('url', e.url);
  }
  if (e.color !== undefined && (e.color?.toLowerCase() || null) !== textOrNull(comp.getFirstPropertyValue('color'))?.toLowerCase()) {
    comp.removeAllProperties('color');
    if (e.color) comp.addPropertyWithValue('color', e.color.toLowerCase());
  }
  if (e.categories !== undefined) {
    comp.removeAllProperties('categories');
    const list = e.categories.map((c) => c.trim()).filter((c) => c !== '');
    if (list.length) {
      const p = new ICAL.Property('categories', comp);
      p.setValues(list);
      comp.addProperty(p);
    }
  }
}

/** The form's values on one component (the master, a new series' master or an override); `keepRule` leaves its RRULE. */
export function applyForm(comp: ICAL.Component, e: SimpleEvent, keepRule: boolean): void {
  applyTo(comp, e, keepRule);
  applyExtras(comp, e);
}

/**
 * Removes the component's mailto: attendees the form no longer lists (others, such as a room's
 * urn:uuid, are never touched); returns the lower-case addresses it keeps.
 */
function keepWanted(comp: ICAL.Component, wanted: Map<string, string>): Set<string> {
  const present = new Set<string>();
  for (const p of comp.getAllProperties('attendee')) {
    const a = mailtoAddress(p.getFirstValue());
    if (a === null) continue;
    if (!wanted.has(a)) comp.removeProperty(p);
    else present.add(a);
  }
  return present;
}

/**
 * The form's attendee list on ONE component (an occurrence's override): addresses no longer
 * listed leave it, new ones join, kept ones keep their parameters; the organizer is written when
 * it has none.
 */
export function applyComponentParticipants(comp: ICAL.Component, e: SimpleEvent): void {
  if (e.attendees === undefined) return;
  const wanted = new Map(e.attendees.map((a) => [a.toLowerCase(), a]));
  const present = keepWanted(comp, wanted);
  for (const [lower, address] of wanted) if (!present.has(lower)) comp.addProperty(ICAL.Property.fromString(attendeeLine(address)));
  addOrganizer(comp, e, wanted.size > 0);
}

/** The form's organizer on a component that invites someone and names none yet. */
function addOrganizer(comp: ICAL.Component, e: SimpleEvent, invites: boolean): void {
  if (!e.organizer || !invites || comp.hasProperty('organizer')) return;
  const p = new ICAL.Property('organizer', comp);
  p.setValue(`mailto:${e.organizer.email}`);
  const cn = cleanName(e.organizer.name);
  if (cn) p.setParameter('cn', cn);
  comp.addProperty(p);
}

function applyTo(comp: ICAL.Component, e: SimpleEvent, keepRule: boolean): void {
  setText(comp, 'summary', e.summary);
  setText(comp, 'description', e.description);
  setText(comp, 'location', e.location);
  comp.removeAllProperties('duration');
  if (e.allDay) {
    setTime(comp, 'dtstart', e.startDate, null, e.zone);
    setTime(comp, 'dtend', nextDay(e.endDate), null, e.zone);
  } else {
    setTime(comp, 'dtstart', e.startDate, e.startTime, e.zone);
    setTime(comp, 'dtend', e.endDate, e.endTime, e.zone);
  }
  if (keepRule) return;
  comp.removeAllProperties('rrule');
  const rule = ruleOf(e);
  if (rule) comp.addPropertyWithValue('rrule', rule);
}

/** A form date (and time) as a new event holds it: a whole day, or a wall-clock time in the zone. */
function formTime(date: string, time: string | null, zone: string): EventTime {
  dateParts(date);
  if (time === null) return { date };
  timeParts(time);
  return { date, time, tzid: zone };
}

/** A new event object holding the form's values. */
export function newSimpleEvent(e: SimpleEvent, uid: string, now: number, prodId: string): string {
  const start = e.allDay ? formTime(e.startDate, null, e.zone) : formTime(e.startDate, e.startTime, e.zone);
  const end = e.allDay ? formTime(nextDay(e.endDate), null, e.zone) : formTime(e.endDate, e.endTime, e.zone);
  const text = buildEvent({
    prodId,
    calscale: true,
    uid,
    stamp: now,
    created: now,
    start,
    end,
    summary: e.summary,
    description: e.description,
    location: e.location,
    rrule: ruleOf(e)?.toString() ?? null,
    organizer: e.attendees?.length && e.organizer ? { email: e.organizer.email, name: cleanName(e.organizer.name) } : null,
    attendees: e.attendees ?? [],
  });
  if (!e.reminders?.length && !e.url && !e.color && !e.categories?.length) return text;
  const { root, master } = parseMaster(text, 'vevent');
  applyExtras(master, e);
  return root.toString();
}

/**
 * The stored event with the form's values on its master (the whole series); everything else
 * (alarms, attendees, overridden instances, X- properties) is kept. `keepRule` keeps a repeat
 * rule the form cannot show.
 */
export function applySimpleEvent(text: string, e: SimpleEvent, now: number, keepRule: boolean): string {
  const { root, master } = parseMaster(text, 'vevent');
  applyForm(master, e, keepRule);
  applyParticipants(root, master, e);
  stampChange(master, now, true);
  return root.toString();
}

function wallClock(epoch: number, zone: string): { date: string; time: string } {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(epoch * 1000))) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

function dateOf(t: ICAL.Time): string {
  return `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** A repeat rule the form can show (one FREQ, and COUNT or UNTIL, nothing else), or null. */
function simpleRepeat(rule: ICAL.Recur, zone: string, start?: ICAL.Time): Repeat | null | 'custom' {
  const freq = String(rule.freq) as RepeatFreq;
  let parts = Object.keys(rule.parts ?? {});
  // Thunderbird writes a weekly rule with the start's own weekday (FREQ=WEEKLY;BYDAY=MO): the same series.
  const days = (rule.parts as Record<string, unknown[] | undefined> | undefined)?.BYDAY;
  if (freq === 'WEEKLY' && start && parts.length === 1 && days?.length === 1 && days[0] === WEEKDAYS[start.dayOfWeek() - 1]) parts = [];
  if (!REPEAT_FREQS.includes(freq) || parts.length || (rule.interval ?? 1) !== 1) return 'custom';
  if (rule.count) return { freq, count: rule.count };
  if (rule.until) return { freq, until: rule.until.isDate ? dateOf(rule.until) : wallClock(rule.until.toUnixTime(), zone).date };
  return { freq };
}

/** Who organizes and attends: the master's attendees first, then those only an instance has. */
export function participantsIn(root: ICAL.Component, master: ICAL.Component, onlyThis = false): FormParticipants {
  const organizerProp = master.getFirstProperty('organizer');
  const organizerEmail = organizerProp ? mailtoAddress(organizerProp.getFirstValue()) : null;
  const seen = new Map<string, FormAttendee>();
  for (const comp of onlyThis ? [master] : [master, ...root.getAllSubcomponents('vevent').filter((c) => c !== master)]) {
    for (const p of comp.getAllProperties('attendee')) {
      const email = mailtoAddress(p.getFirstValue());
      if (!email || seen.has(email)) continue;
      const status = p.getParameter('schedule-status');
      seen.set(email, {
        email,
        name: textOrNull(p.getParameter('cn')),
        partstat: String(p.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase(),
        scheduleStatus: status === undefined || status === null ? null : String(status),
      });
    }
  }
  return {
    organizer: organizerEmail ? { email: organizerEmail, name: textOrNull(organizerProp?.getParameter('cn')) } : null,
    attendees: [...seen.values()],
  };
}

/**
 * The zone an event is in, as the form shows it: its DTSTART's TZID when that is an IANA zone,
 * UTC for a UTC time, else (a floating time, an all-day date, a zone only its VTIMEZONE names)
 * the viewer's zone.
 */
export function eventZone(comp: ICAL.Component, viewerZone: string): string {
  const start = comp.getFirstPropertyValue('dtstart');
  if (!(start instanceof ICAL.Time) || start.isDate) return viewerZone;
  if (start.zone === ICAL.Timezone.utcTimezone) return 'UTC';
  const tzid = tzidOf(comp, 'dtstart');
  return tzid !== null && isIanaZone(tzid) ? tzid : viewerZone;
}

/** The form's values of a component at one instance ([start, end) in epoch seconds), in the event's zone; `repeat` as given. */
export function formValues(comp: ICAL.Component, span: { start: number; end: number }, viewerZone: string, repeat: Repeat | null): { event: SimpleEvent; otherAlarms: number } {
  const allDay = isDateValue(comp, 'dtstart');
  const zone = eventZone(comp, viewerZone);
  const start = wallClock(span.start, zone);
  const end = wallClock(span.end, zone);
  const { reminders, otherAlarms } = remindersOf(comp);
  const categories: string[] = [];
  for (const p of comp.getAllProperties('categories')) {
    for (const v of p.getValues() as unknown[]) if (typeof v === 'string' && v.trim() !== '' && !categories.includes(v.trim())) categories.push(v.trim());
  }
  return {
    event: {
      summary: String(comp.getFirstPropertyValue('summary') ?? ''),
      description: textOrNull(comp.getFirstPropertyValue('description')),
      location: textOrNull(comp.getFirstPropertyValue('location')),
      allDay,
      startDate: start.date,
      startTime: allDay ? '' : start.time,
      // An all-day event's DTEND is the day after its last one; one of no length ends on its first.
      endDate: allDay ? (end.date > start.date ? previousDay(end.date) : start.date) : end.date,
      endTime: allDay ? '' : end.time,
      zone,
      repeat,
      reminders,
      url: textOrNull(comp.getFirstPropertyValue('url')),
      color: textOrNull(comp.getFirstPropertyValue('color')),
      categories,
    },
    otherAlarms,
  };
}

/** The repeat rule of a master as the form shows it, or the text of one it cannot show. */
export function repeatOf(master: ICAL.Component, zone: string): { repeat: Repeat | null; customRule: string | null } {
  const ruleValue = master.getFirstPropertyValue('rrule');
  if (!(ruleValue instanceof ICAL.Recur)) return { repeat: null, customRule: null };
  const start = master.getFirstPropertyValue('dtstart');
  const repeat = simpleRepeat(ruleValue, zone, start instanceof ICAL.Time ? start : undefined);
  return repeat === 'custom' ? { repeat: null, customRule: ruleValue.toString() } : { repeat, customRule: null };
}

/**
 * The form's values of a stored event (its master, in the event's own zone: see eventZone), the
 * text of a repeat rule the form cannot show, who organizes and attends, and how many alarms are
 * not reminders the form shows.
 */
export function readSimpleEvent(
  text: string,
  zone: string,
): { event: SimpleEvent; customRule: string | null; participants: FormParticipants; otherAlarms: number; recurring: boolean } {
  const { root, master } = parseMaster(text, 'vevent');
  const participants = participantsIn(root, master);
  const r = new TimeResolver(zone);
  const span = eventSpan(instanceTimes({ component: master, shift: 0, start: null, recurrenceId: null, isOverride: false }, r));
  if (!span) throw new Error('the event has no start');
  const own = eventZone(master, zone);
  const { repeat, customRule } = repeatOf(master, own);
  const { event, otherAlarms } = formValues(master, span, zone, repeat);
  return { event, customRule, participants, otherAlarms, recurring: isRecurring(master) };
}

function textOrNull(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
