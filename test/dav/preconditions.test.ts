// RFC preconditions and status codes that Apple's CalDAVTester checks (CalDAV/errors.xml,
// mkcalendar.xml, propfind.xml, reports.xml), each stated here against the RFC that asks for it.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { C, D, calendarQuery, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const MKCAL_NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"';

describe('CalDAV preconditions', () => {
  const server = useTestServer();
  const alice = server.user('alice');
  const cal = '/dav/calendars/alice/default/';

  const fresh = () => Math.random().toString(36).slice(2, 10);

  it('a DAV:error body holds the precondition element alone, the reason as a comment', async () => {
    const name = fresh();
    expect((await alice.request('MKCALENDAR', `/dav/calendars/alice/${name}/`)).status).toBe(201);
    const again = await alice.request('MKCALENDAR', `/dav/calendars/alice/${name}/`);
    expect(again.status).toBe(403);
    expect(parseErrorBody(again.text)).toEqual([D('resource-must-be-null')]);
    expect(again.text).toMatch(/<d:resource-must-be-null\/><!-- something already exists here -->/);
  });

  it('sends the DAV compliance header on OPTIONS only', async () => {
    const opts = await alice.request('OPTIONS', cal);
    expect(opts.headers.get('dav')).toContain('calendar-access');
    const get = await alice.request('PROPFIND', cal, { headers: { depth: '0' } });
    expect(get.status).toBe(207);
    expect(get.headers.get('dav')).toBeNull();
  });

  it('refuses a PROPFIND naming both prop and allprop with 400 (RFC 4918 14.20)', async () => {
    const body = `<d:propfind xmlns:d="DAV:"><d:allprop/><d:prop><d:getetag/></d:prop></d:propfind>`;
    expect((await alice.request('PROPFIND', cal, { body, headers: { depth: '0' } })).status).toBe(400);
  });

  it('refuses MKCOL inside a calendar (403) and creates nothing', async () => {
    const res = await alice.request('MKCOL', `${cal}sub/`);
    expect(res.status).toBe(403);
    expect((await alice.request('PROPFIND', `${cal}sub/`, { headers: { depth: '0' } })).status).toBe(404);
  });

  it('MKCALENDAR with one bad property answers 207 mkcalendar-response, the bad one 403 and the rest 424, and creates nothing (RFC 4791 5.3.1)', async () => {
    const name = fresh();
    const body = `<c:mkcalendar ${MKCAL_NS}><d:set><d:prop><d:displayname>X</d:displayname>
      <c:calendar-timezone>not a calendar</c:calendar-timezone></d:prop></d:set></c:mkcalendar>`;
    const res = await alice.request('MKCALENDAR', `/dav/calendars/alice/${name}/`, { body });
    expect(res.status).toBe(207);
    expect(res.text).toContain('mkcalendar-response');
    expect(res.text).toMatch(/<d:displayname\/><\/d:prop><d:status>HTTP\/1.1 424 Failed Dependency/);
    expect(res.text).toMatch(/<cal:calendar-timezone\/><\/d:prop><d:status>HTTP\/1.1 403/);
    expect((await alice.request('PROPFIND', `/dav/calendars/alice/${name}/`, { headers: { depth: '0' } })).status).toBe(404);
  });

  it('extended MKCOL with one bad property answers 403 mkcol-response and creates nothing (RFC 5689 3)', async () => {
    const name = fresh();
    const body = `<d:mkcol ${MKCAL_NS}><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
      <c:calendar-timezone>not a calendar</c:calendar-timezone></d:prop></d:set></d:mkcol>`;
    const res = await alice.request('MKCOL', `/dav/calendars/alice/${name}/`, { body });
    expect(res.status).toBe(403);
    expect(res.text).toContain('mkcol-response');
    expect((await alice.request('PROPFIND', `/dav/calendars/alice/${name}/`, { headers: { depth: '0' } })).status).toBe(404);
  });

  it('refuses a PUT that changes the UID of a resource with 409 no-uid-conflict and keeps the old object (RFC 4791 5.3.2.1)', async () => {
    const uid = fresh();
    const href = `${cal}${uid}.ics`;
    expect((await alice.put(href, calendar(event(uid, ['DTSTART:20260101T100000Z', 'SUMMARY:first'])))).status).toBe(201);
    const res = await alice.put(href, calendar(event(`${uid}-other`, ['DTSTART:20260101T100000Z', 'SUMMARY:second'])));
    expect(res.status).toBe(409);
    expect(parseErrorBody(res.text)).toEqual([C('no-uid-conflict')]);
    expect(res.text).toContain(href);
    const got = await alice.request('GET', href);
    expect(got.text).toContain('SUMMARY:first');
  });

  it('refuses a COPY that would overwrite an object of another UID with 409 no-uid-conflict', async () => {
    const [a, b] = [fresh(), fresh()];
    expect((await alice.put(`${cal}${a}.ics`, calendar(event(a, ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    expect((await alice.put(`${cal}${b}.ics`, calendar(event(b, ['DTSTART:20260101T100000Z', 'SUMMARY:target'])))).status).toBe(201);
    const other = fresh();
    expect((await alice.request('MKCALENDAR', `/dav/calendars/alice/${other}/`)).status).toBe(201);
    expect((await alice.put(`/dav/calendars/alice/${other}/${b}.ics`, calendar(event(b, ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    const res = await alice.request('COPY', `${cal}${a}.ics`, { headers: { destination: `${server.url}/dav/calendars/alice/${other}/${b}.ics`, overwrite: 'T' } });
    expect(res.status).toBe(409);
    expect(parseErrorBody(res.text)).toEqual([C('no-uid-conflict')]);
    expect((await alice.request('GET', `/dav/calendars/alice/${other}/${b}.ics`)).text).toContain(`UID:${b}`);
  });

  it.each([
    ['a component nested where iCalendar never puts it', '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:comp-filter name="VTODO"/></c:comp-filter></c:comp-filter>'],
    ['a time-range on a property that holds no date', '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:time-range start="20260101T000000Z"/></c:prop-filter></c:comp-filter></c:comp-filter>'],
    ['a time-range on VTIMEZONE', '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTIMEZONE"><c:time-range start="20260101T000000Z"/></c:comp-filter></c:comp-filter>'],
    ['a time-range whose start is no date', '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="tomorrow"/></c:comp-filter></c:comp-filter>'],
  ])('answers a calendar-query with %s 403 valid-filter (RFC 4791 7.8)', async (_name, filter) => {
    const res = await alice.report(cal, calendarQuery(filter));
    expect(res.status).toBe(403);
    expect(parseErrorBody(res.text)).toEqual([C('valid-filter')]);
  });

  it('answers a time-range with neither start nor end 400 (malformed, RFC 4791 9.9)', async () => {
    const res = await alice.report(cal, calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range/></c:comp-filter></c:comp-filter>'));
    expect(res.status).toBe(400);
  });

  it('answers a free-busy-query whose time-range is no date 400', async () => {
    const body = `<c:free-busy-query ${MKCAL_NS}><c:time-range start="soon" end="later"/></c:free-busy-query>`;
    expect((await alice.report(cal, body)).status).toBe(400);
  });

  it('answers a calendar-query whose CALDAV:timezone is not a VTIMEZONE 403 valid-calendar-data, and accepts a real one', async () => {
    const filter = '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260101T000000Z" end="20260201T000000Z"/></c:comp-filter></c:comp-filter>';
    const withZone = (tz: string) =>
      `<c:calendar-query ${MKCAL_NS}><d:prop><d:getetag/></d:prop><c:filter>${filter}</c:filter><c:timezone>${tz}</c:timezone></c:calendar-query>`;
    const bad = await alice.report(cal, withZone('BEGIN:VCALENDAR\nEND:VCALENDAR'));
    expect(bad.status).toBe(403);
    expect(parseErrorBody(bad.text)).toEqual([C('valid-calendar-data')]);
    const zone = calendar([], { timezones: [['BEGIN:VTIMEZONE', 'TZID:UTC', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'END:STANDARD', 'END:VTIMEZONE']] });
    const good = await alice.report(cal, withZone(zone));
    expect(good.status).toBe(207);
    parseMultistatus(good.text);
  });

  it('refuses a CALDAV:timezone whose VCALENDAR lacks VERSION or PRODID with 403 valid-calendar-data (RFC 4791 9.8, RFC 5545 3.6)', async () => {
    const filter = '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260101T000000Z" end="20260201T000000Z"/></c:comp-filter></c:comp-filter>';
    const query = (tz: string) => `<c:calendar-query ${MKCAL_NS}><d:prop><d:getetag/></d:prop><c:filter>${filter}</c:filter><c:timezone><![CDATA[${tz}]]></c:timezone></c:calendar-query>`;
    const zone = ['BEGIN:VTIMEZONE', 'TZID:America/Los_Angeles', 'BEGIN:STANDARD', 'DTSTART:20071104T020000', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'TZOFFSETFROM:-0700', 'TZOFFSETTO:-0800', 'END:STANDARD', 'END:VTIMEZONE'];
    // As CalDAVTester's timerangequery/104.xml sends it: CR line ends, no VERSION, no PRODID.
    const bare = ['BEGIN:VCALENDAR', ...zone, 'END:VCALENDAR'].join('\r');
    const noProdid = ['BEGIN:VCALENDAR', 'VERSION:2.0', ...zone, 'END:VCALENDAR'].join('\r\n');
    for (const tz of [bare, noProdid]) {
      const res = await alice.report(cal, query(tz));
      expect(res.status).toBe(403);
      expect(parseErrorBody(res.text)).toEqual([C('valid-calendar-data')]);
    }
    const whole = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Example//EN', ...zone, 'END:VCALENDAR'].join('\r\n');
    expect((await alice.report(cal, query(whole))).status).toBe(207);
  });

  it('refuses an object whose TZID is neither defined in it nor a zone the server knows with 403 valid-timezone (RFC 7809), and accepts a known IANA name without VTIMEZONE', async () => {
    const bogus = fresh();
    const res = await alice.put(`${cal}${bogus}.ics`, calendar(event(bogus, ['DTSTART;TZID=Bogus:20260101T100000'])));
    expect(res.status).toBe(403);
    expect(parseErrorBody(res.text)).toEqual([C('valid-timezone')]);
    const known = fresh();
    expect((await alice.put(`${cal}${known}.ics`, calendar(event(known, ['DTSTART;TZID=Europe/Paris:20260101T100000'])))).status).toBe(201);
  });

  it('refuses a calendar-timezone holding more than a VTIMEZONE, in PROPPATCH (403 in the 207) and in a query (403 valid-calendar-data)', async () => {
    const zoneAndEvent = calendar(event('extra', ['DTSTART:20260101T100000Z']), {
      timezones: [['BEGIN:VTIMEZONE', 'TZID:UTC', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'END:STANDARD', 'END:VTIMEZONE']],
    });
    const patch = await alice.request('PROPPATCH', cal, {
      body: `<d:propertyupdate ${MKCAL_NS}><d:set><d:prop><c:calendar-timezone><![CDATA[${zoneAndEvent}]]></c:calendar-timezone></d:prop></d:set></d:propertyupdate>`,
    });
    expect(patch.status).toBe(207);
    expect(patch.text).toMatch(/<cal:calendar-timezone\/><\/d:prop><d:status>HTTP\/1.1 403/);
    const filter = '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>';
    const query = await alice.report(cal, `<c:calendar-query ${MKCAL_NS}><d:prop><d:getetag/></d:prop><c:filter>${filter}</c:filter><c:timezone><![CDATA[${zoneAndEvent}]]></c:timezone></c:calendar-query>`);
    expect(query.status).toBe(403);
    expect(parseErrorBody(query.text)).toEqual([C('valid-calendar-data')]);
  });

  it('answers a MOVE that creates its destination 201 with the Location of the new resource', async () => {
    const uid = fresh();
    expect((await alice.put(`${cal}${uid}.ics`, calendar(event(uid, ['DTSTART:20260101T100000Z'])))).status).toBe(201);
    const target = `${cal}moved%20${uid}.ics`;
    const res = await alice.request('MOVE', `${cal}${uid}.ics`, { headers: { destination: `${server.url}${target}` } });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${server.url}${target}`);
    expect((await alice.request('GET', target)).text).toContain(`UID:${uid}`);
  });

  it('keeps xml:lang on a dead property (RFC 4918 4.3)', async () => {
    const patch = await alice.request('PROPPATCH', cal, {
      body: `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:details xml:lang="en">My Name</D:details></D:prop></D:set></D:propertyupdate>`,
    });
    expect(patch.status).toBe(207);
    const el = parseMultistatus((await alice.propfind(cal, '<d:details/>')).text).members.get(cal)!.props.get(D('details'))!.el;
    expect(el.attrs.get('{http://www.w3.org/XML/1998/namespace}lang')).toBe('en');
    expect(textIn(el)).toBe('My Name');
  });

  it('lists on the calendar home the component sets MKCALENDAR accepts (supported-calendar-component-sets)', async () => {
    const res = await alice.propfind('/dav/calendars/alice/', '<c:supported-calendar-component-sets/>');
    const prop = parseMultistatus(res.text).members.get('/dav/calendars/alice/')!.props.get(C('supported-calendar-component-sets'))!;
    expect(prop.status).toBe(200);
    const sets = prop.el.children.map((set) => set.children.map((x) => x.attrs.get('name')).join('+'));
    expect(sets).toContain('VEVENT');
    expect(sets).toContain('VEVENT+VTODO+VJOURNAL');
  });
});

describe('reports on the calendar home (a collection of calendars, RFC 4791 7.8-7.10)', () => {
  const server = useTestServer();
  const carol = server.user('carol');
  const home = '/dav/calendars/carol/';
  beforeAll(async () => {
    expect((await carol.request('MKCALENDAR', `${home}second/`)).status).toBe(201);
    expect((await carol.put(`${home}default/a.ics`, calendar(event('a', ['DTSTART:20260105T100000Z', 'DTEND:20260105T110000Z'])))).status).toBe(201);
    expect((await carol.put(`${home}second/b.ics`, calendar(event('b', ['DTSTART:20260106T100000Z', 'DTEND:20260106T120000Z'])))).status).toBe(201);
    expect((await carol.put(`${home}second/c.ics`, calendar(event('c', ['DTSTART:20270106T100000Z'])))).status).toBe(201);
  });
  const january = '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260101T000000Z" end="20260201T000000Z"/></c:comp-filter></c:comp-filter>';

  it('calendar-query with Depth 1 searches every calendar of the home; Depth 0 matches nothing', async () => {
    const res = await carol.report(home, calendarQuery(january), '1');
    expect(res.status).toBe(207);
    expect([...parseMultistatus(res.text).members.keys()].sort()).toEqual([`${home}default/a.ics`, `${home}second/b.ics`]);
    const none = await carol.report(home, calendarQuery(january), '0');
    expect([...parseMultistatus(none.text).members.keys()]).toEqual([]);
  });

  it('calendar-multiget on the home answers objects of several calendars and 404 for a missing one', async () => {
    const body = `<c:calendar-multiget ${MKCAL_NS}><d:prop><d:getetag/></d:prop><d:href>${home}default/a.ics</d:href><d:href>${home}second/c.ics</d:href><d:href>${home}second/gone.ics</d:href></c:calendar-multiget>`;
    const members = parseMultistatus((await carol.report(home, body)).text).members;
    expect(members.get(`${home}default/a.ics`)?.props.get(D('getetag'))?.status).toBe(200);
    expect(members.get(`${home}second/c.ics`)?.props.get(D('getetag'))?.status).toBe(200);
    expect(members.get(`${home}second/gone.ics`)?.status).toBe(404);
  });

  it('free-busy-query on the home merges the busy time of every calendar', async () => {
    const res = await carol.report(home, `<c:free-busy-query ${MKCAL_NS}><c:time-range start="20260101T000000Z" end="20260201T000000Z"/></c:free-busy-query>`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('20260105T100000Z/20260105T110000Z');
    expect(res.text).toContain('20260106T100000Z/20260106T120000Z');
  });
});
