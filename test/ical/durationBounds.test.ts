// Issue #23: durations are bounded at write time (3,652,058 days either way, the span of the years
// 1 to 9999; an event's or task's DURATION must end within them), before ical.js does any date
// arithmetic with them; reads of objects stored before the bound hold their lengths within it.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { readEvent } from '../../src/ical/eventMapping.ts';
import { IcalError, parseCalendarObject } from '../../src/ical/parse.ts';
import { durationSeconds, MAX_DURATION_DAYS, MAX_INSTANT } from '../../src/ical/time.ts';
import { calendar } from '../fixtures/ical.ts';

const HUGE = 'P999999999999999999W';
const ev = (...lines: string[]) => calendar(['BEGIN:VEVENT', 'UID:d', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260105T100000Z', ...lines, 'END:VEVENT']);
const alarm = (...lines: string[]) => ['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:x', ...lines, 'END:VALARM'];

function refusal(text: string): string {
  try {
    parseCalendarObject(text);
  } catch (e) {
    expect(e).toBeInstanceOf(IcalError);
    expect((e as IcalError).failure).toBe('valid-calendar-data');
    return (e as IcalError).message;
  }
  return 'accepted';
}

describe('duration bounds', () => {
  it('the bound is the span of the years 1 to 9999 in whole days', () => {
    expect(MAX_DURATION_DAYS).toBe(3652058);
  });

  it('refuses a DURATION, TRIGGER, alarm DURATION or RDATE period longer than the bound, either way, quoting it as written', () => {
    expect(refusal(ev(`DURATION:${HUGE}`))).toBe(`DURATION:${HUGE}: the duration is out of range: a duration may be at most 3652058 days (P3652058D, the span of the years 1 to 9999)`);
    expect(refusal(ev(`DURATION:-${HUGE}`))).toMatch(/^DURATION:-P999999999999999999W: the duration is out of range/);
    expect(refusal(ev('DURATION:PT1H', ...alarm(`TRIGGER:-${HUGE}`)))).toMatch(/^TRIGGER:-P999999999999999999W: the duration is out of range/);
    expect(refusal(ev('DURATION:PT1H', ...alarm('TRIGGER:-PT5M', 'REPEAT:2', 'DURATION:P3652059D')))).toMatch(/^DURATION:P3652059D: the duration is out of range/);
    expect(refusal(ev('DURATION:PT1H', `RDATE;VALUE=PERIOD:20260110T100000Z/${HUGE}`))).toMatch(/^RDATE period 20260110T100000Z\/P999999999999999999W: the duration is out of range/);
  });

  it('refuses an event or task DURATION that ends after the year 9999, and keeps the one that ends in it', () => {
    expect(refusal(calendar(['BEGIN:VTODO', 'UID:t', 'DTSTAMP:20260101T000000Z', 'DTSTART:99991231T000000Z', 'DURATION:P1D', 'END:VTODO']))).toBe(
      'DURATION:P1D: the duration is out of range: from DTSTART it ends after the year 9999',
    );
    expect(refusal(calendar(['BEGIN:VTODO', 'UID:t', 'DTSTAMP:20260101T000000Z', 'DTSTART:99991231T000000Z', 'DURATION:PT23H59M59S', 'END:VTODO']))).toBe('accepted');
    // The years 1 to 99 are read as they are (ical.js's toUnixTime reads them as 1901 to 1999).
    expect(refusal(calendar(['BEGIN:VEVENT', 'UID:e', 'DTSTAMP:20260101T000000Z', 'DTSTART:00010101T000000Z', 'DURATION:P3652058D', 'END:VEVENT']))).toBe('accepted');
  });

  it('accepts zero and negative durations as clients write them (RFC 5545 §3.8.2.5 asks for a positive one; both read as no length)', () => {
    for (const d of ['P0D', 'PT0S', '-PT1H', '+P1D', 'P1W2D']) expect(refusal(ev(`DURATION:${d}`)), d).toBe('accepted');
    expect(refusal(ev('DURATION:PT1H', ...alarm('TRIGGER;RELATED=END:PT0S'), ...alarm('TRIGGER:-P1W')))).toBe('accepted');
  });

  it('reads of stored objects hold a duration within the bound and an event API end within the year 9999', () => {
    expect(durationSeconds(ICAL.Duration.fromString(HUGE))).toBe(MAX_DURATION_DAYS * 86400);
    expect(durationSeconds(ICAL.Duration.fromString(`-${HUGE}`))).toBe(-MAX_DURATION_DAYS * 86400);
    expect(durationSeconds(ICAL.Duration.fromString('PT1H'))).toBe(3600);
    expect(readEvent(ev(`DURATION:${HUGE}`)).end).toBe(MAX_INSTANT);
  });
});
