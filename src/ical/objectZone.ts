// A VTIMEZONE read as RFC 5545 §3.6.5 defines it. ical.js 2.2.1 leaves three gaps that real data
// falls into, since clients (iCalcreator, Thunderbird, Google) send VTIMEZONEs cut down to a few
// recent transitions:
//  - before the first onset it answers +0000, where TZOFFSETFROM is "the offset in use prior to
//    this time zone observance" (§3.8.3.3): a meeting in 2017 under a VTIMEZONE starting in 2018
//    was read as UTC;
//  - an observance with RDATEs and no RRULE loses its DTSTART, the first onset (§3.6.5);
//  - of an RDATE list it reads the first value only;
//  - a local time in a spring-forward gap, or in the hour repeated in autumn, is read with the
//    offset after the change, where §3.3.5 asks for the one before.
// ZoneFromObject fills the change list ical.js builds with what it misses, once per expansion of
// that list (ical.js extends it as later years are asked for), so every conversion of a time in
// the zone (index bounds, queries, expand, free-busy, the web views) reads the same offsets.
import ICAL from 'ical.js';

/** One transition as ical.js keeps it: its instant written as UTC wall clock, and the offsets around it. */
interface Change {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  utcOffset: number;
  prevUtcOffset: number;
  is_daylight: boolean;
}

/** Earlier than any year a time can have (years 1 to 9999 are stored). */
const BEFORE_ALL_YEAR = -1_000_000;

function seconds(offset: unknown): number | null {
  return offset instanceof ICAL.UtcOffset ? offset.factor * (offset.hours * 3600 + offset.minutes * 60) : null;
}

function compare(a: Change, b: Change): number {
  return a.year - b.year || a.month - b.month || a.day - b.day || a.hour - b.hour || a.minute - b.minute || a.second - b.second;
}

function same(a: Change, b: Change): boolean {
  return compare(a, b) === 0 && a.utcOffset === b.utcOffset && a.prevUtcOffset === b.prevUtcOffset && a.is_daylight === b.is_daylight;
}

/** A local onset (or a UTC one) as the change ical.js would record for it. */
function changeAt(t: ICAL.Time, timeOf: ICAL.Time, to: number, from: number, daylight: boolean): Change {
  const at = ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: timeOf.hour, minute: timeOf.minute, second: timeOf.second, isDate: false });
  if (t.isDate ? timeOf.zone !== ICAL.Timezone.utcTimezone : t.zone !== ICAL.Timezone.utcTimezone) at.adjust(0, 0, 0, -from);
  return { year: at.year, month: at.month, day: at.day, hour: at.hour, minute: at.minute, second: at.second, utcOffset: to, prevUtcOffset: from, is_daylight: daylight };
}

/** The onsets ical.js leaves out: DTSTART of an observance without RRULE, and every value of every RDATE. */
function missedOnsets(component: ICAL.Component): Change[] {
  const out: Change[] = [];
  for (const o of component.getAllSubcomponents()) {
    if (o.name !== 'standard' && o.name !== 'daylight') continue;
    const dtstart = o.getFirstPropertyValue('dtstart');
    const to = seconds(o.getFirstPropertyValue('tzoffsetto'));
    const from = seconds(o.getFirstPropertyValue('tzoffsetfrom'));
    if (!(dtstart instanceof ICAL.Time) || to === null || from === null) continue;
    const daylight = o.name === 'daylight';
    // With an RRULE, ical.js takes the onsets from the rule (Outlook's 1601 DTSTARTs are no onset).
    if (!o.hasProperty('rrule')) out.push(changeAt(dtstart, dtstart, to, from, daylight));
    for (const p of o.getAllProperties('rdate')) {
      for (const v of p.getValues() as unknown[]) {
        const t = v instanceof ICAL.Period ? v.start : v;
        if (t instanceof ICAL.Time) out.push(changeAt(t, t.isDate ? dtstart : t, to, from, daylight));
      }
    }
  }
  return out;
}

/** Date and time fields read as UTC, in epoch seconds (days from the civil calendar, valid for any year; Date.UTC takes 0 to 99 as 1900 to 1999). */
function fieldSeconds(t: { year: number; month: number; day: number; hour: number; minute: number; second: number }): number {
  const y = t.month <= 2 ? t.year - 1 : t.year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (t.month + (t.month > 2 ? -3 : 9)) + 2) / 5) + t.day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146097 + dayOfEra - 719468;
  return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

export class ZoneFromObject extends ICAL.Timezone {
  /** The length of the change list when it was last completed (ical.js only ever appends). */
  #completedLength = -1;
  /** The instant of each change, in the order of the list. */
  #instants: number[] = [];

  override _ensureCoverage(year: number): void {
    super._ensureCoverage(year);
    if (this.changes.length !== this.#completedLength) this.#complete();
  }

  /**
   * RFC 5545 §3.3.5 reads a local time that occurs twice (the hour repeated when daylight saving
   * time ends) as its first occurrence, and one in a spring-forward gap with the offset from before
   * the gap (02:30 in New York on 2025-03-09 is 07:30Z): as the IANA data gives them for a TZID
   * without a VTIMEZONE. ical.js takes the offset after the change for both.
   */
  override utcOffset(tt: ICAL.Time): number {
    const offset = super.utcOffset(tt);
    const local = fieldSeconds(tt);
    const i = this.#changeAt(local - offset);
    if (i < 0) return offset;
    const inForce = (this.changes[i] as Change).utcOffset;
    // In a gap: read with the offset after the change, the time falls before it.
    if (inForce !== offset) return Math.min(inForce, offset);
    // Repeated: the offset before the change also reads it, at an earlier instant.
    const before = i > 0 ? (this.changes[i - 1] as Change).utcOffset : offset;
    if (before > offset && this.#changeAt(local - before) === i - 1) return before;
    return offset;
  }

  /** The index of the last change at or before an instant, -1 if none. */
  #changeAt(at: number): number {
    let lo = 0;
    let hi = this.#instants.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#instants[mid]! <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  #complete(): void {
    const own = this.changes as Change[];
    const all = own.filter((c) => c.year !== BEFORE_ALL_YEAR);
    if (this.component) all.push(...missedOnsets(this.component));
    all.sort(compare);
    // ical.js appends the whole list again each time it extends it: keep each transition once.
    const changes: Change[] = [];
    for (const c of all) {
      let seen = false;
      // Equal instants sit together after the sort; only they need comparing.
      for (let i = changes.length - 1; i >= 0 && compare(changes[i]!, c) === 0 && !seen; i--) seen = same(changes[i]!, c);
      if (!seen) changes.push(c);
    }
    const first = changes[0];
    if (first) {
      const offset = first.prevUtcOffset;
      changes.unshift({ year: BEFORE_ALL_YEAR, month: 1, day: 1, hour: 0, minute: 0, second: 0, utcOffset: offset, prevUtcOffset: offset, is_daylight: false });
    }
    this.changes = changes;
    this.#instants = changes.map((c) => (c.year === BEFORE_ALL_YEAR ? -Infinity : fieldSeconds(c)));
    this.#completedLength = changes.length;
  }
}
