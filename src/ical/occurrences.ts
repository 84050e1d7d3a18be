// The occurrences of an object's events in a window, as the web UI's views list them: the
// server's own bounded expansion, cancelled instances left out. Pure; the pool runs it
// (src/compute/tasks.ts), never the request loop.
import type ICAL from 'ical.js';
import { expandInstances, isRecurring, recurrenceIdText, type Instance } from './instances.ts';
import { masterIn } from './master.ts';
import { parseStoredCalendarText } from './parse.ts';
import { isDateValue, TimeResolver, type FloatingZone } from './time.ts';
import { eventSpan, instanceTimes, type InstanceTimes } from './timeRange.ts';

export interface Occurrence {
  uid: string;
  summary: string;
  location: string | null;
  /** Epoch seconds; all-day ones at midnight of the zone they were read in. */
  start: number;
  end: number;
  allDay: boolean;
  recurring: boolean;
  /**
   * Which instance of a series this is: its RECURRENCE-ID (the rule's original start) as iCalendar
   * writes the value, in the master's DTSTART form (`20261208T090000Z`, `20261208T090000` with
   * the master's TZID, or `20261208`); null for an event that does not repeat. The web face's links
   * to one occurrence carry it (`?occurrence=`).
   */
  recurrenceId: string | null;
}

/** What an occurrence takes from its component, read once per component (a series has many instances, one master). */
interface Fields {
  uid: string;
  summary: string;
  location: string | null;
  allDay: boolean;
  cancelled: boolean;
  /** The component's own times (instance shift 0); an instance adds its shift. */
  times: InstanceTimes;
}

/**
 * The instances of the object's events that overlap [start, end), within the expansion limits.
 * The stored text's VTIMEZONEs are not parsed again for every view: their zones come from the
 * cache keyed by each block's text (parseStoredCalendarText).
 */
export function occurrencesIn(
  text: string,
  range: { start: number; end: number },
  zone: FloatingZone,
  limits: { maxInstances: number; maxSteps: number },
): { items: Occurrence[]; capped: boolean } {
  return occurrencesOf(parseStoredCalendarText(text), range, zone, limits);
}

/** occurrencesIn on a parsed VCALENDAR. */
export function occurrencesOf(
  root: ICAL.Component,
  range: { start: number; end: number },
  zone: FloatingZone,
  limits: { maxInstances: number; maxSteps: number },
): { items: Occurrence[]; capped: boolean } {
  const master = masterIn(root, 'vevent');
  if (!master) return { items: [], capped: false };
  const r = new TimeResolver(zone);
  const recurring = isRecurring(master);
  const exp = expandInstances(root.getAllSubcomponents('vevent'), r, { from: range.start, until: range.end, maxInstances: limits.maxInstances, maxSteps: limits.maxSteps });
  // Each instance of a series would read the master's properties and convert its times again
  // (a conversion in a VTIMEZONE costs more than the rest of the instance): once per component.
  const read = new Map<ICAL.Component, Fields>();
  const fieldsOf = (inst: Instance): Fields => {
    let f = read.get(inst.component);
    if (!f) {
      const c = inst.component;
      f = {
        uid: String(c.getFirstPropertyValue('uid') ?? ''),
        summary: String(c.getFirstPropertyValue('summary') ?? ''),
        location: textOrNull(c.getFirstPropertyValue('location')),
        allDay: isDateValue(c, 'dtstart'),
        cancelled: String(c.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED',
        times: instanceTimes({ component: c, shift: 0, start: null, recurrenceId: null, isOverride: false }, r),
      };
      read.set(c, f);
    }
    return f;
  };
  const items: Occurrence[] = [];
  for (const inst of exp.instances) {
    const f = fieldsOf(inst);
    if (f.cancelled) continue;
    // An RDATE period's end is the instance's own: read as instanceTimes reads it.
    const span = eventSpan(inst.end === undefined ? shifted(f.times, inst.shift) : instanceTimes(inst, r));
    if (!span) continue;
    const inside = span.end > span.start ? span.end > range.start && span.start < range.end : span.start >= range.start && span.start < range.end;
    if (!inside) continue;
    items.push({
      uid: f.uid,
      summary: f.summary,
      location: f.location,
      start: span.start,
      end: span.end,
      allDay: f.allDay,
      recurring,
      recurrenceId: recurrenceIdText(inst),
    });
  }
  return { items, capped: exp.capped };
}

/** A component's times moved by an instance's shift, as instanceTimes gives them (COMPLETED and CREATED stay). */
export function shifted(t: InstanceTimes, shift: number): InstanceTimes {
  if (shift === 0) return t;
  const add = (v: number | null) => (v === null ? null : v + shift);
  return { ...t, dtstart: add(t.dtstart), dtend: add(t.dtend), due: add(t.due) };
}

function textOrNull(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
