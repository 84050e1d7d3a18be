// The web workload's choice of views: the month and the week with the most event instances.
import { describe, expect, it } from 'vitest';
import type { BenchObject } from './generate.ts';
import { busiestWindows } from './workloads.ts';

const DAY = 86_400_000;
const event = (name: string, ...starts: string[]): BenchObject => ({
  name,
  uid: name,
  kind: 'VEVENT',
  ics: '',
  instances: starts.map((s) => [Date.parse(s), Date.parse(s) + 3_600_000]),
});

describe('the busiest views', () => {
  it('picks the month and the week (Monday to Sunday) with the most instances, and the month grid of six weeks', () => {
    const objects = [
      event('jan', '2026-01-05T09:00:00Z'),
      // Three in the week of Monday 16 March, one more in March, two in April.
      event('march', '2026-03-16T09:00:00Z', '2026-03-17T09:00:00Z', '2026-03-22T20:00:00Z', '2026-03-02T09:00:00Z'),
      event('april', '2026-04-06T09:00:00Z', '2026-04-20T09:00:00Z'),
    ];
    const w = busiestWindows(objects);
    expect(w.month).toBe('2026-03-01');
    expect(w.monthInstances).toBe(4);
    // 1 March 2026 is a Sunday: the grid starts on Monday 23 February.
    expect(new Date(w.monthGrid.start).toISOString().slice(0, 10)).toBe('2026-02-23');
    expect(w.monthGrid.end - w.monthGrid.start).toBe(42 * DAY);
    expect(w.week).toBe('2026-03-16');
    expect(w.weekInstances).toBe(3);
    expect(w.weekWindow.end - w.weekWindow.start).toBe(7 * DAY);
  });
});
