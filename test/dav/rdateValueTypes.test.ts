// RDATE and EXDATE in every value type RFC 5545 allows (§3.8.5.1, §3.8.5.2): PERIOD (start/end
// and start/duration), DATE, DATE-TIME, lists, and a TZID other than DTSTART's. Each is stored,
// found by time-range queries at its own instants, and expanded with its own end. The instants
// below are worked out by hand from the RFC, not taken from our output.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { C, calendarQuery, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';

// The cases build on each other (objects stored by one are queried by the next): they keep
// their order when the suite runs shuffled.
describe('RDATE and EXDATE value types over CalDAV', { shuffle: false }, () => {
  const server = useTestServer();
  const dav = server.user('rita');
  const hrefs = (text: string) => [...parseMultistatus(text).members.keys()].map((h) => h.split('/').pop()).sort();
  const q = async (start: string, end: string) =>
    hrefs((await dav.report(CAL, calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter>`))).text);

  it('stores RDATE;VALUE=PERIOD in both forms (a Zimbra export writes them) and gives each instance its period', async () => {
    // 12-01 09:00-10:00Z (DTSTART), 12-03 09:00-12:30Z (start/end), 12-05 09:00-11:00Z (start/PT2H).
    const put = await dav.put(
      `${CAL}period.ics`,
      calendar(event('period', ['DTSTART:20261201T090000Z', 'DTEND:20261201T100000Z', 'RRULE:FREQ=DAILY;COUNT=1', 'RDATE;VALUE=PERIOD:20261203T090000Z/20261203T123000Z', 'RDATE;VALUE=PERIOD:20261205T090000Z/PT2H', 'SUMMARY:Workshop'])),
    );
    expect(put.status).toBe(201);
    expect((await dav.request('GET', `${CAL}period.ics`)).text).toContain('RDATE;VALUE=PERIOD:20261203T090000Z/20261203T123000Z');
    expect(await q('20261201T093000Z', '20261201T094500Z')).toEqual(['period.ics']);
    // Inside the periods, after DTSTART's one hour would have ended.
    expect(await q('20261203T120000Z', '20261203T121000Z')).toEqual(['period.ics']);
    expect(await q('20261205T103000Z', '20261205T104500Z')).toEqual(['period.ics']);
    // Just after each period.
    expect(await q('20261203T123000Z', '20261203T130000Z')).toEqual([]);
    expect(await q('20261205T110000Z', '20261205T113000Z')).toEqual([]);
  });

  it('expands a period instance with DTSTART and DTEND of its period, and finds a list of periods', async () => {
    const res = await dav.report(
      CAL,
      calendarQuery(
        '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match>Workshop</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>',
        '<c:calendar-data><c:expand start="20261202T000000Z" end="20261206T000000Z"/></c:calendar-data>',
      ),
    );
    const data = textIn(parseMultistatus(res.text).members.get(`${CAL}period.ics`)!.props.get(C('calendar-data'))!.el);
    const events = new ICAL.Component(ICAL.parse(data) as never).getAllSubcomponents('vevent');
    const times = events.map((e) => ['dtstart', 'dtend', 'recurrence-id'].map((n) => String(e.getFirstPropertyValue(n))));
    expect(times).toEqual([
      ['2026-12-03T09:00:00Z', '2026-12-03T12:30:00Z', '2026-12-03T09:00:00Z'],
      ['2026-12-05T09:00:00Z', '2026-12-05T11:00:00Z', '2026-12-05T09:00:00Z'],
    ]);
    expect(data).not.toContain('RDATE');

    const list = await dav.put(
      `${CAL}periods.ics`,
      calendar(event('periods', ['DTSTART:20270104T080000Z', 'DURATION:PT30M', 'RRULE:FREQ=DAILY;COUNT=1', 'RDATE;VALUE=PERIOD:20270106T080000Z/PT3H,20270108T080000Z/20270108T090000Z'])),
    );
    expect(list.status).toBe(201);
    expect(await q('20270106T103000Z', '20270106T104500Z')).toEqual(['periods.ics']);
    expect(await q('20270108T084500Z', '20270108T085000Z')).toEqual(['periods.ics']);
    expect(await q('20270108T090000Z', '20270108T100000Z')).toEqual([]);
  });

  it('reads a period with a TZID in that zone', async () => {
    // 2027-02-01 09:00 Berlin (CET, +01:00) is 08:00Z; one hour.
    const put = await dav.put(
      `${CAL}period-zone.ics`,
      calendar(event('period-zone', ['DTSTART;TZID=Europe/Berlin:20270129T090000', 'DTEND;TZID=Europe/Berlin:20270129T093000', 'RRULE:FREQ=DAILY;COUNT=1', 'RDATE;VALUE=PERIOD;TZID=Europe/Berlin:20270201T090000/PT1H'])),
    );
    expect(put.status).toBe(201);
    expect(await q('20270201T083000Z', '20270201T084500Z')).toEqual(['period-zone.ics']);
    expect(await q('20270201T090000Z', '20270201T100000Z')).toEqual([]);
  });

  it('reads RDATE and EXDATE date-times with a TZID other than DTSTART’s in their own zone', async () => {
    // Daily at 14:00Z; EXDATE 09:00 New York (EST, -05:00) is 14:00Z on 03-02: that day is left
    // out. RDATE 09:00 New York on 03-10 is 14:00Z, not 09:00Z.
    const put = await dav.put(
      `${CAL}other-zone.ics`,
      calendar(event('other-zone', ['DTSTART:20270301T140000Z', 'DURATION:PT15M', 'RRULE:FREQ=DAILY;COUNT=3', 'EXDATE;TZID=America/New_York:20270302T090000', 'RDATE;TZID=America/New_York:20270310T090000'])),
    );
    expect(put.status).toBe(201);
    expect(await q('20270301T000000Z', '20270302T000000Z')).toEqual(['other-zone.ics']);
    expect(await q('20270302T000000Z', '20270303T000000Z')).toEqual([]);
    expect(await q('20270303T000000Z', '20270304T000000Z')).toEqual(['other-zone.ics']);
    expect(await q('20270310T140000Z', '20270310T140500Z')).toEqual(['other-zone.ics']);
    expect(await q('20270310T083000Z', '20270310T093000Z')).toEqual([]);
  });

  it('stores DATE lists, DATE RDATEs beside DATE-TIMEs and DATE EXDATEs', async () => {
    const allDay = await dav.put(
      `${CAL}dates.ics`,
      calendar(event('dates', ['DTSTART;VALUE=DATE:20270401', 'RRULE:FREQ=YEARLY;COUNT=1', 'RDATE;VALUE=DATE:20270405,20270407'])),
    );
    expect(allDay.status).toBe(201);
    // All-day dates are read in UTC here (no calendar-timezone): 04-05 is [04-05T00:00Z, 04-06T00:00Z).
    expect(await q('20270405T120000Z', '20270405T130000Z')).toEqual(['dates.ics']);
    expect(await q('20270406T120000Z', '20270406T130000Z')).toEqual([]);
    expect(await q('20270407T120000Z', '20270407T130000Z')).toEqual(['dates.ics']);
    const mixed = await dav.put(
      `${CAL}mixed.ics`,
      calendar(event('mixed', ['DTSTART:20270501T100000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=3', 'EXDATE;VALUE=DATE:20270502', 'RDATE:20270510T100000Z,20270511T100000Z'])),
    );
    expect(mixed.status).toBe(201);
    expect(await q('20270502T000000Z', '20270503T000000Z')).toEqual([]);
    expect(await q('20270503T100000Z', '20270503T103000Z')).toEqual(['mixed.ics']);
    expect(await q('20270511T100000Z', '20270511T103000Z')).toEqual(['mixed.ics']);
  });

  it('refuses a period that ends after the year 9999 with valid-calendar-data, never a 500', async () => {
    for (const period of ['20261203T090000Z/P99999999W', '99991231T090000Z/P2D']) {
      const res = await dav.put(`${CAL}bad-period.ics`, calendar(event('bad-period', ['DTSTART:20261201T090000Z', 'DTEND:20261201T100000Z', `RDATE;VALUE=PERIOD:${period}`])));
      expect(res.status, period).toBe(403);
      expect(parseErrorBody(res.text)).toContain(C('valid-calendar-data'));
    }
    expect((await dav.request('GET', `${CAL}bad-period.ics`)).status).toBe(404);
  });
});
