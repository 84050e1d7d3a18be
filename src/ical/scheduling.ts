// iCalendar edits that scheduling makes (RFC 6638): who organizes and who attends, a participant's
// PARTSTAT, SCHEDULE-STATUS on the organizer's copy, and cancelling an attendee's copy.
import ICAL from 'ical.js';
import { mailtoAddress } from './eventFields.ts';
import { parseCalendarText } from './parse.ts';

export interface Participant {
  email: string;
  partstat: string;
  /** SCHEDULE-AGENT: SERVER (default), CLIENT or NONE; only SERVER is ours to deliver. */
  agent: string;
  /** SCHEDULE-STATUS on the organizer's copy, if any. */
  scheduleStatus: string | null;
  /** SCHEDULE-FORCE-SEND (RFC 6638 §7.2): the client asks for a message though none would go. */
  forceSend: string | null;
}

/** Who organizes and who attends an object (null for text that does not parse). */
export interface Participants {
  organizer: string | null;
  /** SCHEDULE-AGENT of the ORGANIZER (SERVER by default): CLIENT means the attendee's client answers by itself. */
  organizerAgent: string;
  attendees: Participant[];
  /** The event as a whole is cancelled: STATUS:CANCELLED on the master (or on every component when there is none). */
  cancelled: boolean;
}

function components(root: ICAL.Component): ICAL.Component[] {
  return root.getAllSubcomponents().filter((c) => c.name === 'vevent' || c.name === 'vtodo');
}

/** A VCALENDAR as text with CRLF line ends and a final CRLF (RFC 5545 §3.1). */
export function serializeCalendar(root: ICAL.Component): string {
  return root.toString().replace(/\r?\n/g, '\r\n').replace(/(\r\n)?$/, '\r\n');
}

export function organizerOf(root: ICAL.Component): string | null {
  for (const c of components(root)) {
    const o = mailtoAddress(c.getFirstPropertyValue('organizer'));
    if (o) return o;
  }
  return null;
}

export function attendeesOf(root: ICAL.Component): Participant[] {
  const out = new Map<string, Participant>();
  for (const c of components(root)) {
    for (const p of c.getAllProperties('attendee')) {
      const email = mailtoAddress(p.getFirstValue());
      if (!email || out.has(email)) continue;
      const status = p.getParameter('schedule-status');
      out.set(email, {
        email,
        partstat: String(p.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase(),
        agent: String(p.getParameter('schedule-agent') ?? 'SERVER').toUpperCase(),
        scheduleStatus: status === undefined || status === null ? null : String(status),
        forceSend: p.getParameter('schedule-force-send') ? String(p.getParameter('schedule-force-send')).toUpperCase() : null,
      });
    }
  }
  return [...out.values()];
}

function eachAttendee(root: ICAL.Component, email: string, fn: (p: ICAL.Property) => void): void {
  for (const c of components(root)) {
    for (const p of c.getAllProperties('attendee')) if (mailtoAddress(p.getFirstValue()) === email) fn(p);
  }
}

/** The text with one participant's PARTSTAT set (in every component). */
export function withPartstat(text: string, email: string, partstat: string): string {
  const root = parseCalendarText(text);
  eachAttendee(root, email, (p) => p.setParameter('partstat', partstat));
  return serializeCalendar(root);
}

/** The participant's PARTSTAT in an object, if they are in it. */
export function partstatOf(text: string, email: string): string | null {
  return attendeesOf(parseCalendarText(text)).find((a) => a.email === email)?.partstat ?? null;
}

/** The SCHEDULE-STATUS an attendee has in an object, if any. */
export function scheduleStatusOf(root: ICAL.Component, email: string): string | null {
  let status: string | null = null;
  eachAttendee(root, email, (p) => {
    const v = p.getParameter('schedule-status');
    if (v !== undefined && v !== null) status = String(v);
  });
  return status;
}

/**
 * The organizer's copy with SCHEDULE-STATUS set for the given attendees (RFC 6638 §3.2.9), and
 * without SCHEDULE-FORCE-SEND: a request to send once, acted on now, not at every later save.
 */
export function withScheduleStatus(text: string, statuses: Map<string, string>): string {
  const root = parseCalendarText(text);
  for (const c of components(root)) for (const p of c.getAllProperties('attendee')) p.removeParameter('schedule-force-send');
  for (const [email, status] of statuses) eachAttendee(root, email, (p) => p.setParameter('schedule-status', status));
  return serializeCalendar(root);
}

/** What attendees receive: without SCHEDULE-STATUS and SCHEDULE-FORCE-SEND (the organizer's bookkeeping). */
export function withoutScheduleStatus(text: string): string {
  const root = parseCalendarText(text);
  let changed = false;
  for (const c of components(root)) {
    for (const p of c.getAllProperties('attendee')) {
      for (const name of ['schedule-status', 'schedule-force-send']) {
        if (p.getParameter(name) !== undefined) {
          p.removeParameter(name);
          changed = true;
        }
      }
    }
  }
  return changed ? serializeCalendar(root) : text;
}

/** An attendee's copy of an event they were dropped from. */
export function cancelled(text: string): string {
  const root = parseCalendarText(text);
  for (const c of components(root)) {
    c.removeAllProperties('status');
    c.addPropertyWithValue('status', 'CANCELLED');
  }
  return serializeCalendar(root);
}

export function participantsOf(text: string): Participants | null {
  let root: ICAL.Component;
  try {
    root = parseCalendarText(text);
  } catch {
    return null;
  }
  const comps = components(root);
  const organizerLine = comps.map((c) => c.getFirstProperty('organizer')).find((p) => p !== null && mailtoAddress(p.getFirstValue()) !== null);
  const agent = organizerLine?.getParameter('schedule-agent');
  const masters = comps.filter((c) => !c.hasProperty('recurrence-id'));
  const judged = masters.length ? masters : comps;
  const cancelled = judged.length > 0 && judged.every((c) => String(c.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED');
  return { organizer: organizerOf(root), organizerAgent: String(agent ?? 'SERVER').toUpperCase(), attendees: attendeesOf(root), cancelled };
}

/** The edits scheduling makes to stored text. */
export type SchedulingEdit =
  | { kind: 'without-schedule-status' }
  | { kind: 'partstat'; email: string; partstat: string }
  | { kind: 'schedule-status'; statuses: [string, string][] }
  | { kind: 'cancelled' };

export function editForScheduling(text: string, edit: SchedulingEdit): string {
  switch (edit.kind) {
    case 'without-schedule-status':
      return withoutScheduleStatus(text);
    case 'partstat':
      return withPartstat(text, edit.email, edit.partstat);
    case 'schedule-status':
      return withScheduleStatus(text, new Map(edit.statuses));
    case 'cancelled':
      return cancelled(text);
  }
}
