// The form's reminders, URL, colour, categories and the event's own zone: written, read back, and
// edited keeping what the form does not show (alarms it cannot show, lines sent back unchanged).
import { describe, expect, it } from 'vitest';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { applySimpleEvent, EVENT_COLORS, CSS_COLOR_NAMES, newSimpleEvent, readSimpleEvent, REMINDER_CHOICES, type SimpleEvent } from '../../src/ical/simpleEvent.ts';
import { crlf } from '../fixtures/ical.ts';
import { APPLE_ORGANIZER, THUNDERBIRD_SERIES } from '../fixtures/itip.ts';
import { expandElsewhere } from '../helpers/seriesOracle.ts';

const NOW = Date.UTC(2026, 11, 7, 12) / 1000;
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');
const event = (over: Partial<SimpleEvent> = {}): SimpleEvent => ({
  summary: 'Planning',
  description: null,
  location: null,
  allDay: false,
  startDate: '2027-03-15',
  startTime: '09:00',
  endDate: '2027-03-15',
  endTime: '10:00',
  zone: 'America/New_York',
  repeat: null,
  ...over,
});

describe('reminders, URL, colour, categories and zone', () => {
  it('offers reminder choices and colours that are CSS3 names', () => {
    expect([...REMINDER_CHOICES]).toEqual([0, 5, 15, 30, 60, 1440]);
    expect(EVENT_COLORS.length).toBeGreaterThanOrEqual(12);
    expect(EVENT_COLORS.every((c) => CSS_COLOR_NAMES.has(c))).toBe(true);
  });

  it('writes them on a new event and reads them back, times in the event’s own zone', async () => {
    const e = event({ reminders: [0, 15, 1440], url: 'https://example.org/plan?a=1,2;b', color: 'teal', categories: ['Work', 'Team; core', 'Q1, 2027'] });
    const text = newSimpleEvent(e, 'extras', NOW, '-//Test//EN');
    expect(() => parseCalendarObject(text)).not.toThrow();
    const u = unfold(text);
    expect(u).toContain('DTSTART;TZID=America/New_York:20270315T090000');
    expect(u).toContain('TRIGGER:PT0S');
    expect(u).toContain('TRIGGER:-PT15M');
    expect(u).toContain('TRIGGER:-P1D');
    expect(u).toContain('COLOR:teal');
    expect(u).toContain('CATEGORIES:Work,Team\\; core,Q1\\, 2027');
    // A viewer in Berlin still sees the event in New York's time, where it was written.
    const read = readSimpleEvent(text, 'Europe/Berlin');
    expect(read.event).toEqual({ ...e, reminders: [0, 15, 1440] });
    expect(read.otherAlarms).toBe(0);
    // Another program reads the same categories and alarms.
    const [items] = await expandElsewhere([text], '20270301', '20270401');
    expect(items).toEqual([expect.objectContaining({ start: '20270315T130000Z', summary: 'Planning' })]);
  });

  it('reads the zone: a TZID that is an IANA zone, UTC, or the viewer’s for floating times and all-day dates', () => {
    expect(readSimpleEvent(THUNDERBIRD_SERIES, 'Asia/Tokyo').event).toMatchObject({ zone: 'Europe/Berlin', startTime: '09:30' });
    const utc = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//t//EN', 'BEGIN:VEVENT', 'UID:u', 'DTSTAMP:20260101T000000Z', 'DTSTART:20270104T090000Z', 'DTEND:20270104T100000Z', 'END:VEVENT', 'END:VCALENDAR']);
    expect(readSimpleEvent(utc, 'Asia/Tokyo').event).toMatchObject({ zone: 'UTC', startTime: '09:00' });
    const floating = utc.replace('DTSTART:20270104T090000Z', 'DTSTART:20270104T090000').replace('DTEND:20270104T100000Z', 'DTEND:20270104T100000');
    expect(readSimpleEvent(floating, 'Asia/Tokyo').event).toMatchObject({ zone: 'Asia/Tokyo', startTime: '09:00' });
    const windows = utc.replace('DTSTART:20270104T090000Z', 'DTSTART;TZID=Nowhere Standard Time:20270104T090000');
    expect(readSimpleEvent(windows, 'Asia/Tokyo').event.zone).toBe('Asia/Tokyo');
  });

  it('reads an Apple Calendar alarm as a reminder and edits the reminders, keeping alarms the form cannot show', () => {
    const withOthers = APPLE_ORGANIZER.replace(
      'END:VEVENT',
      ['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:after', 'TRIGGER;RELATED=END:PT5M', 'END:VALARM', 'BEGIN:VALARM', 'ACTION:EMAIL', 'DESCRIPTION:mail', 'SUMMARY:mail', 'ATTENDEE:mailto:alice@example.org', 'TRIGGER:-PT1H', 'END:VALARM', 'END:VEVENT'].join('\r\n'),
    );
    const read = readSimpleEvent(withOthers, 'UTC');
    expect(read.event).toMatchObject({ reminders: [15], url: 'https://example.org/agenda', zone: 'America/New_York', categories: [], color: null });
    expect(read.otherAlarms).toBe(2);
    // Unchanged reminders leave the alarms as they are: Apple's alarm keeps its UID.
    const same = unfold(applySimpleEvent(withOthers, read.event, NOW, false));
    expect(same).toContain('X-WR-ALARMUID:0C6F7B5E-2E4A-4D7F-8B6A-3A9C1E2F4B5D');
    // 15 minutes kept, 1 hour added; the alarm after the end and the e-mail one stay.
    const more = unfold(applySimpleEvent(withOthers, { ...read.event, reminders: [15, 60] }, NOW, false));
    expect(more).toContain('X-WR-ALARMUID:0C6F7B5E-2E4A-4D7F-8B6A-3A9C1E2F4B5D');
    expect(more.match(/BEGIN:VALARM/g)).toHaveLength(4);
    expect(readSimpleEvent(more, 'UTC')).toMatchObject({ event: { reminders: [15, 60] }, otherAlarms: 2 });
    // None: only the alarms the form does not show are left.
    const none = applySimpleEvent(withOthers, { ...read.event, reminders: [] }, NOW, false);
    expect(readSimpleEvent(none, 'UTC')).toMatchObject({ event: { reminders: [] }, otherAlarms: 2 });
    // Undefined leaves everything as it is.
    expect(applySimpleEvent(withOthers, { ...read.event, reminders: undefined, url: undefined }, NOW, false)).toContain('URL');
  });

  it('sets and removes URL, colour and categories on an edit', () => {
    const text = newSimpleEvent(event(), 'plain', NOW, '-//Test//EN');
    const set = applySimpleEvent(text, { ...event(), url: 'https://example.org/x', color: 'Tomato', categories: [' Home ', ''] }, NOW, false);
    expect(readSimpleEvent(set, 'UTC').event).toMatchObject({ url: 'https://example.org/x', color: 'tomato', categories: ['Home'] });
    const cleared = applySimpleEvent(set, { ...event(), url: null, color: null, categories: [] }, NOW, false);
    expect(unfold(cleared)).not.toMatch(/\r\n(URL|COLOR|CATEGORIES)[:;]/);
  });
});
