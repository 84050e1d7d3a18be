// What every change made by the web UI's forms writes on the component it changes: DTSTAMP and
// LAST-MODIFIED at the change, and SEQUENCE raised when the change is one attendees must see.
import type ICAL from 'ical.js';
import { utcTime } from './time.ts';

/** A change's timestamps; a change of the event's time or rule also raises SEQUENCE (RFC 5545 §3.8.7.4). */
export function stampChange(comp: ICAL.Component, now: number, bumpSequence: boolean): void {
  comp.updatePropertyWithValue('dtstamp', utcTime(now));
  comp.updatePropertyWithValue('last-modified', utcTime(now));
  if (!bumpSequence) return;
  const seq = Number(comp.getFirstPropertyValue('sequence') ?? 0);
  comp.updatePropertyWithValue('sequence', Number.isFinite(seq) ? seq + 1 : 1);
}
