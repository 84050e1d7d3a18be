// The fields the events API filters and sorts on, read from an object's master component.
import { masterOf } from './instances.ts';
import type { ParsedObject } from './parse.ts';
import { instanceTimes, eventSpan } from './timeRange.ts';
import { TimeResolver } from './time.ts';

export interface EventFields {
  dtstart: number | null;
  dtend: number | null;
  summary: string | null;
  description: string | null;
  organizer: string | null;
  attendees: string[];
}

/** The address in a mailto: calendar user value, lower-cased; null for anything else. */
export function mailtoAddress(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^mailto:(.+)$/i.exec(value.trim());
  return m ? (m[1] as string).trim().toLowerCase() : null;
}

/**
 * The longest address kept in the organizer and attendee columns (RFC 5321 allows 320 octets);
 * longer values are no deliverable address, and index entries must stay small.
 */
export const MAX_ADDRESS_LENGTH = 320;

function address(value: unknown): string | null {
  const a = mailtoAddress(value);
  return a && a.length <= MAX_ADDRESS_LENGTH ? a : null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function deriveEventFields(parsed: ParsedObject): EventFields {
  const master = masterOf(parsed.components) ?? parsed.components[0];
  if (!master) return { dtstart: null, dtend: null, summary: null, description: null, organizer: null, attendees: [] };
  const r = new TimeResolver(undefined);
  const times = instanceTimes({ component: master, shift: 0, start: null, recurrenceId: null, isOverride: false }, r);
  const span = eventSpan(times);
  const attendees = new Set<string>();
  for (const c of parsed.components) {
    for (const p of c.getAllProperties('attendee')) {
      const a = address(p.getFirstValue());
      if (a) attendees.add(a);
    }
  }
  return {
    dtstart: span?.start ?? times.dtstart,
    dtend: span?.end ?? times.due ?? times.dtstart,
    summary: text(master.getFirstPropertyValue('summary')),
    description: text(master.getFirstPropertyValue('description')),
    organizer: address(master.getFirstPropertyValue('organizer')),
    attendees: [...attendees],
  };
}

