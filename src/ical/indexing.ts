// The index columns derived from an object at write time: the first and last instant any
// time-range query could match, over the whole recurrence set. Queries narrow by these in SQL and
// then evaluate exactly, so the bounds must never be too narrow.
import ICAL from 'ical.js';
import { expandInstances, masterOf } from './instances.ts';
import type { ParsedObject } from './parse.ts';
import { instanceBounds } from './timeRange.ts';
import { MAX_INSTANT, MIN_INSTANT, TimeResolver } from './time.ts';

export interface TimeBounds {
  /** Epoch seconds, or null when no time-range can match the object. */
  first: number | null;
  last: number | null;
}

/** Floating times depend on the calendar's zone, which may change later: widen by ±14 hours. */
const FLOATING_SLACK = 14 * 3600;

/** A series with an RRULE that has neither COUNT nor UNTIL never ends. */
function isOpenEnded(master: ICAL.Component | undefined): boolean {
  if (!master) return false;
  return master.getAllProperties('rrule').some((p) => {
    const rule = p.getFirstValue();
    return rule instanceof ICAL.Recur && !rule.count && !rule.until;
  });
}

export function deriveTimeBounds(parsed: ParsedObject, maxInstances: number): TimeBounds {
  const r = new TimeResolver(undefined);
  // An open-ended series reaches MAX_INSTANT anyway: its first instance and overrides suffice.
  const openEnded = isOpenEnded(masterOf(parsed.components));
  const { instances, complete } = expandInstances(parsed.components, r, { maxInstances: openEnded ? 1 : maxInstances });
  let first = Infinity;
  let last = -Infinity;
  for (const inst of instances) {
    const b = instanceBounds(inst, r);
    if (!b) continue;
    first = Math.min(first, b[0]);
    last = Math.max(last, b[1]);
  }
  if (first === Infinity) return { first: null, last: null };
  if (!complete) last = MAX_INSTANT;
  if (r.sawFloating) {
    first = Math.max(MIN_INSTANT, first - FLOATING_SLACK);
    last = Math.min(MAX_INSTANT, last + FLOATING_SLACK);
  }
  return { first: clamp(first), last: clamp(last) };
}

function clamp(t: number): number {
  return Math.min(MAX_INSTANT, Math.max(MIN_INSTANT, Math.round(t)));
}
