// RANGE=THISANDFUTURE (RFC 5545 §3.2.13, §3.8.4.4): an override whose RECURRENCE-ID carries it
// applies to its own instance and every later one; when it moves the start, each later instance
// moves by as much. Outlook and Evolution write such overrides when "this and following" is
// edited. The expected instants are worked out by hand from the RFC.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { C, calendarQuery, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';

describe('RANGE=THISANDFUTURE over CalDAV', () => {
  const server = useTestServer();
  const dav = server.user('rita');
  const hrefs = (text: string) => [...parseMultistatus(text).members.keys()].map((h) => h.split('/').pop()).sort();
  const q = async (start: string, end: string) =>
    hrefs((await dav.report(CAL, calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter>`))).text);
  const expand = async (name: string, start: string, end: string) => {
    const res = await dav.report(
      CAL,
      calendarQuery(
        `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter>`,
        `<c:calendar-data><c:expand start="${start}" end="${end}"/></c:calendar-data>`,
      ),
    );
    expect(res.status).toBe(207);
    const data = textIn(parseMultistatus(res.text).members.get(`${CAL}${name}`)!.props.get(C('calendar-data'))!.el);
    return new ICAL.Component(ICAL.parse(data) as never).getAllSubcomponents('vevent').map((e) => ({
      start: String(e.getFirstPropertyValue('dtstart')),
      end: String(e.getFirstPropertyValue('dtend')),
      rid: String(e.getFirstPropertyValue('recurrence-id')),
      summary: String(e.getFirstPropertyValue('summary')),
      range: e.getFirstProperty('recurrence-id')?.getParameter('range') ?? null,
    }));
  };

  it('moves this and every later instance when the override says THISANDFUTURE, and takes its properties', async () => {
    // Daily 10:00-11:00Z from 1 June; from 3 June on: 14:00-15:30Z, "Moved".
    const put = await dav.put(
      `${CAL}future.ics`,
      calendar([
        ...event('future', ['DTSTART:20260601T100000Z', 'DTEND:20260601T110000Z', 'RRULE:FREQ=DAILY;COUNT=5', 'SUMMARY:Daily']),
        ...event('future', ['RECURRENCE-ID;RANGE=THISANDFUTURE:20260603T100000Z', 'DTSTART:20260603T140000Z', 'DTEND:20260603T153000Z', 'SUMMARY:Moved']),
      ]),
    );
    expect(put.status).toBe(201);
    expect(await expand('future.ics', '20260601T000000Z', '20260606T000000Z')).toEqual([
      { start: '2026-06-01T10:00:00Z', end: '2026-06-01T11:00:00Z', rid: '2026-06-01T10:00:00Z', summary: 'Daily', range: null },
      { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', rid: '2026-06-02T10:00:00Z', summary: 'Daily', range: null },
      { start: '2026-06-03T14:00:00Z', end: '2026-06-03T15:30:00Z', rid: '2026-06-03T10:00:00Z', summary: 'Moved', range: null },
      { start: '2026-06-04T14:00:00Z', end: '2026-06-04T15:30:00Z', rid: '2026-06-04T10:00:00Z', summary: 'Moved', range: null },
      { start: '2026-06-05T14:00:00Z', end: '2026-06-05T15:30:00Z', rid: '2026-06-05T10:00:00Z', summary: 'Moved', range: null },
    ]);
    // time-range sees the moved instances where they are now, not where the rule put them.
    expect(await q('20260604T100000Z', '20260604T110000Z')).toEqual([]);
    expect(await q('20260604T150000Z', '20260604T151500Z')).toEqual(['future.ics']);
    expect(await q('20260602T100000Z', '20260602T110000Z')).toEqual(['future.ics']);
  });

  it('keeps the local time across a daylight-saving change, and lets a later plain override win for its own instance', async () => {
    // Weekly on Mondays 10:00 Berlin from 16 March; from 23 March on at 14:00 Berlin. Summer time
    // starts on 29 March 2026: 23 March 14:00 is 13:00Z, 30 March and 6 April 14:00 are 12:00Z.
    // 6 April has its own override (16:00 Berlin, 14:00Z).
    const put = await dav.put(
      `${CAL}berlin.ics`,
      calendar([
        ...event('berlin', ['DTSTART;TZID=Europe/Berlin:20260316T100000', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=5', 'SUMMARY:Weekly']),
        ...event('berlin', ['RECURRENCE-ID;TZID=Europe/Berlin;RANGE=THISANDFUTURE:20260323T100000', 'DTSTART;TZID=Europe/Berlin:20260323T140000', 'DURATION:PT1H', 'SUMMARY:Afternoon']),
        ...event('berlin', ['RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000', 'DTSTART;TZID=Europe/Berlin:20260406T160000', 'DURATION:PT1H', 'SUMMARY:Once later']),
      ]),
    );
    expect(put.status).toBe(201);
    const got = await expand('berlin.ics', '20260316T000000Z', '20260420T000000Z');
    expect(got.map((e) => [e.start, e.rid, e.summary])).toEqual([
      ['2026-03-16T09:00:00Z', '2026-03-16T09:00:00Z', 'Weekly'],
      ['2026-03-23T13:00:00Z', '2026-03-23T09:00:00Z', 'Afternoon'],
      ['2026-03-30T12:00:00Z', '2026-03-30T08:00:00Z', 'Afternoon'],
      ['2026-04-06T14:00:00Z', '2026-04-06T08:00:00Z', 'Once later'],
      ['2026-04-13T12:00:00Z', '2026-04-13T08:00:00Z', 'Afternoon'],
    ]);
    expect(await q('20260413T080000Z', '20260413T090000Z')).toEqual([]);
    expect(await q('20260413T120000Z', '20260413T121500Z')).toEqual(['berlin.ics']);
  });
});
