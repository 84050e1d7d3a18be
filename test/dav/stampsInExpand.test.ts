// Issue #23: CALDAV:expand withheld the calendar-data of stored objects whose DTSTAMP ical.js
// cannot read ("the recurrence could not be evaluated in time"), though a plain calendar-query
// answered them. A PUT refuses such a DTSTAMP today (RFC 5545 §3.3.5), so they come from an older
// version or an import without the value checks: these tests write them into the table behind the
// server's back, as that version did. An expanded instance is a copy of the component with its
// RECURRENCE-ID (RFC 4791 §9.6.5): its DTSTAMP is the stored one, whatever it says.
import { describe, expect, it } from 'vitest';
import { C, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, crlf, VTIMEZONES } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/sam/default/';
const JANUARY = 'start="20260101T000000Z" end="20260201T000000Z"';

/** A daily series of three in January 2026 with the given DTSTAMP line. */
function series(uid: string, type: 'VEVENT' | 'VTODO', stamp: string): string {
  return calendar([`BEGIN:${type}`, `UID:${uid}`, stamp, 'DTSTART:20260105T100000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=3', 'SUMMARY:Stamped', `END:${type}`]);
}

// The cases build on each other (objects stored by one are queried by the next): they keep
// their order when the suite runs shuffled.
describe('expand answers stored objects whatever their DTSTAMP', { shuffle: false }, () => {
  const server = useTestServer();
  const dav = server.user('sam');

  /** Stores `text` at `uri` as an older version did: a valid object PUT, then its text replaced in the table. */
  async function storeAsOlderVersion(uri: string, valid: string, text: string): Promise<void> {
    expect((await dav.put(`${CAL}${uri}`, valid)).status).toBe(201);
    await server.running.db.em().execute('update calendarobjects set calendardata = ? where uri = ?', [text, uri]);
  }

  function query(type: 'VEVENT' | 'VTODO', data: string): string {
    return `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/>${data}</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="${type}"><c:time-range ${JANUARY}/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
  }

  /** Each object's calendar-data (or its error element names) in a multistatus answer. */
  function answers(text: string): Map<string, { data: string; errors: string[] }> {
    const out = new Map<string, { data: string; errors: string[] }>();
    for (const [href, m] of parseMultistatus(text).members) {
      const prop = m.props.get(C('calendar-data'));
      out.set(href.slice(CAL.length), { data: prop && prop.status === 200 ? textIn(prop.el) : '', errors: m.error?.children.map((x) => x.name) ?? [] });
    }
    return out;
  }

  const lines = (data: string, name: string) => data.split(/\r?\n/).filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));

  it('a PUT refuses an unreadable DTSTAMP (so only an older version or an import could have stored one)', async () => {
    for (const stamp of ['DTSTAMP:garbage', 'DTSTAMP:2026']) {
      const res = await dav.put(`${CAL}refused.ics`, series('refused', 'VEVENT', stamp));
      expect(res.status).toBe(403);
      expect(parseErrorBody(res.text)).toContain(C('valid-calendar-data'));
    }
  });

  const STORED = ['DTSTAMP:garbage', 'DTSTAMP:2026', 'DTSTAMP:19970324T1200Z'];

  it('events and tasks stored by an older version with an unreadable DTSTAMP (written to the table): expand gives every instance, DTSTAMP as stored', async () => {
    for (const type of ['VEVENT', 'VTODO'] as const) {
      for (const [i, stamp] of STORED.entries()) {
        const uid = `${type.toLowerCase()}-${i}`;
        await storeAsOlderVersion(`${uid}.ics`, series(uid, type, 'DTSTAMP:20260101T000000Z'), series(uid, type, stamp));
      }
      const plain = answers((await dav.report(CAL, query(type, '<c:calendar-data/>'))).text);
      const expanded = answers((await dav.report(CAL, query(type, `<c:calendar-data><c:expand ${JANUARY}/></c:calendar-data>`))).text);
      for (const [i, stamp] of STORED.entries()) {
        const uri = `${type.toLowerCase()}-${i}.ics`;
        expect(plain.get(uri)?.data).toBe(series(`${type.toLowerCase()}-${i}`, type, stamp).trimEnd());
        const got = expanded.get(uri);
        expect(got?.errors, `${type} ${stamp}`).toEqual([]);
        expect(lines(got?.data ?? '', 'RECURRENCE-ID'), `${type} ${stamp}`).toEqual(['RECURRENCE-ID:20260105T100000Z', 'RECURRENCE-ID:20260106T100000Z', 'RECURRENCE-ID:20260107T100000Z']);
        expect(lines(got?.data ?? '', 'DTSTAMP'), `${type} ${stamp}`).toEqual([stamp, stamp, stamp]);
      }
    }
  });

  it('calendar-multiget with expand answers them too', async () => {
    const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data><c:expand ${JANUARY}/></c:calendar-data></d:prop><d:href>${CAL}vevent-0.ics</d:href><d:href>${CAL}vtodo-0.ics</d:href></c:calendar-multiget>`;
    const res = await dav.report(CAL, body);
    expect(res.status).toBe(207);
    for (const [, got] of answers(res.text)) {
      expect(got.errors).toEqual([]);
      expect(lines(got.data, 'DTSTAMP')).toEqual(['DTSTAMP:garbage', 'DTSTAMP:garbage', 'DTSTAMP:garbage']);
    }
  });

  it('a DTSTAMP a PUT accepts though RFC 5545 §3.8.7.2 wants UTC, or out of range, is expanded as stored, not moved', async () => {
    // Month 13, day 99 passes the DATE-TIME grammar; ical.js read it as 2027-04-09. A floating one was read in the request's zone.
    for (const [uid, stamp] of [
      ['month-13', 'DTSTAMP:20261399T000000Z'],
      ['floating', 'DTSTAMP:20260101T000000'],
    ]) {
      expect((await dav.put(`${CAL}${uid}.ics`, series(uid!, 'VEVENT', stamp!))).status).toBe(201);
    }
    const zone = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...VTIMEZONES['America/Los_Angeles']!.lines, 'END:VCALENDAR']);
    const res = await dav.report(
      CAL,
      query('VEVENT', `<c:calendar-data><c:expand ${JANUARY}/></c:calendar-data>`).replace('</c:filter>', `</c:filter><c:timezone><![CDATA[${zone}]]></c:timezone>`),
    );
    expect(res.status).toBe(207);
    const got = answers(res.text);
    expect(lines(got.get('month-13.ics')?.data ?? '', 'DTSTAMP')).toEqual(Array(3).fill('DTSTAMP:20261399T000000Z'));
    expect(lines(got.get('floating.ics')?.data ?? '', 'DTSTAMP')).toEqual(Array(3).fill('DTSTAMP:20260101T000000'));
  });
});
