// The index columns derived from an object at write time: the first and last instant any
// time-range query could match, over the whole recurrence set. Queries narrow by these in SQL and
// then evaluate exactly, so the bounds must never be too narrow.
import ICAL from 'ical.js';
import { expandInstances, masterOf, type Expansion } from './instances.ts';
import type { ParsedObject } from './parse.ts';
import { eventSpan, instanceBounds, instanceTimes } from './timeRange.ts';
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

/** Why an object's recurrence cannot be indexed (and so is not stored). */
export interface IndexProblem {
  kind: 'max-instances' | 'steps' | 'unevaluable';
  message: string;
}

export interface IndexOptions {
  maxInstances: number;
  maxSpans: number;
  /** Open-ended series are listed up to here (epoch seconds). */
  horizon: number;
  maxSteps?: number;
}

function problemOf(e: Expansion, maxSteps: number | undefined): IndexProblem | undefined {
  if (e.capReason === 'steps' && e.instances.length === 0) {
    return {
      kind: 'steps',
      message: `the recurrence rule selects no date in its first ${maxSteps ?? e.steps} steps: a date that does not exist (30 February) or parts that exclude each other`,
    };
  }
  if (e.capReason === 'steps') {
    return {
      kind: 'steps',
      message: `the recurrence rule needs more than ${maxSteps ?? e.steps} steps to list its instances; use a coarser FREQ`,
    };
  }
  if (e.capReason === 'unevaluable') return { kind: 'unevaluable', message: 'the recurrence rule cannot be evaluated' };
  return undefined;
}

/** A COUNT above the limit is refused outright (RFC 4791 CALDAV:max-instances), before any expansion. */
function countProblem(parsed: ParsedObject, maxInstances: number): IndexProblem | undefined {
  for (const c of parsed.components) {
    for (const p of c.getAllProperties('rrule')) {
      const rule = p.getFirstValue();
      if (rule instanceof ICAL.Recur && rule.count && rule.count > maxInstances) {
        return { kind: 'max-instances', message: `the recurrence has ${rule.count} instances; at most ${maxInstances} are allowed` };
      }
    }
  }
  return undefined;
}

export function deriveTimeBounds(parsed: ParsedObject, maxInstances: number, maxSteps?: number): TimeBounds & { problem?: IndexProblem } {
  const r = new TimeResolver(undefined);
  // An open-ended series reaches MAX_INSTANT anyway: its first instance and overrides suffice.
  const openEnded = isOpenEnded(masterOf(parsed.components));
  const expansion = expandInstances(parsed.components, r, { maxInstances: openEnded ? 1 : maxInstances, maxSteps });
  const problem = problemOf(expansion, maxSteps);
  if (problem) return { first: null, last: null, problem };
  const { instances, complete } = expansion;
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

/**
 * The exact spans of a VEVENT's instances, in epoch seconds, for answering time-range queries in
 * SQL without parsing. `window` is where the list is complete: an instance that overlaps a range
 * inside it is in the list. Null when the spans depend on the calendar's zone (floating times,
 * all-day dates) or there are too many to list.
 */
export interface InstanceSpans {
  /** [start, end) per instance; end === start for zero-length instances. */
  spans: [number, number][];
  /** [from, until), null = open. */
  window: [number | null, number | null];
}

export function deriveInstanceSpans(parsed: ParsedObject, opts: { maxSpans: number; horizon: number; maxSteps?: number }): InstanceSpans | null {
  return instanceSpans(parsed, opts).spans;
}

function instanceSpans(
  parsed: ParsedObject,
  opts: { maxSpans: number; horizon: number; maxSteps?: number },
): { spans: InstanceSpans | null; problem?: IndexProblem } {
  if (parsed.componentType !== 'VEVENT') return { spans: null };
  const r = new TimeResolver(undefined);
  // Open-ended (or very long) series are listed up to the horizon; queries beyond it parse.
  const expansion = expandInstances(parsed.components, r, { until: opts.horizon, maxInstances: opts.maxSpans, maxSteps: opts.maxSteps });
  const problem = problemOf(expansion, opts.maxSteps);
  if (problem) return { spans: null, problem };
  const { instances, complete, capped } = expansion;
  if (capped) return { spans: null };
  const spans: [number, number][] = [];
  for (const inst of instances) {
    const span = eventSpan(instanceTimes(inst, r));
    if (span) spans.push([Math.round(span.start), Math.round(span.end)]);
  }
  if (r.sawFloating) return { spans: null };
  return { spans: { spans, window: [null, complete ? null : opts.horizon] } };
}

/**
 * PostgreSQL literals for the spans (int8multirange) and their window (int8range). Objects
 * without spans get an empty window: no query is answered from them, and they are not indexed again.
 */
export function spansLiterals(s: InstanceSpans | null): [string | null, string] {
  if (!s) return [null, 'empty'];
  // A zero-length instance is the single second it starts in: [t, t] (discrete ranges make it [t, t+1)).
  const ranges = s.spans.map(([a, b]) => (b > a ? `[${a},${b})` : `[${a},${a}]`));
  const [from, until] = s.window;
  return [`{${ranges.join(',')}}`, `[${from ?? ''},${until ?? ''})`];
}

/**
 * Bounds and spans together. A VEVENT whose spans are complete gets its bounds from them, so the
 * common event is expanded once per write, not twice.
 */
export function deriveIndex(parsed: ParsedObject, opts: IndexOptions): { bounds: TimeBounds; spans: InstanceSpans | null; problem?: IndexProblem } {
  const index = indexOf(parsed, opts);
  if (index.problem || allFinite(index.bounds, index.spans)) return index;
  // The last line of defence: a value no code path reads right must be refused, never written as NaN.
  return { bounds: { first: null, last: null }, spans: null, problem: { kind: 'unevaluable', message: 'a date or time of the object cannot be read as an instant' } };
}

function allFinite(bounds: TimeBounds, spans: InstanceSpans | null): boolean {
  const ok = (t: number | null) => t === null || Number.isFinite(t);
  if (!ok(bounds.first) || !ok(bounds.last)) return false;
  if (!spans) return true;
  return spans.window.every(ok) && spans.spans.every(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
}

function indexOf(parsed: ParsedObject, opts: IndexOptions): { bounds: TimeBounds; spans: InstanceSpans | null; problem?: IndexProblem } {
  const none = { first: null, last: null };
  const counted = countProblem(parsed, opts.maxInstances);
  if (counted) return { bounds: none, spans: null, problem: counted };
  const { spans, problem } = instanceSpans(parsed, opts);
  if (problem) return { bounds: none, spans: null, problem };
  if (!spans || spans.window[1] !== null) {
    const { problem: boundsProblem, ...bounds } = deriveTimeBounds(parsed, opts.maxInstances, opts.maxSteps);
    return boundsProblem ? { bounds: none, spans: null, problem: boundsProblem } : { bounds, spans };
  }
  if (!spans.spans.length) return { bounds: { first: null, last: null }, spans };
  let first = Infinity;
  let last = -Infinity;
  for (const [a, b] of spans.spans) {
    first = Math.min(first, a);
    last = Math.max(last, b);
  }
  return { bounds: { first: clamp(first), last: clamp(last) }, spans };
}
