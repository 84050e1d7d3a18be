// An object holding only an override (RECURRENCE-ID, no master) is what an organizer sends an
// attendee invited to one occurrence. However far ahead that occurrence lies, time-range queries
// find it at its own DTSTART/DTEND (issue 22, item 5: beyond the three years of stored instance
// spans it used to be indexed without bounds, and no query found it).
import { describe, expect, it } from 'vitest';
import { calendarQuery, parseMultistatus } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';

describe('an invitation to one far occurrence', () => {
  const server = useTestServer();
  const dav = server.user('rita');
  const hrefs = (text: string) => [...parseMultistatus(text).members.keys()].map((h) => h.split('/').pop()).sort();
  const q = async (comp: string, start: string, end: string) =>
    hrefs((await dav.report(CAL, calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="${comp}"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter>`))).text);

  for (const yearsAhead of [2, 5, 40]) {
    it(`finds an override-only event ${yearsAhead} years ahead at its own time, and only there`, async () => {
      const y = new Date().getUTCFullYear() + yearsAhead;
      const uid = `far-${yearsAhead}`;
      // The occurrence of 09:00Z moved to 10:00-11:00Z.
      const put = await dav.put(
        `${CAL}${uid}.ics`,
        calendar(event(uid, [`RECURRENCE-ID:${y}0612T090000Z`, `DTSTART:${y}0612T100000Z`, `DTEND:${y}0612T110000Z`, 'SUMMARY:One occurrence', 'ORGANIZER:mailto:olga@example.com', 'ATTENDEE:mailto:rita@example.com'])),
      );
      expect(put.status).toBe(201);
      expect(await q('VEVENT', `${y}0612T103000Z`, `${y}0612T104500Z`)).toEqual([`${uid}.ics`]);
      expect(await q('VEVENT', `${y}0101T000000Z`, `${y + 1}0101T000000Z`)).toEqual([`${uid}.ics`]);
      // Its original time, and the hour after it.
      expect(await q('VEVENT', `${y}0612T090000Z`, `${y}0612T100000Z`)).toEqual([]);
      expect(await q('VEVENT', `${y}0612T110000Z`, `${y}0612T120000Z`)).toEqual([]);
      await dav.request('DELETE', `${CAL}${uid}.ics`);
    });
  }

  it('finds an override-only task six years ahead', async () => {
    const y = new Date().getUTCFullYear() + 6;
    await dav.request('MKCALENDAR', '/dav/calendars/rita/tasks/', {
      body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
    });
    const put = await dav.put(
      '/dav/calendars/rita/tasks/far-task.ics',
      calendar(['BEGIN:VTODO', 'UID:far-task', 'DTSTAMP:20260101T000000Z', `RECURRENCE-ID:${y}0301T090000Z`, `DTSTART:${y}0301T090000Z`, `DUE:${y}0301T170000Z`, 'END:VTODO']),
    );
    expect(put.status).toBe(201);
    const res = await dav.report(
      '/dav/calendars/rita/tasks/',
      calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:time-range start="${y}0301T120000Z" end="${y}0301T130000Z"/></c:comp-filter></c:comp-filter>`),
    );
    expect(hrefs(res.text)).toEqual(['far-task.ics']);
  });
});
