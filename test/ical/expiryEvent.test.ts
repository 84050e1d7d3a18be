import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { alarmDays, expiryEvent } from '../../src/ical/expiryEvent.ts';
import { parseCalendarObject } from '../../src/ical/parse.ts';

const day = 86400_000;
const base = new Date('2026-01-01T00:00:00Z');

describe('token expiry events', () => {
  it('keeps only alarms in the future and in the second half of the lifetime', () => {
    // 100-day token, asked on day 0: half is day 50; alarms at days 70, 86, 93, 97, 99, 100.
    expect(alarmDays(base, new Date(base.getTime() + 100 * day), base)).toEqual([30, 14, 7, 3, 1, 0]);
    // 20-day token: half is day 10; -30d and -14d fall before it.
    expect(alarmDays(base, new Date(base.getTime() + 20 * day), base)).toEqual([7, 3, 1, 0]);
    // Asked on day 95 of 100: only 3, 1 and 0 days before are still ahead.
    expect(alarmDays(base, new Date(base.getTime() + 100 * day), new Date(base.getTime() + 95 * day))).toEqual([3, 1, 0]);
  });

  it('is a valid event: DTSTART in UTC without DTEND, DISPLAY alarms with DESCRIPTION and -PnD triggers', () => {
    const text = expiryEvent({
      uid: 'rB8g1NhHqRNQL8S38DkzQgMJ9Df7wVmnuX1dkSk3kAlsUQM6igudDWL3ZMYf4xm1AL8/pQdGAetBa/y5ktydrg==',
      tokenName: 'CI, deploy; main',
      momId: 'rB8g/x==',
      createdAt: base,
      expiresAt: new Date(base.getTime() + 100 * day),
      now: base,
      stamp: base,
      comment: 'Rotate before the release',
      manageUrl: 'https://cal.example.org/api/v0/tokens',
      prodId: '-//Calendula//EN',
    });
    const parsed = parseCalendarObject(text);
    const ev = parsed.components[0]!;
    expect(ev.getFirstPropertyValue('dtstart')!.toString()).toBe('2026-04-11T00:00:00Z');
    expect(ev.hasProperty('dtend')).toBe(false);
    expect(ev.getFirstPropertyValue('summary')).toBe("Token 'CI, deploy; main' expires");
    expect(ev.getFirstPropertyValue('description')).toContain('Rotate before the release');
    const alarms = ev.getAllSubcomponents('valarm');
    expect(alarms.map((a) => a.getFirstProperty('trigger')!.toICALString())).toEqual([
      'TRIGGER:-P30D',
      'TRIGGER:-P14D',
      'TRIGGER:-P7D',
      'TRIGGER:-P3D',
      'TRIGGER:-P1D',
      'TRIGGER:PT0S',
    ]);
    for (const a of alarms) {
      expect(a.getFirstPropertyValue('action')).toBe('DISPLAY');
      expect(a.getFirstPropertyValue('description')).toBeTruthy();
      expect((a.getFirstPropertyValue('trigger') as ICAL.Duration).toSeconds()).toBeLessThanOrEqual(0);
    }
    expect(text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
  });
});
