// A VTIMEZONE read by ZoneFromObject gives the offsets the VTIMEZONE defines: the same as the IANA
// data wherever both say the same, and TZOFFSETFROM of the first onset before it (RFC 5545 §3.8.3.3).
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { ZoneFromObject } from '../../src/ical/objectZone.ts';
import { wallClockToEpoch } from '../../src/ical/time.ts';
import { VTIMEZONES, crlf } from '../fixtures/ical.ts';

const zoneOf = (lines: string[]) => {
  const vtz = new ICAL.Component(ICAL.parse(crlf(lines)) as never);
  return new ZoneFromObject({ component: vtz, tzid: String(vtz.getFirstPropertyValue('tzid')) });
};
const epochIn = (zone: ICAL.Timezone, y: number, mo: number, d: number, h: number, mi: number) =>
  ICAL.Time.fromData({ year: y, month: mo, day: d, hour: h, minute: mi, second: 0, isDate: false }, zone).toUnixTime();

describe('ZoneFromObject', () => {
  it('reads full VTIMEZONEs as the IANA data does, the hours around every DST change from 2008 to 2040 included', () => {
    // Every zone here changes on a Sunday night of March, April, October or November: those
    // nights every 20 minutes (gaps and repeated hours, RFC 5545 §3.3.5), and a sweep of the rest.
    const walls: number[][] = [];
    for (let year = 2008; year < 2040; year++) {
      for (const month of [3, 4, 10, 11]) {
        for (let day = 1; day <= 31; day++) {
          const date = new Date(Date.UTC(year, month - 1, day));
          if (date.getUTCMonth() !== month - 1 || date.getUTCDay() !== 0) continue;
          for (let minutes = 0; minutes < 240; minutes += 20) walls.push([year, month, day, Math.floor(minutes / 60), minutes % 60]);
        }
      }
    }
    for (let t = Date.UTC(2008, 0, 1); t < Date.UTC(2040, 0, 1); t += (3 * 24 * 60 + 7 * 60 + 59) * 60_000) {
      const w = new Date(t);
      walls.push([w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes()]);
    }
    for (const name of ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata']) {
      const { iana, lines } = VTIMEZONES[name]!;
      const zone = zoneOf(lines);
      const wrong = walls.filter(([y, mo, d, h, mi]) => epochIn(zone, y!, mo!, d!, h!, mi!) !== wallClockToEpoch(iana, y!, mo!, d!, h!, mi!, 0));
      expect(wrong.map((w) => `${name} ${w.join('-')}`)).toEqual([]);
    }
  });

  it('reads a time before the first onset with the first onset’s TZOFFSETFROM, not as UTC', () => {
    const zone = zoneOf(['BEGIN:VTIMEZONE', 'TZID:X', 'BEGIN:DAYLIGHT', 'DTSTART:20190331T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'BEGIN:STANDARD', 'DTSTART:20191027T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD', 'END:VTIMEZONE']);
    expect(epochIn(zone, 2017, 6, 10, 10, 0)).toBe(Date.UTC(2017, 5, 10, 9, 0) / 1000);
    expect(epochIn(zone, 1000, 1, 1, 1, 0)).toBe(Date.UTC(1000, 0, 1) / 1000);
    expect(epochIn(zone, 2019, 6, 10, 10, 0)).toBe(Date.UTC(2019, 5, 10, 8, 0) / 1000);
    // Asked for a late year first, then an early one: the change list grows and is read again.
    expect(epochIn(zone, 2090, 1, 10, 10, 0)).toBe(Date.UTC(2090, 0, 10, 9, 0) / 1000);
    expect(epochIn(zone, 2018, 1, 10, 10, 0)).toBe(Date.UTC(2018, 0, 10, 9, 0) / 1000);
  });
});
