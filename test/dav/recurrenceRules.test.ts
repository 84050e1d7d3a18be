// The recurrence cases of issue #23 over the wire: each rule's instances through calendar-query
// with expand, as a client sees them. The expected dates are worked out from RFC 5545 §3.3.10
// (ISO weeks start on Monday, week 1 holds the year's first Thursday; invalid dates are ignored)
// and §3.8.5.1 (EXDATE), not taken from our output.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { C, calendarQuery, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';

describe('recurrence rules RFC 5545 defines, over CalDAV', () => {
  const server = useTestServer();
  const dav = server.user('rita');
  let n = 0;
  /** PUTs one event and gives the starts (UTC) of its instances in the window, as expand returns them. */
  const starts = async (props: string[], start: string, end: string): Promise<string[]> => {
    const name = `rule-${++n}.ics`;
    const put = await dav.put(`${CAL}${name}`, calendar(event(`rule-${n}`, [...props, 'DURATION:PT1H'])));
    expect(put.status).toBe(201);
    const res = await dav.report(
      CAL,
      calendarQuery(
        `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="UID"><c:text-match collation="i;octet">rule-${n}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`,
        `<c:calendar-data><c:expand start="${start}" end="${end}"/></c:calendar-data>`,
      ),
    );
    expect(res.status).toBe(207);
    const member = parseMultistatus(res.text).members.get(`${CAL}${name}`);
    const data = textIn(member!.props.get(C('calendar-data'))!.el);
    return new ICAL.Component(ICAL.parse(data) as never).getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('dtstart')).slice(0, 10));
  };

  it('BYWEEKNO selects ISO weeks: Monday of week 20, and Thursdays of the first and last weeks', async () => {
    expect(await starts(['DTSTART:20260101T090000Z', 'RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO'], '20260101T000000Z', '20290101T000000Z')).toEqual(['2026-05-11', '2027-05-17', '2028-05-15']);
    // 2026 has 53 weeks (it starts on a Thursday): week 53 holds 31 December.
    expect(await starts(['DTSTART:20260101T090000Z', 'RRULE:FREQ=YEARLY;BYWEEKNO=1,-1;BYDAY=TH'], '20260101T000000Z', '20280101T000000Z')).toEqual([
      '2026-01-01',
      '2026-12-31',
      '2027-01-07',
      '2027-12-30',
    ]);
    // Week 53 exists only in years that have it (2026, 2032 between these).
    expect(await starts(['DTSTART:20260101T090000Z', 'RRULE:FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO'], '20260101T000000Z', '20330101T000000Z')).toEqual(['2026-12-28', '2032-12-27']);
  });

  it('YEARLY;BYDAY=20MO is the 20th Monday of each year, not every Monday', async () => {
    expect(await starts(['DTSTART:20260518T090000Z', 'RRULE:FREQ=YEARLY;BYDAY=20MO'], '20260101T000000Z', '20290101T000000Z')).toEqual(['2026-05-18', '2027-05-17', '2028-05-15']);
  });

  it('skips dates that do not exist, in a list of months too', async () => {
    // 30 January in both months: February has none, and nothing moves to 1 March.
    expect(await starts(['DTSTART:20260130T090000Z', 'RRULE:FREQ=YEARLY;BYMONTH=1,2;BYMONTHDAY=30'], '20260101T000000Z', '20280101T000000Z')).toEqual(['2026-01-30', '2027-01-30']);
    expect(await starts(['DTSTART:20260131T090000Z', 'RRULE:FREQ=MONTHLY;COUNT=4'], '20260101T000000Z', '20270101T000000Z')).toEqual(['2026-01-31', '2026-03-31', '2026-05-31', '2026-07-31']);
  });

  it('compares a UTC EXDATE and UNTIL with a series in an IANA zone the object gives no VTIMEZONE for, as instants', async () => {
    // 10:00 Berlin is 09:00Z in winter: the EXDATE removes 6 January, UNTIL keeps 8 January (inclusive).
    expect(
      await starts(['DTSTART;TZID=Europe/Berlin:20260105T100000', 'RRULE:FREQ=DAILY;UNTIL=20260108T090000Z', 'EXDATE:20260106T090000Z'], '20260101T000000Z', '20260201T000000Z'),
    ).toEqual(['2026-01-05', '2026-01-07', '2026-01-08']);
  });
});
