// The one builder of new event objects: the events API's, the web form's and the token expiry
// events are all written here, so that what a new VEVENT holds, in which order, and how its
// lines are escaped and folded (RFC 5545 §3.1, §3.3.11) is decided once. Callers say what the
// event holds; where they differ on purpose (CALSCALE, creation stamps, how a trigger is
// written) an option says so. Lines end in CRLF, the last one too.
import { escapeText, foldLine } from './export.ts';
import { formatUtc } from './time.ts';

/** A start or end: an instant (written in UTC), a whole day, or a wall-clock time in a zone (in UTC when the zone is UTC). */
export type EventTime = { utc: number } | { date: string } | { date: string; time: string; tzid: string };

/**
 * When an alarm fires: a signed duration from the start (-P1D, PT0S), or an instant.
 * `relatedStart` writes RELATED=START, the default (RFC 5545 §3.8.6.3), outright.
 */
export type AlarmTrigger = { offset: string; relatedStart?: boolean } | { at: number };

/** A DISPLAY alarm. */
export interface NewAlarm {
  description: string;
  trigger: AlarmTrigger;
}

export interface NewEvent {
  prodId: string;
  /** Writes CALSCALE:GREGORIAN (the default) outright. */
  calscale?: boolean;
  uid: string;
  /** DTSTAMP (epoch seconds). */
  stamp: number;
  /**
   * CREATED and LAST-MODIFIED at this instant and SEQUENCE:0, for an event someone makes; an event
   * the server generates again and again leaves them out, so that it comes out the same each time.
   */
  created?: number;
  start: EventTime;
  end?: EventTime;
  /** Left out when empty, as are description and location. */
  summary?: string;
  description?: string | null;
  location?: string | null;
  organizer?: { email: string; name: string | null } | null;
  /** Invited addresses (mailto), each asked to answer. */
  attendees?: string[];
  /** An RRULE value (FREQ=WEEKLY;COUNT=3). */
  rrule?: string | null;
  /** TRANSP:TRANSPARENT: the event takes no time in free-busy. */
  transparent?: boolean;
  alarms?: NewAlarm[];
  /**
   * Further properties with TEXT values (escaped here), written after TRANSP: X-properties that
   * carry what the standard ones cannot (the birthday calendar's year of birth).
   */
  properties?: { name: string; value: string }[];
}

function compact(date: string): string {
  return date.replace(/-/g, '');
}

/** A parameter value, quoted where it holds a character that ends one (RFC 5545 §3.1). */
function paramValue(v: string): string {
  return /[:;,]/.test(v) ? `"${v.replace(/"/g, "'")}"` : v;
}

function timeLine(name: string, t: EventTime): string {
  if ('utc' in t) return `${name}:${formatUtc(t.utc)}`;
  if (!('time' in t)) return `${name};VALUE=DATE:${compact(t.date)}`;
  const local = `${compact(t.date)}T${t.time.replace(/:/g, '')}00`;
  return t.tzid === 'UTC' ? `${name}:${local}Z` : `${name};TZID=${paramValue(t.tzid)}:${local}`;
}

/** The lines of a DISPLAY alarm (also what the events API adds to a stored event). */
export function alarmLines(a: NewAlarm): string[] {
  const t = a.trigger;
  const trigger = 'at' in t ? `TRIGGER;VALUE=DATE-TIME:${formatUtc(t.at)}` : `TRIGGER${t.relatedStart ? ';RELATED=START' : ''}:${t.offset}`;
  return ['BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(a.description)}`, trigger, 'END:VALARM'];
}

/** An invitation of one address (also what the events API adds to a stored event). */
export function attendeeLine(email: string): string {
  return `ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${email}`;
}

/** The text of a new VCALENDAR object holding one VEVENT. */
export function buildEvent(e: NewEvent): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${e.prodId}`];
  if (e.calscale) lines.push('CALSCALE:GREGORIAN');
  lines.push('BEGIN:VEVENT', `UID:${escapeText(e.uid)}`, `DTSTAMP:${formatUtc(e.stamp)}`);
  if (e.created !== undefined) lines.push(`CREATED:${formatUtc(e.created)}`, `LAST-MODIFIED:${formatUtc(e.created)}`, 'SEQUENCE:0');
  lines.push(timeLine('DTSTART', e.start));
  if (e.end) lines.push(timeLine('DTEND', e.end));
  if (e.summary) lines.push(`SUMMARY:${escapeText(e.summary)}`);
  if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
  if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
  if (e.organizer) {
    const cn = e.organizer.name ? `;CN="${e.organizer.name.replace(/"/g, "'")}"` : '';
    lines.push(`ORGANIZER${cn}:mailto:${e.organizer.email}`);
  }
  for (const a of e.attendees ?? []) lines.push(attendeeLine(a));
  if (e.rrule) lines.push(`RRULE:${e.rrule}`);
  if (e.transparent) lines.push('TRANSP:TRANSPARENT');
  for (const p of e.properties ?? []) lines.push(`${p.name}:${escapeText(p.value)}`);
  for (const a of e.alarms ?? []) lines.push(...alarmLines(a));
  lines.push('END:VEVENT', 'END:VCALENDAR');
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
