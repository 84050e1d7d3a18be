import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { derivedUid, markersOf, syncCopy } from '../../src/ical/syncCopy.ts';
import { calendar, event, WEEKLY_BERLIN } from '../fixtures/ical.ts';

describe('the copy a synchronization pushes', () => {
  it('gives every component the derived UID and our markers, keeping the rest', () => {
    const copy = syncCopy(WEEKLY_BERLIN, 'weekly-1', 7, 'inst-1');
    const root = new ICAL.Component(ICAL.parse(copy));
    const events = root.getAllSubcomponents('vevent');
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.getFirstPropertyValue('uid')).toBe('weekly-1-7@inst-1');
      expect(e.getFirstPropertyValue('x-calendula-sync-id')).toBe('7');
      expect(e.getFirstPropertyValue('x-calendula-instance-id')).toBe('inst-1');
      expect(e.getFirstPropertyValue('x-calendula-source-uid')).toBe('weekly-1');
    }
    expect(root.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('Europe/Berlin');
    expect(events[0]!.getFirstPropertyValue('rrule')?.toString()).toBe('FREQ=WEEKLY;COUNT=10');
    expect(copy).toMatch(/\r\nEND:VCALENDAR\r\n$/);
    expect(copy.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    expect(markersOf(copy)).toEqual({ syncId: '7', instanceId: 'inst-1' });
  });

  it('replaces markers a source object already carries (an event that came from another push)', () => {
    const marked = calendar(event('x', ['DTSTART:20260101T100000Z', 'X-CALENDULA-SYNC-ID:1', 'X-CALENDULA-INSTANCE-ID:other', 'X-CALENDULA-SOURCE-UID:y']));
    const root = new ICAL.Component(ICAL.parse(syncCopy(marked, 'x', 2, 'me')));
    const e = root.getFirstSubcomponent('vevent')!;
    expect(e.getAllProperties('x-calendula-instance-id').map((p) => p.getFirstValue())).toEqual(['me']);
    expect(e.getAllProperties('x-calendula-sync-id').map((p) => p.getFirstValue())).toEqual(['2']);
  });

  it('marks organizer and attendees SCHEDULE-AGENT=CLIENT so the target sends no invitations', () => {
    const meeting = calendar(event('m', ['DTSTART:20260101T100000Z', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:b@example.org']));
    const e = new ICAL.Component(ICAL.parse(syncCopy(meeting, 'm', 1, 'i'))).getFirstSubcomponent('vevent')!;
    expect(e.getFirstProperty('organizer')?.getParameter('schedule-agent')).toBe('CLIENT');
    expect(e.getFirstProperty('attendee')?.getParameter('schedule-agent')).toBe('CLIENT');
    expect(e.getFirstProperty('attendee')?.getParameter('partstat')).toBe('ACCEPTED');
  });

  it('finds no markers in foreign or broken data', () => {
    expect(markersOf(calendar(event('x', ['DTSTART:20260101T100000Z'])))).toBeNull();
    expect(markersOf('not a calendar')).toBeNull();
    expect(derivedUid('a@b', 3, 'c')).toBe('a@b-3@c');
  });
});
