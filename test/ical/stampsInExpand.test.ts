// Issue #23: an expanded instance's DTSTAMP, CREATED, LAST-MODIFIED and COMPLETED are the stored
// component's (RFC 4791 §9.6.5: an instance is a copy of it with a RECURRENCE-ID), only a time with
// a TZID converted to UTC. None of them places an instance in time, so one ical.js cannot read (an
// object stored before the value checks, `DTSTAMP:garbage`) must not keep the instances from being
// expanded, nor be rewritten (ical.js reads `garbage` by position as `garb-ag-eT::`).
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { renderCalendarData } from '../../src/ical/calendarData.ts';
import { calendar, crlf, utc } from '../fixtures/ical.ts';

const opts = { floatingZone: 'America/New_York', maxInstances: 1000, maxSteps: 100_000 };
const JANUARY = { start: utc('2026-01-01T00:00:00Z'), end: utc('2026-02-01T00:00:00Z') };

/** A daily series of three, with the given stamps in place of the usual DTSTAMP. */
function series(type: 'VEVENT' | 'VTODO', stamps: string[]): string {
  return calendar([`BEGIN:${type}`, 'UID:stamped', ...stamps, 'DTSTART:20260105T100000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=3', 'SUMMARY:Stamped', `END:${type}`]);
}

function expanded(text: string): { rendered: ReturnType<typeof renderCalendarData>; lines: (name: string) => string[] } {
  const rendered = renderCalendarData(text, { expand: JANUARY }, opts);
  const lines = (name: string) => rendered.text.split('\r\n').filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
  return { rendered, lines };
}

describe('expand and the stamps of a stored object', () => {
  for (const type of ['VEVENT', 'VTODO'] as const) {
    for (const stamp of ['DTSTAMP:garbage', 'DTSTAMP:2026', 'DTSTAMP:', 'DTSTAMP:19970324T1200Z', 'DTSTAMP:20261399T000000Z']) {
      it(`${type} with ${stamp} (stored before the value checks): every instance, each with the DTSTAMP as stored`, () => {
        const { rendered, lines } = expanded(series(type, [stamp]));
        expect(rendered.capped).toBe(false);
        expect(lines('RECURRENCE-ID')).toEqual(['RECURRENCE-ID:20260105T100000Z', 'RECURRENCE-ID:20260106T100000Z', 'RECURRENCE-ID:20260107T100000Z']);
        expect(lines('DTSTAMP')).toEqual([stamp, stamp, stamp]);
      });
    }
  }

  it('CREATED, LAST-MODIFIED and COMPLETED ical.js cannot read stay as stored and keep no instance out', () => {
    const stamps = ['DTSTAMP:20260101T000000Z', 'CREATED:garbage', 'LAST-MODIFIED:2026', 'COMPLETED:x'];
    for (const type of ['VEVENT', 'VTODO'] as const) {
      const { rendered, lines } = expanded(series(type, stamps));
      expect(lines('RECURRENCE-ID')).toHaveLength(3);
      expect([...lines('CREATED'), ...lines('LAST-MODIFIED'), ...lines('COMPLETED')]).toEqual(['CREATED:garbage', 'CREATED:garbage', 'CREATED:garbage', 'LAST-MODIFIED:2026', 'LAST-MODIFIED:2026', 'LAST-MODIFIED:2026', 'COMPLETED:x', 'COMPLETED:x', 'COMPLETED:x']);
      expect(rendered.text).not.toContain('garb-ag-e');
    }
  });

  it('a stamp with a TZID is converted to UTC; one in UTC or floating is written as stored, whatever zone the request reads in', () => {
    const stamps = ['DTSTAMP;TZID=Europe/Paris:20260101T000000', 'CREATED:20251201T080000', 'LAST-MODIFIED:20251215T090000Z'];
    const { lines } = expanded(series('VEVENT', stamps));
    expect(lines('DTSTAMP')).toEqual(Array(3).fill('DTSTAMP:20251231T230000Z'));
    expect(lines('CREATED')).toEqual(Array(3).fill('CREATED:20251201T080000'));
    expect(lines('LAST-MODIFIED')).toEqual(Array(3).fill('LAST-MODIFIED:20251215T090000Z'));
  });

  it('limit-recurrence-set and a property selection write an unreadable DTSTAMP as stored too', () => {
    const text = series('VEVENT', ['DTSTAMP:garbage']);
    const limited = renderCalendarData(text, { limitRecurrenceSet: JANUARY }, opts).text;
    const selected = renderCalendarData(text, { select: { name: 'VCALENDAR', allProps: true, props: [], allComps: true, comps: [] } }, opts).text;
    for (const out of [limited, selected]) expect(out.split('\r\n').filter((l) => l.startsWith('DTSTAMP'))).toEqual(['DTSTAMP:garbage']);
  });

  it('a task whose only time is a CREATED ical.js cannot read is expanded as one without it (RFC 4791 §9.9: it overlaps every range)', () => {
    const text = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VTODO', 'UID:t', 'DTSTAMP:20260101T000000Z', 'CREATED:garbage', 'SUMMARY:Someday', 'END:VTODO', 'END:VCALENDAR']);
    const out = renderCalendarData(text, { expand: JANUARY }, opts);
    const todos = new ICAL.Component(ICAL.parse(out.text) as never).getAllSubcomponents('vtodo');
    expect(todos).toHaveLength(1);
    expect(out.text).toContain('CREATED:garbage');
  });
});
