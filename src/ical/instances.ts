// The instances of a calendar object: the master's recurrence set (RRULE, RDATE, EXDATE, expanded
// by ical.js) with overridden instances (RECURRENCE-ID components) put in their place.
import ICAL from 'ical.js';
import { propertyEpoch, TimeResolver, tzidOf } from './time.ts';

export interface Instance {
  component: ICAL.Component;
  /** Seconds added to the component's DTSTART, DTEND and DUE for this instance. */
  shift: number;
  /** The instance's start, or null when the component has no DTSTART. */
  start: number | null;
  /** The RECURRENCE-ID of the instance (the original start), null for non-recurring objects. */
  recurrenceId: ICAL.Time | null;
  /** True for an instance that comes from a RECURRENCE-ID component. */
  isOverride: boolean;
}

export interface Expansion {
  instances: Instance[];
  /** False when the recurrence set goes on beyond what was expanded (open-ended, cut or capped). */
  complete: boolean;
  /** True when a limit (not `until`) stopped the expansion: the answer may be missing instances. */
  capped: boolean;
}

export interface ExpandOptions {
  /** Instances starting at or after this instant are not needed (the series is cut there). */
  until?: number;
  /** Instances that end before this instant are not needed. */
  from?: number;
  /** Most instances returned. */
  maxInstances: number;
  /** Most recurrence steps taken (guards against rules like FREQ=SECONDLY since 1970). */
  maxIterations?: number;
}

export function masterOf(components: ICAL.Component[]): ICAL.Component | undefined {
  return components.find((c) => !c.hasProperty('recurrence-id'));
}

export function isRecurring(comp: ICAL.Component): boolean {
  return comp.hasProperty('rrule') || comp.hasProperty('rdate');
}

/** How far after its DTSTART an instance can still matter (end, due), in seconds. */
function spanOf(comp: ICAL.Component, r: TimeResolver): number {
  const start = propertyEpoch(comp, 'dtstart', r);
  if (start === null) return 0;
  let span = 86400; // all-day events and slack for nominal durations
  for (const name of ['dtend', 'due']) {
    const t = propertyEpoch(comp, name, r);
    if (t !== null) span = Math.max(span, t - start);
  }
  const d = comp.getFirstPropertyValue('duration');
  if (d instanceof ICAL.Duration) span = Math.max(span, d.toSeconds());
  return span;
}

export function expandInstances(components: ICAL.Component[], r: TimeResolver, opts: ExpandOptions): Expansion {
  const master = masterOf(components);
  const overrides = new Map<number, ICAL.Component>();
  for (const c of components) {
    if (c === master) continue;
    const rid = c.getFirstPropertyValue('recurrence-id');
    if (rid instanceof ICAL.Time) overrides.set(r.epoch(rid, tzidOf(c, 'recurrence-id')), c);
  }
  const instances: Instance[] = [];
  const used = new Set<number>();
  let complete = true;
  let capped = false;
  const wanted = (start: number | null, span: number) =>
    start === null || opts.from === undefined || start + span >= opts.from;

  if (master) {
    const dtstart = master.getFirstPropertyValue('dtstart');
    const masterStart = propertyEpoch(master, 'dtstart', r);
    if (!isRecurring(master) || !(dtstart instanceof ICAL.Time) || masterStart === null) {
      instances.push({ component: master, shift: 0, start: masterStart, recurrenceId: null, isOverride: false });
    } else {
      const tzid = tzidOf(master, 'dtstart');
      const span = spanOf(master, r);
      const maxIterations = opts.maxIterations ?? Math.max(100_000, opts.maxInstances * 20);
      const expansion = new ICAL.RecurExpansion({ component: master, dtstart });
      let steps = 0;
      for (;;) {
        const t = expansion.next();
        if (!t) break;
        if (++steps > maxIterations || instances.length >= opts.maxInstances) {
          complete = false;
          capped = true;
          break;
        }
        const start = r.epoch(t, tzid);
        if (opts.until !== undefined && start >= opts.until) {
          complete = false;
          break;
        }
        const override = overrides.get(start);
        if (override) {
          used.add(start);
          const oStart = propertyEpoch(override, 'dtstart', r);
          if (wanted(oStart, spanOf(override, r))) {
            instances.push({ component: override, shift: 0, start: oStart, recurrenceId: t, isOverride: true });
          }
        } else if (wanted(start, span)) {
          instances.push({ component: master, shift: start - masterStart, start, recurrenceId: t, isOverride: false });
        }
      }
      if (!expansion.complete && complete) complete = false;
    }
  }
  // Overrides the rule did not produce (moved in from beyond the cut, or orphans) still count.
  for (const [rid, c] of overrides) {
    if (used.has(rid)) continue;
    const start = propertyEpoch(c, 'dtstart', r);
    if (!wanted(start, spanOf(c, r))) continue;
    if (opts.until !== undefined && start !== null && start >= opts.until) continue;
    const ridTime = c.getFirstPropertyValue('recurrence-id');
    instances.push({
      component: c,
      shift: 0,
      start,
      recurrenceId: ridTime instanceof ICAL.Time ? ridTime : null,
      isOverride: true,
    });
  }
  instances.sort((a, b) => (a.start ?? -Infinity) - (b.start ?? -Infinity));
  return { instances, complete, capped };
}
