// The events API's view of a VEVENT (specs/events-v2.md): caption ⇄ SUMMARY, description ⇄
// DESCRIPTION, startDate/endDate ⇄ DTSTART/DTEND in UTC, notifications ⇄ VALARMs before the start
// (or at a time), recipients ⇄ ATTENDEEs, the caller ⇄ ORGANIZER. Changes touch only these on the
// master component; everything else (RRULE, LOCATION, other alarms, X- properties) is kept.
import ICAL from 'ical.js';
import { alarmLines, attendeeLine, buildEvent, type NewAlarm } from './eventBuilder.ts';
import { mailtoAddress } from './eventFields.ts';
import { parseMaster } from './master.ts';
import { durationSeconds, MAX_DURATION_SECONDS, MAX_INSTANT, propertyEpoch, TimeResolver } from './time.ts';

/** A reminder: a duration before the start (iCalendar syntax, e.g. PT2H), or an instant. */
export type Notification = { before: string } | { at: number };

export interface EventChanges {
  caption?: string;
  description?: string | null;
  start?: number;
  end?: number;
  notifications?: Notification[];
  recipients?: string[];
}

export interface EventReading {
  caption: string | null;
  description: string | null;
  start: number | null;
  end: number | null;
  notifications: Notification[];
  recipients: string[];
  organizer: string | null;
  rrule: string | null;
}

/** The iCalendar durations the API accepts: P1W, P1D, PT2H, P1DT30M… (ISO 8601's Y and M are not iCalendar). */
export const DURATION = /^P(?:\d+W|(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$/;

/** Whether a duration the API accepts (DURATION above) is no longer than an object may state (MAX_DURATION_DAYS, as the write path checks). */
export function durationInRange(v: string): boolean {
  const seconds = ICAL.Duration.fromString(v).toSeconds();
  return Number.isFinite(seconds) && seconds <= MAX_DURATION_SECONDS;
}

/** A notification as an alarm: its text is the event's caption. */
function alarmOf(n: Notification, caption: string): NewAlarm {
  return { description: caption || 'Reminder', trigger: 'before' in n ? { offset: `-${n.before}`, relatedStart: true } : { at: n.at } };
}

/** A new event as the API creates it (plain data: it crosses into the compute pool). */
export interface NewEventInput {
  uid: string;
  organizer: { email: string; name: string | null } | null;
  caption: string;
  description: string | null;
  start: number;
  end: number;
  notifications: Notification[];
  recipients: string[];
  now: number;
  prodId: string;
}

/** A new event object: the caller is the organizer, the recipients are invited. */
export function newEventText(i: NewEventInput): string {
  return buildEvent({
    prodId: i.prodId,
    calscale: true,
    uid: i.uid,
    stamp: i.now,
    created: i.now,
    start: { utc: i.start },
    end: { utc: i.end },
    summary: i.caption,
    description: i.description,
    organizer: i.organizer,
    attendees: i.recipients,
    alarms: i.notifications.map((n) => alarmOf(n, i.caption)),
  });
}

/** Whether an alarm is one the API shows (and so replaces): a DISPLAY-able trigger before the start, or at a time. */
function notificationOf(alarm: ICAL.Component, r: TimeResolver): Notification | null {
  const prop = alarm.getFirstProperty('trigger');
  if (!prop) return null;
  const v = prop.getFirstValue();
  if (v instanceof ICAL.Time) return { at: r.epoch(v) };
  if (v instanceof ICAL.Duration) {
    const related = String(prop.getParameter('related') ?? 'START').toUpperCase();
    if (related !== 'START' || v.toSeconds() > 0) return null;
    const d = v.clone();
    d.isNegative = false;
    return { before: d.toString() };
  }
  return null;
}

export function readEvent(text: string): EventReading {
  const { master } = parseMaster(text, 'vevent');
  const r = new TimeResolver(undefined);
  const start = propertyEpoch(master, 'dtstart', r);
  let end = propertyEpoch(master, 'dtend', r);
  const dur = master.getFirstPropertyValue('duration');
  // Writes keep an end within the year 9999; an object stored before they bounded DURATION ends there.
  if (end === null && start !== null) end = dur instanceof ICAL.Duration ? Math.min(MAX_INSTANT, start + durationSeconds(dur)) : start;
  const rrule = master.getFirstProperty('rrule');
  return {
    caption: (master.getFirstPropertyValue('summary') as string | null) ?? null,
    description: (master.getFirstPropertyValue('description') as string | null) ?? null,
    start,
    end,
    notifications: master
      .getAllSubcomponents('valarm')
      .map((a) => notificationOf(a, r))
      .filter((n): n is Notification => n !== null),
    recipients: master
      .getAllProperties('attendee')
      .map((p) => mailtoAddress(p.getFirstValue()))
      .filter((a): a is string => a !== null),
    organizer: mailtoAddress(master.getFirstPropertyValue('organizer')),
    rrule: rrule ? rrule.getFirstValue()!.toString() : null,
  };
}

function setText(comp: ICAL.Component, name: string, value: string | null): void {
  comp.removeAllProperties(name);
  if (value !== null && value !== '') comp.addPropertyWithValue(name, value);
}

function setUtc(comp: ICAL.Component, name: string, epoch: number): void {
  comp.removeAllProperties(name);
  comp.addPropertyWithValue(name, ICAL.Time.fromJSDate(new Date(epoch * 1000), true));
}

/** Applies API changes to the stored text of an event; everything the API does not model stays. */
export function applyEventChanges(text: string, c: EventChanges, now: number): string {
  const { root, master } = parseMaster(text, 'vevent');
  if (c.caption !== undefined) setText(master, 'summary', c.caption);
  if (c.description !== undefined) setText(master, 'description', c.description);
  if (c.start !== undefined) setUtc(master, 'dtstart', c.start);
  if (c.end !== undefined) {
    master.removeAllProperties('duration');
    setUtc(master, 'dtend', c.end);
  }
  if (c.notifications !== undefined) {
    const r = new TimeResolver(undefined);
    for (const a of master.getAllSubcomponents('valarm')) if (notificationOf(a, r)) master.removeSubcomponent(a);
    const caption = (master.getFirstPropertyValue('summary') as string | null) ?? '';
    for (const n of c.notifications) {
      const alarm = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${alarmLines(alarmOf(n, caption)).join('\r\n')}\r\nEND:VCALENDAR\r\n`) as never).getFirstSubcomponent('valarm');
      if (alarm) master.addSubcomponent(alarm);
    }
  }
  if (c.recipients !== undefined) {
    const wanted = new Set(c.recipients.map((e) => e.toLowerCase()));
    const kept = new Set<string>();
    for (const p of master.getAllProperties('attendee')) {
      const a = mailtoAddress(p.getFirstValue());
      if (!a || !wanted.has(a)) master.removeProperty(p);
      else kept.add(a);
    }
    for (const e of c.recipients) {
      if (kept.has(e.toLowerCase())) continue;
      kept.add(e.toLowerCase());
      master.addProperty(ICAL.Property.fromString(attendeeLine(e)));
    }
  }
  setUtc(master, 'last-modified', now);
  setUtc(master, 'dtstamp', now);
  const seq = Number(master.getFirstPropertyValue('sequence') ?? 0);
  master.removeAllProperties('sequence');
  master.addPropertyWithValue('sequence', Number.isFinite(seq) ? seq + 1 : 1);
  return root.toString().replace(/\r?\n/g, '\r\n').replace(/(\r\n)?$/, '\r\n');
}
