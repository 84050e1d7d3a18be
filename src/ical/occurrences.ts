// The occurrences of an object's events in a window, as the web UI's views list them: the
// server's own bounded expansion, cancelled instances left out. Pure; the pool runs it
// (src/compute/tasks.ts), never the request loop.
import { expandInstances, isRecurring } from './instances.ts';
import { masterIn } from './master.ts';
import { parseCalendarText } from './parse.ts';
import { isDateValue, TimeResolver, type FloatingZone } from './time.ts';
import { eventSpan, instanceTimes } from './timeRange.ts';

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

/** The instances of the object's events that overlap [start, end), within the expansion limits. */
export function occurrencesIn(
  text: string,
  range: { start: number; end: number },
  zone: FloatingZone,
  limits: { maxInstances: number; maxSteps: number },
): { items: Occurrence[]; capped: boolean } {
  const root = parseCalendarText(text);
  const master = masterIn(root, 'vevent');
  if (!master) return { items: [], capped: false };
  const r = new TimeResolver(zone);
  const recurring = isRecurring(master);
  const exp = expandInstances(root.getAllSubcomponents('vevent'), r, { from: range.start, until: range.end, maxInstances: limits.maxInstances, maxSteps: limits.maxSteps });
  const items: Occurrence[] = [];
  for (const inst of exp.instances) {
    const span = eventSpan(instanceTimes(inst, r));
    if (!span) continue;
    const inside = span.end > span.start ? span.end > range.start && span.start < range.end : span.start >= range.start && span.start < range.end;
    if (!inside) continue;
    const c = inst.component;
    if (String(c.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') continue;
    items.push({
      uid: String(c.getFirstPropertyValue('uid') ?? ''),
      summary: String(c.getFirstPropertyValue('summary') ?? ''),
      location: textOrNull(c.getFirstPropertyValue('location')),
      start: span.start,
      end: span.end,
      allDay: isDateValue(c, 'dtstart'),
      recurring,
      recurrenceId: inst.recurrenceId ? inst.recurrenceId.toICALString() : null,
    });
  }
  return { items, capped: exp.capped };
}

function textOrNull(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
