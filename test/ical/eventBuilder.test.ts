// The one builder of new events: what it writes for each kind of time, the options its callers
// differ by, and that what it writes is an object the write path accepts.
import { describe, expect, it } from 'vitest';
import { buildEvent, type NewEvent } from '../../src/ical/eventBuilder.ts';
import { parseCalendarObject } from '../../src/ical/parse.ts';

const NOW = Date.UTC(2026, 11, 4, 12) / 1000;
const base: NewEvent = { prodId: '-//Test//EN', uid: 'b1', stamp: NOW, start: { utc: NOW + 3600 } };
const linesOf = (t: string) => t.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('the event builder', () => {
  it('writes the least an event needs, every line ended by CRLF', () => {
    const text = buildEvent(base);
    expect(text).toBe(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', 'UID:b1', 'DTSTAMP:20261204T120000Z', 'DTSTART:20261204T130000Z', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
    expect(parseCalendarObject(text).uid).toBe('b1');
  });

  it('writes instants in UTC, whole days as dates, wall-clock times with their zone', () => {
    const at = (start: NewEvent['start']) => linesOf(buildEvent({ ...base, start })).find((l) => l.startsWith('DTSTART'));
    expect(at({ date: '2027-03-15' })).toBe('DTSTART;VALUE=DATE:20270315');
    expect(at({ date: '2027-03-15', time: '09:30', tzid: 'Europe/Berlin' })).toBe('DTSTART;TZID=Europe/Berlin:20270315T093000');
    expect(at({ date: '2027-03-15', time: '09:30', tzid: 'UTC' })).toBe('DTSTART:20270315T093000Z');
  });

  it('says CALSCALE and the creation stamps only when asked, and writes alarms both ways', () => {
    const text = buildEvent({
      ...base,
      calscale: true,
      created: NOW,
      end: { utc: NOW + 7200 },
      summary: 'Plan, review; ship',
      description: 'one\r\ntwo',
      alarms: [
        { description: 'Soon', trigger: { offset: '-PT15M', relatedStart: true } },
        { description: 'Now', trigger: { offset: 'PT0S' } },
        { description: 'Then', trigger: { at: NOW } },
      ],
    });
    const lines = linesOf(text);
    expect(lines).toContain('CALSCALE:GREGORIAN');
    expect(lines.slice(lines.indexOf('DTSTAMP:20261204T120000Z'), lines.indexOf('DTSTART:20261204T130000Z'))).toEqual(['DTSTAMP:20261204T120000Z', 'CREATED:20261204T120000Z', 'LAST-MODIFIED:20261204T120000Z', 'SEQUENCE:0']);
    expect(lines).toContain('SUMMARY:Plan\\, review\\; ship');
    expect(lines).toContain('DESCRIPTION:one\\ntwo');
    expect(lines.filter((l) => l.startsWith('TRIGGER'))).toEqual(['TRIGGER;RELATED=START:-PT15M', 'TRIGGER:PT0S', 'TRIGGER;VALUE=DATE-TIME:20261204T120000Z']);
    expect(buildEvent(base)).not.toContain('CALSCALE');
    expect(parseCalendarObject(text).componentType).toBe('VEVENT');
  });

  it('folds long lines at 75 octets without splitting a character', () => {
    const text = buildEvent({ ...base, summary: 'Caf\u00e9 \u2603 😀 '.repeat(30), organizer: { email: 'eva@example.org', name: 'Eva "E" Example' }, attendees: ['rob@example.org'] });
    expect(text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(text).not.toContain('\uFFFD');
    const lines = linesOf(text);
    expect(lines.find((l) => l.startsWith('SUMMARY:'))).toBe(`SUMMARY:${'Caf\u00e9 \u2603 😀 '.repeat(30)}`);
    expect(lines).toContain(`ORGANIZER;CN="Eva 'E' Example":mailto:eva@example.org`);
    expect(lines).toContain('ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:rob@example.org');
  });
});
