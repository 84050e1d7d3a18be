import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { C, D, calendarQuery, parseErrorBody, parseMultistatus, syncCollection, textIn } from '../helpers/dav.ts';
import { calendar, event, todo, WEEKLY_BERLIN } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/alice/mixed/';
const vevent = (range: string) => `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">${range}</c:comp-filter></c:comp-filter>`;

describe('REPORTs', () => {
  const server = useTestServer();
  const alice = server.user('alice', { email: 'alice@example.org', displayName: 'Alice Doe' });
  server.user('bob', { email: 'bob@example.org', displayName: 'Bob Roe' });
  beforeAll(async () => {
    const mk = `<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VEVENT"/><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`;
    expect((await alice.request('MKCALENDAR', CAL, { body: mk })).status).toBe(201);
    await alice.put(`${CAL}weekly.ics`, WEEKLY_BERLIN);
    await alice.put(`${CAL}single.ics`, calendar(event('single', ['DTSTART:20260301T120000Z', 'DTEND:20260301T130000Z', 'SUMMARY:Lunch'])));
    await alice.put(`${CAL}old.ics`, calendar(event('old', ['DTSTART:20200101T120000Z', 'DTEND:20200101T130000Z'])));
    await alice.put(`${CAL}allday.ics`, calendar(event('allday', ['DTSTART;VALUE=DATE:20260302', 'DTEND;VALUE=DATE:20260303', 'STATUS:TENTATIVE'])));
    await alice.put(`${CAL}open.ics`, calendar(todo('open', ['DUE:20260310T170000Z', 'SUMMARY:Report'])));
    await alice.put(`${CAL}done.ics`, calendar(todo('done', ['COMPLETED:20260105T100000Z', 'SUMMARY:Done'])));
  });

  const hrefs = (text: string) => [...parseMultistatus(text).members.keys()].map((h) => h.slice(CAL.length)).sort();

  it('calendar-query with both bounds (Evolution, Outlook CDS) finds recurring instances, honouring EXDATE and overrides', async () => {
    const res = await alice.report(CAL, calendarQuery(vevent('<c:time-range start="20260119T000000Z" end="20260120T000000Z"/>')));
    expect(res.status).toBe(207);
    expect(hrefs(res.text)).toEqual([]); // the 19th is excluded
    const moved = await alice.report(CAL, calendarQuery(vevent('<c:time-range start="20260126T130000Z" end="20260126T150000Z"/>')));
    expect(hrefs(moved.text)).toEqual(['weekly.ics']);
    const march = await alice.report(CAL, calendarQuery(vevent('<c:time-range start="20260301T000000Z" end="20260401T000000Z"/>')));
    expect(hrefs(march.text)).toEqual(['allday.ics', 'single.ics', 'weekly.ics']);
  });

  it('calendar-query with only a start (DAVx5 past-days limit) reaches into the future', async () => {
    const res = await alice.report(CAL, calendarQuery(vevent('<c:time-range start="20250101T000000Z"/>')));
    expect(hrefs(res.text)).toEqual(['allday.ics', 'single.ics', 'weekly.ics']);
  });

  it('calendar-query for tasks without a range (tasks.org, DAVx5 tasks) and for open tasks', async () => {
    const all = await alice.report(CAL, calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"/></c:comp-filter>'));
    expect(hrefs(all.text)).toEqual(['done.ics', 'open.ics']);
    const open = await alice.report(
      CAL,
      calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:prop-filter name="COMPLETED"><c:is-not-defined/></c:prop-filter></c:comp-filter></c:comp-filter>'),
    );
    expect(hrefs(open.text)).toEqual(['open.ics']);
  });

  it('treats Depth 0 on a calendar as 1 (Microsoft clients)', async () => {
    // The weekly series' instance on 03-02 starts at 09:00Z, after this range.
    const res = await alice.report(CAL, calendarQuery(vevent('<c:time-range start="20260301T000000Z" end="20260302T000000Z"/>')), '0');
    expect(hrefs(res.text)).toEqual(['single.ics']);
  });

  it('returns calendar-data as stored, or expanded in UTC with RECURRENCE-IDs', async () => {
    const plain = await alice.report(CAL, calendarQuery(vevent('<c:time-range start="20260301T120000Z" end="20260301T120001Z"/>'), '<d:getetag/><c:calendar-data/>'));
    const lunch = parseMultistatus(plain.text).members.get(`${CAL}single.ics`)!;
    expect(textIn(lunch.props.get(C('calendar-data'))!.el)).toContain('SUMMARY:Lunch');
    expect(lunch.props.get(C('calendar-data'))!.el.text).toContain('\r\n');
    const expanded = await alice.report(
      CAL,
      calendarQuery(
        vevent('<c:time-range start="20260110T000000Z" end="20260203T000000Z"/>'),
        '<c:calendar-data><c:expand start="20260110T000000Z" end="20260203T000000Z"/></c:calendar-data>',
      ),
    );
    const data = textIn(parseMultistatus(expanded.text).members.get(`${CAL}weekly.ics`)!.props.get(C('calendar-data'))!.el);
    const root = new ICAL.Component(ICAL.parse(data) as never);
    expect(root.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('dtstart')!.toString())).toEqual([
      '2026-01-12T09:00:00Z',
      '2026-01-26T14:00:00Z',
      '2026-02-02T09:00:00Z',
    ]);
  });

  it('text-match with collations and an unknown collation', async () => {
    const q = (tm: string) =>
      alice.report(CAL, calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY">${tm}</c:prop-filter></c:comp-filter></c:comp-filter>`));
    expect(hrefs((await q('<c:text-match>lunch</c:text-match>')).text)).toEqual(['single.ics']);
    expect(hrefs((await q('<c:text-match collation="i;octet">lunch</c:text-match>')).text)).toEqual([]);
    // RFC 4791 §9.7.2: a prop-filter needs the property; events without SUMMARY do not match either way.
    expect(hrefs((await q('<c:text-match negate-condition="yes">lunch</c:text-match>')).text)).toEqual(['weekly.ics']);
    const bad = await q('<c:text-match collation="i;klingon">x</c:text-match>');
    expect(bad.status).toBe(403);
    expect(parseErrorBody(bad.text)).toContain(C('supported-collation'));
  });

  it('refuses a filter without the VCALENDAR comp-filter and a bad time-range (valid-filter)', async () => {
    const noCal = await alice.report(CAL, calendarQuery('<c:comp-filter name="VEVENT"/>'));
    expect(noCal.status).toBe(403);
    expect(parseErrorBody(noCal.text)).toContain(C('valid-filter'));
    const badRange = await alice.report(CAL, calendarQuery(vevent('<c:time-range start="yesterday"/>')));
    expect(badRange.status).toBe(403);
  });

  it('calendar-multiget returns every asked object in one answer and 404 for missing ones, whatever the Depth', async () => {
    const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>
      <d:href>${CAL}single.ics</d:href><d:href>${CAL}open.ics</d:href><d:href>${CAL}missing.ics</d:href><d:href>http://example.org${CAL}old.ics</d:href></c:calendar-multiget>`;
    for (const depth of ['1', '0', null]) {
      const res = await alice.report(CAL, body, depth);
      const { members } = parseMultistatus(res.text);
      expect(members.get(`${CAL}single.ics`)!.props.get(D('getetag'))!.status).toBe(200);
      expect(textIn(members.get(`${CAL}open.ics`)!.props.get(C('calendar-data'))!.el)).toContain('UID:open');
      expect(members.get(`${CAL}missing.ics`)!.status).toBe(404);
      expect(members.get(`${CAL}old.ics`)!.props.get(D('getetag'))!.status).toBe(200);
    }
  });

  it('free-busy-query answers a VFREEBUSY with busy and tentative time', async () => {
    const res = await alice.report(
      CAL,
      '<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav"><c:time-range start="20260301T000000Z" end="20260303T000000Z"/></c:free-busy-query>',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const fb = new ICAL.Component(ICAL.parse(res.text) as never).getFirstSubcomponent('vfreebusy')!;
    const periods = fb.getAllProperties('freebusy').map((p) => `${p.getParameter('fbtype') ?? 'BUSY'} ${p.getFirstValue()!.toString()}`);
    expect(periods).toEqual(['BUSY 2026-03-01T12:00:00Z/2026-03-01T13:00:00Z', 'BUSY 2026-03-02T09:00:00Z/2026-03-02T10:00:00Z', 'BUSY-TENTATIVE 2026-03-02T00:00:00Z/2026-03-03T00:00:00Z']);
  });

  describe('sync-collection', () => {
    /** A calendar of its own for each case, holding a.ics and b.ics. */
    const syncCalendar = async (name: string) => {
      const path = `/dav/calendars/alice/${name}/`;
      expect((await alice.request('MKCALENDAR', path)).status).toBe(201);
      expect((await alice.put(`${path}a.ics`, calendar(event(`${name}-a`, ['DTSTART:20260101T000000Z'])))).status).toBe(201);
      expect((await alice.put(`${path}b.ics`, calendar(event(`${name}-b`, ['DTSTART:20260102T000000Z'])))).status).toBe(201);
      return path;
    };
    const initialToken = async (path: string) => parseMultistatus((await alice.report(path, syncCollection(''))).text).syncToken!;

    it('an empty token lists every member with getetag and returns a URI token (Depth 1 as Thunderbird sends, 0 as DAVx5)', async () => {
      const SYNC = await syncCalendar('sync-initial');
      for (const depth of ['1', '0']) {
        const res = await alice.report(SYNC, syncCollection(''), depth);
        expect(res.status).toBe(207);
        const ms = parseMultistatus(res.text);
        expect([...ms.members.keys()].sort()).toEqual([`${SYNC}a.ics`, `${SYNC}b.ics`]);
        for (const m of ms.members.values()) expect(textIn(m.props.get(D('getetag'))!.el)).toMatch(/^"[0-9a-f]+"$/);
        expect(ms.syncToken).toMatch(/^https?:\/\//);
      }
    });

    it('a token gives what changed since: changed members with getetag, removed ones as 404', async () => {
      const SYNC = await syncCalendar('sync-delta');
      const token = await initialToken(SYNC);
      await alice.put(`${SYNC}a.ics`, calendar(event('sync-delta-a', ['DTSTART:20260101T000000Z', 'SUMMARY:changed'])));
      await alice.request('DELETE', `${SYNC}b.ics`);
      await alice.put(`${SYNC}c.ics`, calendar(event('sync-delta-c', ['DTSTART:20260103T000000Z'])));
      const res = await alice.report(SYNC, syncCollection(token));
      const ms = parseMultistatus(res.text);
      expect(ms.members.get(`${SYNC}a.ics`)!.props.get(D('getetag'))!.status).toBe(200);
      expect(ms.members.get(`${SYNC}c.ics`)!.props.get(D('getetag'))!.status).toBe(200);
      expect(ms.members.get(`${SYNC}b.ics`)!.status).toBe(404);
      expect(ms.syncToken).not.toBe(token);
      const again = parseMultistatus((await alice.report(SYNC, syncCollection(ms.syncToken!))).text);
      expect(again.members.size).toBe(0);
      expect(again.syncToken).toBe(ms.syncToken);
    });

    it('honours DAV:limit with a 507 member and a token to continue from', async () => {
      const SYNC = await syncCalendar('sync-limit');
      const token = await initialToken(SYNC);
      for (const n of ['d', 'e', 'f']) await alice.put(`${SYNC}${n}.ics`, calendar(event(`sync-limit-${n}`, ['DTSTART:20260104T000000Z'])));
      const first = parseMultistatus((await alice.report(SYNC, syncCollection(token, '<d:getetag/>', '<d:limit><d:nresults>2</d:nresults></d:limit>'))).text);
      const got = [...first.members.keys()].filter((h) => h.endsWith('.ics'));
      expect(got.sort()).toEqual([`${SYNC}d.ics`, `${SYNC}e.ics`]);
      expect(first.members.get(SYNC)!.status).toBe(507);
      const rest = parseMultistatus((await alice.report(SYNC, syncCollection(first.syncToken!))).text);
      expect([...rest.members.keys()]).toEqual([`${SYNC}f.ics`]);
    });

    it('an unknown or foreign token gets 403 with <D:valid-sync-token/> (never an empty D:error)', async () => {
      const SYNC = await syncCalendar('sync-bad');
      for (const bad of ['http://calendula.dev/ns/sync/999999', 'http://sabre.io/ns/sync/3', 'garbage']) {
        const res = await alice.report(SYNC, syncCollection(bad));
        expect(res.status).toBe(403);
        expect(parseErrorBody(res.text)).toContain(D('valid-sync-token'));
      }
    });

    it('works on the calendar home too (iCal): the calendars, then nothing until one changes', async () => {
      const SYNC = await syncCalendar('sync-home');
      const home = '/dav/calendars/alice/';
      const first = parseMultistatus((await alice.report(home, syncCollection('', '<d:displayname/><d:sync-token/>'))).text);
      expect([...first.members.keys()]).toContain(SYNC);
      const same = parseMultistatus((await alice.report(home, syncCollection(first.syncToken!, '<d:sync-token/>'))).text);
      expect(same.members.size).toBe(0);
      await alice.put(`${SYNC}g.ics`, calendar(event('sync-home-g', ['DTSTART:20260105T000000Z'])));
      const changed = parseMultistatus((await alice.report(home, syncCollection(first.syncToken!, '<d:sync-token/>'))).text);
      expect([...changed.members.keys()]).toContain(SYNC);
    });
  });

  it('principal-property-search finds users by name or address; expand-property answers (Apple delegation)', async () => {
    const body = `<d:principal-property-search xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" test="anyof"><d:property-search><d:prop><d:displayname/></d:prop><d:match>roe</d:match></d:property-search><d:prop><d:displayname/><c:calendar-user-address-set/></d:prop></d:principal-property-search>`;
    const res = await alice.report('/dav/principals/', body, '0');
    const ms = parseMultistatus(res.text);
    expect([...ms.members.keys()]).toEqual(['/dav/principals/bob/']);
    const expand = `<d:expand-property xmlns:d="DAV:"><d:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/"><d:property name="displayname"/></d:property><d:property name="calendar-home-set" namespace="urn:ietf:params:xml:ns:caldav"><d:property name="displayname"/></d:property></d:expand-property>`;
    const ex = await alice.report('/dav/principals/alice/', expand, '0');
    expect(ex.status).toBe(207);
    const m = parseMultistatus(ex.text).members.get('/dav/principals/alice/')!;
    expect(m.props.get('{http://calendarserver.org/ns/}calendar-proxy-write-for')!.status).toBe(200);
    const home = m.props.get(C('calendar-home-set'))!.el;
    expect(home.children[0]!.name).toBe(D('response'));
    const search = await alice.report('/dav/principals/', '<d:principal-search-property-set xmlns:d="DAV:"/>', '0');
    expect(search.status).toBe(200);
    expect(search.text).toContain('principal-search-property');
  });

  it('an unknown report is 403 supported-report', async () => {
    const res = await alice.report(CAL, '<x:magic xmlns:x="urn:example"/>');
    expect(res.status).toBe(403);
    expect(parseErrorBody(res.text)).toContain(D('supported-report'));
  });
});
