// The occurrences the web UI lists: the expansion keeps to its bounds and says when it was cut.
import { describe, expect, it } from 'vitest';
import { occurrencesIn } from '../../src/ical/occurrences.ts';

describe('occurrences', () => {
  it('keeps an expansion within its bounds, saying it was cut', () => {
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', 'UID:s', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261201T000000Z', 'RRULE:FREQ=SECONDLY', 'SUMMARY:Every second', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const out = occurrencesIn(text, { start: Date.UTC(2026, 11, 1) / 1000, end: Date.UTC(2027, 0, 1) / 1000 }, 'UTC', { maxInstances: 50, maxSteps: 1000 });
    expect(out.items.length).toBeLessThanOrEqual(50);
    expect(out.capped).toBe(true);
  });
});
