// The views convert thousands of wall-clock times per page: away from a zone's changes the
// offset comes from a binary search over the change list, and it must be what ical.js (with
// ZoneFromObject's corrections) answers.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { ZoneFromObject } from '../../src/ical/objectZone.ts';
import { offsetAwayFromChanges } from '../../src/ical/time.ts';
import { VTIMEZONES } from '../fixtures/ical.ts';
import { corpusIcsFiles } from '../helpers/corpus/load.ts';



/** Every readable VTIMEZONE of the corpus and of the fixtures, as ZoneFromObject zones. */
function zones(): ZoneFromObject[] {
  const texts = [...corpusIcsFiles().map((f) => readFileSync(f, 'utf8')), ...Object.values(VTIMEZONES).map((z) => `BEGIN:VCALENDAR\r\n${z.lines.join('\r\n')}\r\nEND:VCALENDAR\r\n`)];
  const out: ZoneFromObject[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    try {
      const root = new ICAL.Component(ICAL.parse(text) as ConstructorParameters<typeof ICAL.Component>[0]);
      for (const vtz of root.getAllSubcomponents('vtimezone')) {
        const tzid = vtz.getFirstPropertyValue('tzid');
        const key = vtz.toString();
        if (seen.has(key)) continue;
        seen.add(key);
        if (typeof tzid === 'string') out.push(new ZoneFromObject({ component: vtz, tzid }));
      }
    } catch {
      // Not readable as a whole: not a zone the server stores.
    }
  }
  return out;
}

describe('offsets away from a zone’s changes', () => {
  it('equal what ical.js answers, for every zone of the corpus, at 2,400 wall clocks from 1970 to 2040 (eleven days and some hours apart)', () => {
    const all = zones();
    expect(all.length).toBeGreaterThan(20);
    let fast = 0;
    let slow = 0;
    for (const zone of all) {
      for (let wall = Date.UTC(1970, 0, 1) / 1000; wall < Date.UTC(2040, 0, 1) / 1000; wall += 11 * 86400 + 7 * 3600 + 17 * 60) {
        const d = new Date(wall * 1000);
        const fields = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: 0, isDate: false };
        const got = offsetAwayFromChanges(new ICAL.Time(fields, zone));
        if (got === null) {
          slow++;
          continue;
        }
        fast++;
        // A fresh time: ical.js caches its answer on the time (+ 0: ical.js may say −0, the same offset).
        expect(got, `${zone.tzid} ${d.toISOString()}`).toBe(zone.utcOffset(new ICAL.Time(fields, zone)) + 0);
      }
    }
    // Most wall clocks are far from a change.
    expect(fast).toBeGreaterThan(slow * 5);
  });

  it('leaves the days around a change to ical.js', () => {
    const zone = zones().find((z) => z.tzid === 'Europe/Berlin') as ZoneFromObject;
    expect(zone).toBeDefined();
    const at = (d: number, h: number) => new ICAL.Time({ year: 2026, month: 3, day: d, hour: h, minute: 30, second: 0, isDate: false }, zone);
    // The clocks go forward on 29 March 2026 at 02:00.
    expect(offsetAwayFromChanges(at(29, 2))).toBeNull();
    expect(offsetAwayFromChanges(at(28, 12))).toBeNull();
    expect(offsetAwayFromChanges(at(20, 12))).toBe(3600);
    expect(offsetAwayFromChanges(at(31, 12))).toBe(7200);
  });
});
