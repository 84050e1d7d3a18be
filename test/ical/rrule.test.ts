// The RRULE engine on its own: wall-clock times in, wall-clock times out, and how a walk ends.
// The RFC's examples and libical's vectors run through the whole expansion in
// recurrenceVectors.test.ts; these are the engine's own edges.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil } from '../../src/ical/civil.ts';
import { ruleFromParts, walkRule, type WalkEnd, type WalkOptions } from '../../src/ical/rrule.ts';

const wall = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
const show = (w: number) => {
  const day = Math.floor(w / 86400);
  const { year, month, day: d } = civilFromDays(day);
  const s = w - day * 86400;
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  return `${p(year, 4)}-${p(month)}-${p(d)}T${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}`;
};
function walk(rule: string, start: number, opts: Partial<WalkOptions> = {}, isDate = false, max = 100): { got: string[]; end: WalkEnd | 'more'; steps: number } {
  const budget = opts.budget ?? { steps: 0, maxSteps: 50_000 };
  const it = walkRule(ruleFromParts(ICAL.Recur.fromString(rule)), start, isDate, { ...opts, budget });
  const got: string[] = [];
  for (;;) {
    const n = it.next();
    if (n.done) return { got, end: n.value, steps: budget.steps };
    got.push(show(n.value));
    if (got.length >= max) return { got, end: 'more', steps: budget.steps };
  }
}

describe('RRULE engine', () => {
  it('names a month given twice once, so COUNT counts each date once', () => {
    expect(walk('FREQ=YEARLY;BYMONTH=5,5;BYMONTHDAY=1;COUNT=3', wall(2026, 5, 1, 9)).got).toEqual(['2026-05-01T09:00', '2027-05-01T09:00', '2028-05-01T09:00']);
  });

  it('ends with "end" when the set is exhausted, "steps" when the budget runs out, "cut" at stopWall or the year 9999', () => {
    expect(walk('FREQ=DAILY;COUNT=2', wall(2026, 1, 1)).end).toBe('end');
    // 30 February never comes: each empty day costs a step, so the walk cannot run for ever.
    const never = walk('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', wall(2026, 1, 1), { budget: { steps: 0, maxSteps: 1000 } });
    expect(never).toMatchObject({ got: [], end: 'steps' });
    expect(walk('FREQ=DAILY', wall(2026, 1, 1), { stopWall: wall(2026, 1, 3) }).end).toBe('cut');
    expect(walk('FREQ=YEARLY', wall(9998, 6, 1)).got).toEqual(['9998-06-01T00:00', '9999-06-01T00:00']);
  });

  it('skips whole days, hours and minutes a sub-daily rule leaves out, a step each', () => {
    // Once an hour at :00:00 by the second: 59 minutes and 59 seconds skipped in a few steps.
    const r = walk('FREQ=SECONDLY;BYMINUTE=0;BYSECOND=0', wall(2026, 1, 1, 0, 0, 1), {}, false, 3);
    expect(r.got).toEqual(['2026-01-01T01:00', '2026-01-01T02:00', '2026-01-01T03:00']);
    expect(r.steps).toBeLessThan(400);
    // Mondays only, by the hour, over a month: a step per day left out.
    const m = walk('FREQ=HOURLY;BYDAY=MO;BYHOUR=9', wall(2026, 1, 1), {}, false, 4);
    expect(m.got).toEqual(['2026-01-05T09:00', '2026-01-12T09:00', '2026-01-19T09:00', '2026-01-26T09:00']);
    expect(m.steps).toBeLessThan(200);
  });

  it('steps a sub-daily rule on a date by whole days, and ignores time parts there (RFC 5545 §3.3.10)', () => {
    expect(walk('FREQ=HOURLY;INTERVAL=48;COUNT=3', wall(2026, 1, 1), {}, true).got).toEqual(['2026-01-01T00:00', '2026-01-03T00:00', '2026-01-05T00:00']);
    expect(walk('FREQ=DAILY;BYMINUTE=1,2;COUNT=2', wall(2026, 1, 1), {}, true).got).toEqual(['2026-01-01T00:00', '2026-01-02T00:00']);
  });

  it('starts a rule without COUNT near fromWall, with the instances a walk from DTSTART gives there', () => {
    const from = wall(2030, 3, 1);
    const fast = walk('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', wall(1990, 1, 31, 17), { fromWall: from }, false, 6);
    const full = walk('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', wall(1990, 1, 31, 17), {}, false, 1000);
    const after = (xs: string[]) => xs.filter((x) => x >= '2030-03-01').slice(0, 5);
    expect(after(fast.got)).toEqual(after(full.got));
    expect(after(fast.got)[0]).toBe('2030-03-29T17:00');
    expect(fast.steps).toBeLessThan(10);
  });

  it('reads years before 100 exactly (Date.UTC would read them as 1900 to 1999)', () => {
    expect(walk('FREQ=YEARLY;COUNT=2', wall(50, 3, 15, 12), {}, false).got).toEqual(['0050-03-15T12:00', '0051-03-15T12:00']);
  });
});
