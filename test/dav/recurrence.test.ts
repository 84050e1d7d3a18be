// Recurrence and time-zone cases over HTTP. Expected instants are worked out from RFC 5545/4791
// by hand in the comments, not taken from our output.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { calendarQuery, parseMultistatus } from '../helpers/dav.ts';
import { calendar, crlf, event, todo } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';
const TASKS = '/dav/calendars/rita/tasks/';
const AUCKLAND = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VTIMEZONE', 'TZID:Pacific/Auckland', 'BEGIN:STANDARD', 'DTSTART:19700405T030000', 'TZOFFSETFROM:+1300', 'TZOFFSETTO:+1200', 'END:STANDARD', 'END:VTIMEZONE', 'END:VCALENDAR']);

describe('recurrence and time zones', () => {
  const server = useTestServer();
  const dav = server.user('rita');
  const q = async (path: string, comp: string, start: string, end: string) => {
    const res = await dav.report(path, calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="${comp}"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter>`));
    return [...parseMultistatus(res.text).members.keys()].map((h) => h.split('/').pop()).sort();
  };

  beforeAll(async () => {
    // Second Tuesday of each month, 09:00 New York, 6 times from 2026-02-10 (no VTIMEZONE sent:
    // the IANA zone is used). 04-14 excluded; 05-12 moved to 05-13 09:00.
    await dav.put(
      `${CAL}monthly.ics`,
      calendar([
        ...event('monthly', ['DTSTART;TZID=America/New_York:20260210T090000', 'DURATION:PT1H', 'RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=6', 'EXDATE;TZID=America/New_York:20260414T090000']),
        ...event('monthly', ['RECURRENCE-ID;TZID=America/New_York:20260512T090000', 'DTSTART;TZID=America/New_York:20260513T090000', 'DURATION:PT1H']),
      ]),
    );
    await dav.put(`${CAL}allday.ics`, calendar(event('allday', ['DTSTART;VALUE=DATE:20260115', 'DTEND;VALUE=DATE:20260116'])));
    await dav.put(`${CAL}floating.ics`, calendar(event('floating', ['DTSTART:20260120T230000', 'DURATION:PT30M'])));
    await dav.put(`${CAL}birthday.ics`, calendar(event('birthday', ['DTSTART;VALUE=DATE:19900315', 'RRULE:FREQ=YEARLY', 'SUMMARY:Birthday'])));
    await dav.request('MKCALENDAR', TASKS, {
      body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
    });
    await dav.put(`${TASKS}due-only.ics`, calendar(todo('due-only', ['DUE:20260301T170000Z'])));
    await dav.put(`${TASKS}start-only.ics`, calendar(todo('start-only', ['DTSTART:20260305T090000Z'])));
    await dav.put(`${TASKS}neither.ics`, calendar(todo('neither', ['SUMMARY:Someday'])));
  });

  it('follows the DST change in New York: 02-10 at 14:00Z (EST), 03-10 at 13:00Z (EDT)', async () => {
    expect(await q(CAL, 'VEVENT', '20260210T140000Z', '20260210T143000Z')).toEqual(['monthly.ics']);
    expect(await q(CAL, 'VEVENT', '20260310T130000Z', '20260310T133000Z')).toEqual(['monthly.ics']);
    expect(await q(CAL, 'VEVENT', '20260310T140000Z', '20260310T150000Z')).toEqual([]);
  });

  it('skips the EXDATE and follows the moved instance of the monthly rule', async () => {
    expect(await q(CAL, 'VEVENT', '20260414T000000Z', '20260415T000000Z')).toEqual([]);
    expect(await q(CAL, 'VEVENT', '20260512T000000Z', '20260513T000000Z')).toEqual([]);
    expect(await q(CAL, 'VEVENT', '20260513T130000Z', '20260513T140000Z')).toEqual(['monthly.ics']);
    // COUNT=6: 02-10, 03-10, (04-14 excluded but counted), 05-13, 06-09, 07-14; nothing in August.
    expect(await q(CAL, 'VEVENT', '20260714T130000Z', '20260714T133000Z')).toEqual(['monthly.ics']);
    expect(await q(CAL, 'VEVENT', '20260801T000000Z', '20260901T000000Z')).toEqual([]);
  });

  it('finds an open-ended yearly series decades later', async () => {
    expect(await q(CAL, 'VEVENT', '20400315T000000Z', '20400316T000000Z')).toEqual(['birthday.ics']);
    expect(await q(CAL, 'VEVENT', '20400316T000000Z', '20400317T000000Z')).toEqual([]);
  });

  it('reads all-day and floating times in UTC by default, and in the calendar-timezone once it is set', async () => {
    // All-day 01-15 in UTC is [01-15T00:00Z, 01-16T00:00Z); the floating 23:00 is 23:00Z.
    expect(await q(CAL, 'VEVENT', '20260114T120000Z', '20260114T130000Z')).toEqual([]);
    expect(await q(CAL, 'VEVENT', '20260120T230000Z', '20260120T231500Z')).toEqual(['floating.ics']);
    const pp = await dav.request('PROPPATCH', CAL, {
      body: `<d:propertyupdate xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:calendar-timezone><![CDATA[${AUCKLAND}]]></c:calendar-timezone></d:prop></d:set></d:propertyupdate>`,
    });
    expect(pp.text).toContain('200 OK');
    // In Auckland (UTC+13 in January) 01-15 is [01-14T11:00Z, 01-15T11:00Z) and 01-20 23:00 is 10:00Z.
    expect(await q(CAL, 'VEVENT', '20260114T120000Z', '20260114T130000Z')).toEqual(['allday.ics']);
    expect(await q(CAL, 'VEVENT', '20260120T100000Z', '20260120T101500Z')).toEqual(['floating.ics']);
    expect(await q(CAL, 'VEVENT', '20260120T230000Z', '20260120T231500Z')).toEqual([]);
  });

  it('applies the VTODO rows: DUE only, DTSTART only, neither (always)', async () => {
    expect(await q(TASKS, 'VTODO', '20260301T000000Z', '20260302T000000Z')).toEqual(['due-only.ics', 'neither.ics']);
    expect(await q(TASKS, 'VTODO', '20260305T090000Z', '20260305T100000Z')).toEqual(['neither.ics', 'start-only.ics']);
    expect(await q(TASKS, 'VTODO', '20300101T000000Z', '20300102T000000Z')).toEqual(['neither.ics']);
  });
});
