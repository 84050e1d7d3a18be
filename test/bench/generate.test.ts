// The benchmark's generator computes query answers by itself; ical.js, expanding the same objects,
// must agree, or the benchmark would check servers against a wrong answer.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { berlinToUtc, expectedIn, generate, MONTH } from './generate.ts';

describe('benchmark data generator', () => {
  const objects = generate(600);

  it('is deterministic and has the promised mix', () => {
    expect(generate(600).map((o) => o.ics)).toEqual(objects.map((o) => o.ics));
    const todos = objects.filter((o) => o.kind === 'VTODO').length;
    const events = objects.filter((o) => o.kind === 'VEVENT');
    const recurring = events.filter((o) => /RRULE:FREQ=(WEEKLY|DAILY)/.test(o.ics));
    const allDay = objects.filter((o) => o.ics.includes('VALUE=DATE:')).length;
    expect(todos / 600).toBeGreaterThan(0.06);
    expect(todos / 600).toBeLessThan(0.14);
    // A quarter of the events recur, every series with EXDATEs and overrides.
    expect(recurring.length / events.length).toBeGreaterThan(0.2);
    expect(recurring.length / events.length).toBeLessThan(0.3);
    expect(recurring.every((o) => o.ics.includes('EXDATE;') && o.ics.includes('RECURRENCE-ID;'))).toBe(true);
    // Many zones, each object with its VTIMEZONE.
    const zones = new Set(objects.flatMap((o) => [...o.ics.matchAll(/\r\nTZID:([^\r\n]+)/g)].map((m) => m[1])));
    expect(zones.size).toBeGreaterThanOrEqual(8);
    expect(objects.every((o) => [...o.ics.matchAll(/;TZID=([^:;]+)/g)].every((m) => o.ics.includes(`\r\nTZID:${m[1]}\r\n`)))).toBe(true);
    expect(allDay).toBeGreaterThan(20);
    expect(objects.every((o) => o.ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75))).toBe(true);
  });

  it('writes real text: several scripts, emoji, combining marks, long folded lines', () => {
    const all = objects.map((o) => o.ics).join('');
    const unfolded = objects.map((o) => o.ics.replace(/\r\n[ \t]/g, ''));
    const texts = unfolded.flatMap((t) => t.split('\r\n').filter((l) => /^(SUMMARY|DESCRIPTION|LOCATION|ATTENDEE)[;:]/.test(l)));
    const share = (re: RegExp) => objects.filter((o) => re.test(o.ics)).length / objects.length;
    // Each script in at least 3% of the objects, and most objects not ASCII at all.
    expect(share(/[äöüÄÖÜß]/)).toBeGreaterThan(0.03);
    expect(share(/[éèàçêœ]|e\u0301/)).toBeGreaterThan(0.03);
    expect(share(/\p{Script=Han}/u)).toBeGreaterThan(0.03);
    expect(share(/[\p{Script=Hiragana}\p{Script=Katakana}]/u)).toBeGreaterThan(0.03);
    expect(share(/\p{Script=Hangul}/u)).toBeGreaterThan(0.02);
    expect(share(/\p{Script=Cyrillic}/u)).toBeGreaterThan(0.03);
    expect(share(/\p{Script=Arabic}/u)).toBeGreaterThan(0.03);
    expect(share(/[^\x00-\x7f]/)).toBeGreaterThan(0.7);
    // Emoji beyond the BMP (surrogate pairs), ZWJ sequences, skin tones, flags, combining marks.
    expect(share(/[\ud800-\udbff][\udc00-\udfff]/)).toBeGreaterThan(0.1);
    expect(all).toMatch(/\p{Extended_Pictographic}\u200d\p{Extended_Pictographic}/u);
    expect(all).toMatch(/[\u{1f3fb}-\u{1f3ff}]/u);
    expect(all).toMatch(/\p{Regional_Indicator}{2}/u);
    expect(all).toMatch(/e\u0301/);
    // Long non-ASCII lines need folding, and some folds fall inside a grapheme (between a base and
    // its modifier or ZWJ), which RFC 5545 allows: only a UTF-8 sequence must stay whole.
    const long = texts.filter((l) => Buffer.byteLength(l) > 75 && /[^\x00-\x7f]/.test(l));
    expect(long.length / objects.length).toBeGreaterThan(0.5);
    expect(texts.some((l) => Buffer.byteLength(l) > 300)).toBe(true);
    expect(objects.every((o) => !o.ics.includes('\ufffd') && Buffer.from(o.ics).toString('utf8') === o.ics)).toBe(true);
  });

  it('gives ical.js the text it wrote, unfolded and unescaped', () => {
    for (const o of objects.slice(0, 200)) {
      const root = new ICAL.Component(ICAL.parse(o.ics) as never);
      const first = root.getAllSubcomponents().find((c) => c.name === 'vevent' || c.name === 'vtodo') as ICAL.Component;
      const raw = o.ics.replace(/\r\n[ \t]/g, '');
      const summary = /\r\nSUMMARY:([^\r\n]*)/.exec(raw)?.[1];
      expect(first.getFirstPropertyValue('summary'), o.name).toBe(summary);
      const location = /\r\nLOCATION:([^\r\n]*)/.exec(raw)?.[1]?.replace(/\\,/g, ',');
      expect(first.getFirstPropertyValue('location'), o.name).toBe(location);
    }
  });

  it('converts Berlin wall-clock time across both DST changes', () => {
    expect(new Date(berlinToUtc(Date.UTC(2026, 2, 28, 10))).toISOString()).toBe('2026-03-28T09:00:00.000Z');
    expect(new Date(berlinToUtc(Date.UTC(2026, 2, 30, 10))).toISOString()).toBe('2026-03-30T08:00:00.000Z');
    expect(new Date(berlinToUtc(Date.UTC(2026, 9, 26, 10))).toISOString()).toBe('2026-10-26T09:00:00.000Z');
  });

  it('agrees with ical.js on every instance of every event', () => {
    for (const o of objects.filter((x) => x.kind === 'VEVENT')) {
      const root = new ICAL.Component(ICAL.parse(o.ics) as never);
      const events = root.getAllSubcomponents('vevent').map((c) => new ICAL.Event(c));
      const master = events.find((e) => !e.isRecurrenceException()) as ICAL.Event;
      for (const ex of events.filter((e) => e.isRecurrenceException())) master.relateException(ex);
      const got: [number, number][] = [];
      if (master.isRecurring()) {
        const it = master.iterator();
        for (let next = it.next(); next; next = it.next()) {
          const d = master.getOccurrenceDetails(next);
          got.push([d.startDate.toUnixTime() * 1000, d.endDate.toUnixTime() * 1000]);
        }
      } else {
        const floating = master.startDate.isDate;
        const ms = (t: ICAL.Time) => (floating ? Date.UTC(t.year, t.month - 1, t.day) : t.toUnixTime() * 1000);
        got.push([ms(master.startDate), ms(master.endDate)]);
      }
      expect(got, o.name).toEqual(o.instances);
    }
  });

  it('expects a plausible number of events in the month', () => {
    const n = expectedIn(objects, MONTH).size;
    expect(n).toBeGreaterThan(15);
    expect(n).toBeLessThan(100);
  });
});
