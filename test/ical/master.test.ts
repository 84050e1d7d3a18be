// The master component that the form, the tasks and the events API read and change.
import { describe, expect, it } from 'vitest';
import { parseMaster } from '../../src/ical/master.ts';

const calendar = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...lines, 'END:VCALENDAR', ''].join('\r\n');
const override = ['BEGIN:VEVENT', 'UID:s', 'DTSTAMP:20261201T000000Z', 'RECURRENCE-ID:20261208T090000Z', 'DTSTART:20261208T100000Z', 'SUMMARY:Moved', 'END:VEVENT'];
const series = ['BEGIN:VEVENT', 'UID:s', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261201T090000Z', 'RRULE:FREQ=WEEKLY', 'SUMMARY:Series', 'END:VEVENT'];

describe('the master component', () => {
  it('is the one without RECURRENCE-ID, wherever it stands', () => {
    expect(parseMaster(calendar(...override, ...series), 'vevent').master.getFirstPropertyValue('summary')).toBe('Series');
  });

  it('is the first component when the object holds overridden instances only', () => {
    expect(parseMaster(calendar(...override), 'vevent').master.getFirstPropertyValue('summary')).toBe('Moved');
  });

  it('is missing from an object of another kind, which is said', () => {
    expect(() => parseMaster(calendar(...series), 'vtodo')).toThrow('not a task');
    expect(() => parseMaster(calendar('BEGIN:VTODO', 'UID:t', 'DTSTAMP:20261201T000000Z', 'END:VTODO'), 'vevent')).toThrow('not an event');
  });
});
