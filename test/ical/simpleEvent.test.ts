// The web form's simple events: written and read back (with their occurrences across a DST
// change), and edited keeping what the form does not show.
import { describe, expect, it } from 'vitest';
import { occurrencesIn } from '../../src/ical/occurrences.ts';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { applySimpleEvent, newSimpleEvent, readSimpleEvent, type SimpleEvent } from '../../src/ical/simpleEvent.ts';

const NOW = Date.UTC(2026, 11, 4, 12) / 1000;
const event = (over: Partial<SimpleEvent> = {}): SimpleEvent => ({
  summary: 'Standup',
  description: null,
  location: null,
  allDay: false,
  startDate: '2027-03-15',
  startTime: '09:00',
  endDate: '2027-03-15',
  endTime: '09:15',
  zone: 'Europe/Berlin',
  repeat: null,
  ...over,
});
/** The text with folded lines joined (RFC 5545 §3.1). */
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');
const iso = (s: number) => new Date(s * 1000).toISOString();
const LIMITS = { maxInstances: 100, maxSteps: 10_000 };

describe('simple events', () => {
  it('writes a valid object with a wall-clock time in its zone, which keeps its local time across DST', () => {
    const text = newSimpleEvent(event({ repeat: { freq: 'WEEKLY', count: 3 } }), 'u1@example.org', NOW, '-//Test//EN');
    expect(() => parseCalendarObject(text)).not.toThrow();
    expect(text).toContain('DTSTART;TZID=Europe/Berlin:20270315T090000');
    expect(text).toContain('RRULE:FREQ=WEEKLY;COUNT=3');
    const { items } = occurrencesIn(text, { start: Date.UTC(2027, 2, 1) / 1000, end: Date.UTC(2027, 4, 1) / 1000 }, 'Europe/Berlin', LIMITS);
    // Berlin moves to summer time on 28 March: 09:00 stays 09:00, so UTC goes from 08:00 to 07:00.
    expect(items.map((o) => iso(o.start))).toEqual(['2027-03-15T08:00:00.000Z', '2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z']);
    expect(items.every((o) => o.recurring && o.end - o.start === 900)).toBe(true);
  });

  it('reads back what it wrote, all-day ends inclusive, UNTIL as a date', () => {
    const e = event({ allDay: true, startDate: '2026-12-24', endDate: '2026-12-26', startTime: '', endTime: '', repeat: { freq: 'YEARLY', until: '2030-12-24' } });
    const text = newSimpleEvent(e, 'xmas', NOW, '-//Test//EN');
    expect(text).toContain('DTEND;VALUE=DATE:20261227');
    // What the form did not set reads as none: no reminders, URL, colour or categories.
    expect(readSimpleEvent(text, 'Europe/Berlin')).toEqual({
      event: { ...e, reminders: [], url: null, color: null, categories: [] },
      customRule: null,
      participants: { organizer: null, attendees: [] },
      otherAlarms: 0,
      recurring: true,
    });
  });

  it('edits only what the form holds: alarms and other properties stay, SEQUENCE goes up, a rule it cannot show is kept', () => {
    const stored = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Other//EN', 'BEGIN:VEVENT', 'UID:keep', 'DTSTAMP:20261201T000000Z', 'SEQUENCE:4',
      'DTSTART:20270104T090000Z', 'DTEND:20270104T100000Z', 'SUMMARY:Old', 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE', 'X-CUSTOM:yes',
      'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Soon', 'TRIGGER:-PT5M', 'END:VALARM', 'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    const read = readSimpleEvent(stored, 'UTC');
    expect(read.customRule).toBe('FREQ=WEEKLY;BYDAY=MO,WE');
    expect(read.event.repeat).toBeNull();
    const edited = applySimpleEvent(stored, { ...read.event, summary: 'New' }, NOW, true);
    expect(edited).toContain('SUMMARY:New');
    expect(edited).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO,WE');
    expect(edited).toContain('X-CUSTOM:yes');
    expect(edited).toContain('TRIGGER:-PT5M');
    expect(edited).toContain('SEQUENCE:5');
    expect(applySimpleEvent(stored, { ...read.event, repeat: null }, NOW, false)).not.toContain('RRULE');
  });

  it('invites: a new event with attendees names the organizer; read back with answers', () => {
    const text = unfold(newSimpleEvent(event({ attendees: ['Bob@Example.org', 'carol@example.net'], organizer: { email: 'alice@example.org', name: 'Alice "A"\r\nX-EVIL:1' } }), 'inv', NOW, '-//Test//EN'));
    expect(() => parseCalendarObject(text)).not.toThrow();
    expect(text).toContain('ORGANIZER;CN="Alice A X-EVIL:1":mailto:alice@example.org');
    expect(text).not.toMatch(/^X-EVIL/m);
    expect(text).toContain('ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:Bob@Example.org');
    const read = readSimpleEvent(text, 'UTC');
    expect(read.participants.organizer).toEqual({ email: 'alice@example.org', name: 'Alice A X-EVIL:1' });
    expect(read.participants.attendees.map((a) => [a.email, a.partstat])).toEqual([['bob@example.org', 'NEEDS-ACTION'], ['carol@example.net', 'NEEDS-ACTION']]);
    // No attendees: no organizer either (a plain event is no scheduling object).
    expect(newSimpleEvent(event({ attendees: [], organizer: { email: 'alice@example.org', name: null } }), 'plain', NOW, '-//Test//EN')).not.toContain('ORGANIZER');
  });

  it('edits the attendee list: kept attendees keep their answers and parameters, removed ones leave every instance, others stay untouched', () => {
    const stored = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Other//EN', 'BEGIN:VEVENT', 'UID:team', 'DTSTAMP:20261201T000000Z', 'SEQUENCE:1',
      'DTSTART:20270104T090000Z', 'DTEND:20270104T100000Z', 'SUMMARY:Team', 'RRULE:FREQ=WEEKLY;COUNT=4',
      'ORGANIZER;CN=Alice:mailto:alice@example.org',
      'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;X-NUM-GUESTS=0;SCHEDULE-STATUS=1.2:mailto:bob@example.org',
      'ATTENDEE;PARTSTAT=DECLINED:mailto:dan@example.org',
      'ATTENDEE;CUTYPE=ROOM:urn:uuid:6f1b3c2e-room',
      'END:VEVENT',
      'BEGIN:VEVENT', 'UID:team', 'RECURRENCE-ID:20270111T090000Z', 'DTSTAMP:20261201T000000Z', 'DTSTART:20270111T100000Z', 'DTEND:20270111T110000Z', 'SUMMARY:Team (moved)',
      'ORGANIZER;CN=Alice:mailto:alice@example.org', 'ATTENDEE;PARTSTAT=TENTATIVE:mailto:dan@example.org', 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n');
    const read = readSimpleEvent(stored, 'UTC');
    expect(read.participants.attendees.map((a) => [a.email, a.partstat, a.scheduleStatus])).toEqual([['bob@example.org', 'ACCEPTED', '1.2'], ['dan@example.org', 'DECLINED', null]]);
    const edited = unfold(applySimpleEvent(stored, { ...read.event, attendees: ['bob@example.org', 'erin@example.net'] }, NOW, false));
    expect(() => parseCalendarObject(edited)).not.toThrow();
    expect(edited).toContain('ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;X-NUM-GUESTS=0;SCHEDULE-STATUS=1.2:mailto:bob@example.org');
    expect(edited).not.toContain('dan@example.org');
    expect(edited).toContain('urn:uuid:6f1b3c2e-room');
    // The new address joins the series and the moved instance; Bob, left out of that instance, is not added to it.
    expect(edited.match(/mailto:erin@example.net/g)?.length).toBe(2);
    expect(edited.match(/mailto:bob@example.org/g)?.length).toBe(1);
    expect(edited.match(/^ORGANIZER/gm)?.length).toBe(2);
    // Without the field (an invitee's form) the list stays exactly as it was.
    const untouched = applySimpleEvent(stored, { ...read.event, summary: 'Renamed' }, NOW, false);
    expect(untouched).toContain('mailto:dan@example.org');
  });
});
