// Free-busy time (RFC 4791 §7.10): the busy periods of the events in a range, as one VFREEBUSY.
import ICAL from 'ical.js';
import { escapeText, foldLine } from './export.ts';
import { expandInstances } from './instances.ts';
import { eventSpan, instanceTimes } from './timeRange.ts';
import { formatUtc, TimeResolver, type FloatingZone } from './time.ts';

export type BusyType = 'BUSY' | 'BUSY-TENTATIVE' | 'BUSY-UNAVAILABLE';

export interface BusyPeriod {
  start: number;
  end: number;
  type: BusyType;
}

/** The busy periods one object contributes within [start, end), clipped to the range. */
export function busyPeriods(
  root: ICAL.Component,
  range: { start: number; end: number },
  zone: FloatingZone,
  maxInstances: number,
  maxSteps?: number,
): BusyPeriod[] {
  const r = new TimeResolver(zone);
  const events = root.getAllSubcomponents('vevent');
  if (!events.length) return [];
  const { instances } = expandInstances(events, r, { from: range.start, until: range.end, maxInstances, maxSteps });
  const out: BusyPeriod[] = [];
  for (const inst of instances) {
    const c = inst.component;
    if (String(c.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') continue;
    const status = String(c.getFirstPropertyValue('status') ?? '').toUpperCase();
    if (status === 'CANCELLED') continue;
    const span = eventSpan(instanceTimes(inst, r));
    if (!span || span.end <= span.start) continue;
    const start = Math.max(span.start, range.start);
    const end = Math.min(span.end, range.end);
    if (end <= start) continue;
    out.push({ start, end, type: status === 'TENTATIVE' ? 'BUSY-TENTATIVE' : 'BUSY' });
  }
  return out;
}

/** Merges overlapping periods of the same type. */
export function mergePeriods(periods: BusyPeriod[]): BusyPeriod[] {
  const out: BusyPeriod[] = [];
  for (const type of ['BUSY', 'BUSY-TENTATIVE', 'BUSY-UNAVAILABLE'] as const) {
    const list = periods.filter((p) => p.type === type).sort((a, b) => a.start - b.start);
    let cur: BusyPeriod | undefined;
    for (const p of list) {
      if (cur && p.start <= cur.end) cur.end = Math.max(cur.end, p.end);
      else {
        cur = { ...p };
        out.push(cur);
      }
    }
  }
  return out;
}

/** A VCALENDAR with one VFREEBUSY for the range. */
export function freeBusyCalendar(
  periods: BusyPeriod[],
  range: { start: number; end: number },
  now: number,
  prodId: string,
  extra: string[] = [],
  method?: string,
): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${escapeText(prodId).replace(/\\,/g, ',')}`, 'CALSCALE:GREGORIAN'];
  if (method) lines.push(`METHOD:${method}`);
  lines.push('BEGIN:VFREEBUSY');
  lines.push(`DTSTAMP:${formatUtc(now)}`, `DTSTART:${formatUtc(range.start)}`, `DTEND:${formatUtc(range.end)}`, ...extra);
  for (const p of mergePeriods(periods)) {
    const type = p.type === 'BUSY' ? '' : `;FBTYPE=${p.type}`;
    lines.push(`FREEBUSY${type}:${formatUtc(p.start)}/${formatUtc(p.end)}`);
  }
  lines.push('END:VFREEBUSY', 'END:VCALENDAR');
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
