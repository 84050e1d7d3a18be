// Replays of what real clients send (clients.md §1, transcribed), asserting what each client parses.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { APPLE, C, CS, D, Dav, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { calendar, event, todo, VTIMEZONE_BERLIN } from '../fixtures/ical.ts';

const server = useTestServer();
for (const u of ['apple', 'tb', 'davx5', 'evo', 'tasks', 'outlook']) server.user(u, { email: `${u}@example.org` });
const client = (u: string) => new Dav(server.url, u, `${u}-password`);
const xml = { 'content-type': 'text/xml' };

describe('Apple Calendar / Reminders (macOS CalendarAgent)', () => {
  const ua = { 'user-agent': 'macOS/15.1 (24B83) CalendarAgent/1002.4.4', brief: 't', prefer: 'return=minimal', ...xml };

  it('discovers: unauthenticated probe, well-known, current-user-principal, principal', async () => {
    const dav = client('apple');
    // The well-known redirect needs no credentials; the first PROPFIND on the DAV root gets the challenge.
    const wk = await dav.request('PROPFIND', '/.well-known/caldav', { anonymous: true, headers: { ...ua, depth: '0' } });
    expect(wk.status).toBe(301);
    const challenged = await dav.request('PROPFIND', wk.headers.get('location')!, { anonymous: true, headers: { ...ua, depth: '0' } });
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('www-authenticate')).toMatch(/^Basic /);
    const cup = await dav.request('PROPFIND', wk.headers.get('location')!, {
      headers: { ...ua, depth: '0' },
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<A:propfind xmlns:A="DAV:"><A:prop><A:current-user-principal/><A:principal-URL/><A:resourcetype/></A:prop></A:propfind>',
    });
    const principal = textIn(parseMultistatus(cup.text).members.get('/dav/')!.props.get(D('current-user-principal'))!.el);
    const p = await dav.request('PROPFIND', principal, {
      headers: { ...ua, depth: '0' },
      body: `<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav" xmlns:C="http://calendarserver.org/ns/"><A:prop><B:calendar-home-set/><B:calendar-user-address-set/><B:schedule-inbox-URL/><B:schedule-outbox-URL/><C:dropbox-home-URL/><C:notification-URL/><A:displayname/><C:email-address-set/><C:calendar-proxy-read-for/><C:calendar-proxy-write-for/></A:prop></A:propfind>`,
    });
    expect(p.status).toBe(207);
    expect(p.text).not.toContain('404'); // minimal: only what exists
    const props = parseMultistatus(p.text).members.get(principal)!.props;
    expect(textIn(props.get(C('calendar-home-set'))!.el)).toBe('/dav/calendars/apple/');
    expect(textIn(props.get(CS('email-address-set'))!.el)).toBe('apple@example.org');
  });

  it('lists the home with its ~40 properties, creates a calendar, PROPPATCHes order and #RRGGBBAA colour', async () => {
    const dav = client('apple');
    const home = await dav.request('PROPFIND', '/dav/calendars/apple/', {
      headers: { ...ua, depth: '1' },
      body: `<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav" xmlns:C="http://calendarserver.org/ns/" xmlns:D="http://apple.com/ns/ical/" xmlns:E="http://me.com/_namespace/"><A:prop>
<A:add-member/><C:allowed-sharing-modes/><D:autoprovisioned/><E:bulk-requests/><B:calendar-alarm/><D:calendar-color/><B:calendar-description/><B:calendar-free-busy-set/><D:calendar-order/><B:calendar-timezone/><A:current-user-privilege-set/><B:default-alarm-vevent-date/><B:default-alarm-vevent-datetime/><A:displayname/><C:getctag/><C:invite/><D:language-code/><D:location-code/><B:max-attendees-per-instance/><A:owner/><C:pre-publish-url/><C:publish-url/><C:push-transports/><C:pushkey/><A:quota-available-bytes/><A:quota-used-bytes/><D:refreshrate/><A:resource-id/><A:resourcetype/><B:schedule-calendar-transp/><B:schedule-default-calendar-URL/><C:source/><C:subscribed-strip-alarms/><C:subscribed-strip-attachments/><C:subscribed-strip-todos/><B:supported-calendar-component-set/><B:supported-calendar-component-sets/><A:supported-report-set/><A:sync-token/>
</A:prop></A:propfind>`,
    });
    expect(home.status).toBe(207);
    const cal = parseMultistatus(home.text).members.get('/dav/calendars/apple/default/')!;
    for (const p of [D('resourcetype'), CS('getctag'), D('sync-token'), C('supported-calendar-component-set'), D('current-user-privilege-set'), APPLE('calendar-order')]) {
      expect(cal.props.get(p)?.status, p).toBe(200);
    }
    const homeReports = parseMultistatus(home.text).members.get('/dav/calendars/apple/')!.props.get(D('supported-report-set'))!.el;
    expect(homeReports.children.some((r) => textIn(r) === '' && r.children[0]!.children[0]!.name === D('sync-collection'))).toBe(true);

    const mk = await dav.request('MKCALENDAR', '/dav/calendars/apple/4E9B1A2C-7D3F-4C51-9E1B-0A2B3C4D5E6F/', {
      headers: ua,
      body: `<?xml version="1.0" encoding="UTF-8"?>
<B:mkcalendar xmlns:B="urn:ietf:params:xml:ns:caldav"><A:set xmlns:A="DAV:"><A:prop><B:supported-calendar-component-set><B:comp name="VTODO"/></B:supported-calendar-component-set><A:displayname>Reminders</A:displayname></A:prop></A:set></B:mkcalendar>`,
    });
    expect(mk.status).toBe(201);
    const pp = await dav.request('PROPPATCH', '/dav/calendars/apple/4E9B1A2C-7D3F-4C51-9E1B-0A2B3C4D5E6F/', {
      headers: ua,
      body: `<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:"><A:set><A:prop><D:calendar-order xmlns:D="http://apple.com/ns/ical/">2</D:calendar-order><D:calendar-color xmlns:D="http://apple.com/ns/ical/" symbolic-color="custom">#FF2968FF</D:calendar-color></A:prop></A:set></A:propertyupdate>`,
    });
    expect(pp.status).toBe(207);
    expect(pp.text).not.toMatch(/HTTP\/1\.1 (403|409|424)/);
  });

  it('stores an event with X-APPLE properties and a local-time UNTIL byte for byte, and syncs it with sync-collection + multiget', async () => {
    const dav = client('apple');
    const ics = calendar(
      event('A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF', [
        'DTSTART;TZID=Europe/Berlin:20260105T090000',
        'DTEND;TZID=Europe/Berlin:20260105T100000',
        'RRULE:FREQ=WEEKLY;UNTIL=20260301T090000',
        'SUMMARY:Standup',
        'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC',
        'CREATED:20260101T000000Z',
        'SEQUENCE:0',
      ]),
      { timezones: [VTIMEZONE_BERLIN] },
    );
    const put = await dav.put('/dav/calendars/apple/default/A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF.ics', ics, { 'if-none-match': '*', 'user-agent': ua['user-agent'] });
    expect(put.status).toBe(201);
    const sync = await dav.report('/dav/calendars/apple/default/', `<?xml version="1.0" encoding="UTF-8"?>
<A:sync-collection xmlns:A="DAV:"><A:sync-token/><A:sync-level>1</A:sync-level><A:prop><A:getetag/><A:getcontenttype/></A:prop></A:sync-collection>`, null, ua);
    const hrefs = [...parseMultistatus(sync.text).members.keys()];
    const mg = await dav.report('/dav/calendars/apple/default/', `<?xml version="1.0" encoding="UTF-8"?>
<B:calendar-multiget xmlns:B="urn:ietf:params:xml:ns:caldav"><A:prop xmlns:A="DAV:"><A:getetag/><B:calendar-data/></A:prop>${hrefs.map((h) => `<A:href xmlns:A="DAV:">${h}</A:href>`).join('')}</B:calendar-multiget>`, null, ua);
    const data = parseMultistatus(mg.text).members.get(hrefs[0]!)!.props.get(C('calendar-data'))!.el.text;
    expect(data).toBe(ics);
  });

  it('asks expand-property for delegates and gets a 207 naming no delegates', async () => {
    const res = await client('apple').report('/dav/principals/apple/', `<?xml version="1.0" encoding="UTF-8"?>
<A:expand-property xmlns:A="DAV:"><A:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/"><A:property name="displayname"/><A:property name="principal-URL"/><A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/></A:property><A:property name="calendar-proxy-read-for" namespace="http://calendarserver.org/ns/"><A:property name="displayname"/></A:property></A:expand-property>`, '0', ua);
    expect(res.status).toBe(207);
    // Calendula has no delegation: both properties are there (iCal stops otherwise) and empty.
    const me = parseMultistatus(res.text).members.get('/dav/principals/apple/')!;
    for (const name of ['calendar-proxy-write-for', 'calendar-proxy-read-for']) {
      const prop = me.props.get(`{http://calendarserver.org/ns/}${name}`)!;
      expect(prop.status).toBe(200);
      expect(prop.el.children).toEqual([]);
    }
  });
});

describe('Thunderbird', () => {
  it('checks the calendar, OPTIONS on the parent, syncs with sync-collection (Depth 1) and multigets re-encoded hrefs', async () => {
    const dav = client('tb');
    await dav.put(`/dav/calendars/tb/default/${encodeURIComponent('tb uid+1@x')}.ics`, calendar(event('tb uid+1@x', ['DTSTART:20260110T100000Z'])));
    const check = await dav.propfind(
      '/dav/calendars/tb/default/',
      '<d:resourcetype/><d:owner/><d:current-user-principal/><d:current-user-privilege-set/><d:supported-report-set/><c:supported-calendar-component-set/><cs:getctag/>',
      '0',
    );
    const props = parseMultistatus(check.text).members.get('/dav/calendars/tb/default/')!.props;
    const privs = props.get(D('current-user-privilege-set'))!.el.children.map((p) => p.children[0]!.name);
    expect(privs).toEqual(expect.arrayContaining([D('write'), D('write-content'), D('write-properties')]));
    const opt = await dav.request('OPTIONS', '/dav/calendars/tb/');
    expect(opt.headers.get('dav')).toContain('calendar-access');
    const sync = await dav.report(
      '/dav/calendars/tb/default/',
      '<?xml version="1.0" encoding="UTF-8"?>\n<sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getcontenttype/><getetag/></prop></sync-collection>',
      '1',
    );
    const ms = parseMultistatus(sync.text);
    const [href, m] = [...ms.members][0]!;
    expect(textIn(m.props.get(D('getcontenttype'))!.el)).toMatch(/^text\/calendar/);
    // Thunderbird re-encodes each segment with encodeURIComponent.
    const reencoded = href.split('/').map((s) => encodeURIComponent(decodeURIComponent(s))).join('/');
    const mg = await dav.report(
      '/dav/calendars/tb/default/',
      `<?xml version="1.0" encoding="UTF-8"?>\n<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>${reencoded}</D:href></C:calendar-multiget>`,
      '1',
    );
    expect(parseMultistatus(mg.text).members.get(reencoded)!.props.get(C('calendar-data'))!.status).toBe(200);
    // DELETE of something already gone is 404 (Thunderbird treats it as success).
    expect((await dav.request('DELETE', '/dav/calendars/tb/default/gone.ics')).status).toBe(404);
  });
});

describe('DAVx5 (and jtx Board, tasks through DAVx5)', () => {
  it('probes CardDAV and CalDAV props on the user URL, lists the home, syncs events and queries tasks without a range', async () => {
    const dav = client('davx5');
    const probe = await dav.request('PROPFIND', '/dav/', {
      headers: { depth: '0' },
      body: `<?xml version='1.0' encoding='UTF-8' ?><propfind xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><resourcetype /><displayname /><current-user-principal /><current-user-privilege-set /><CARD:addressbook-home-set /><CAL:calendar-home-set /><CAL:supported-calendar-component-set /></prop></propfind>`,
    });
    const m = parseMultistatus(probe.text).members.get('/dav/')!;
    expect(m.props.get('{urn:ietf:params:xml:ns:carddav}addressbook-home-set')!.status).toBe(404);
    expect(textIn(m.props.get(D('current-user-principal'))!.el)).toBe('/dav/principals/davx5/');
    expect((await dav.request('OPTIONS', '/dav/principals/davx5/')).headers.get('dav')).toContain('calendar-access');
    const mk = await dav.request('MKCALENDAR', '/dav/calendars/davx5/9f1c4b6e-tasks/', {
      body: `<?xml version='1.0' encoding='UTF-8' ?><CAL:mkcalendar xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:ICAL="http://apple.com/ns/ical/"><set><prop><resourcetype><collection /><CAL:calendar /></resourcetype><displayname>Tasks</displayname><ICAL:calendar-color>#FF9800</ICAL:calendar-color><CAL:supported-calendar-component-set><CAL:comp name="VTODO" /><CAL:comp name="VJOURNAL" /></CAL:supported-calendar-component-set></prop></set></CAL:mkcalendar>`,
    });
    expect(mk.status).toBe(201);
    await dav.put('/dav/calendars/davx5/9f1c4b6e-tasks/3a1b7c2e-0000-4000-8000-000000000001.ics', calendar(todo('t-1', ['SUMMARY:Milk'])), { 'if-none-match': '*' });
    const home = await dav.request('PROPFIND', '/dav/calendars/davx5/', {
      headers: { depth: '1' },
      body: `<?xml version='1.0' encoding='UTF-8' ?><propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:ICAL="http://apple.com/ns/ical/" xmlns:CS="http://calendarserver.org/ns/" xmlns:P="https://bitfire.at/webdav-push"><prop><current-user-privilege-set /><displayname /><owner /><resourcetype /><P:transports /><P:topic /><ICAL:calendar-color /><CAL:calendar-description /><CAL:calendar-timezone /><CAL:calendar-timezone-id /><CAL:supported-calendar-component-set /><CS:source /></prop></propfind>`,
    });
    expect(parseMultistatus(home.text).members.get('/dav/calendars/davx5/9f1c4b6e-tasks/')!.props.get(APPLE('calendar-color'))!.status).toBe(200);
    const before = await dav.propfind('/dav/calendars/davx5/9f1c4b6e-tasks/', '<d:supported-report-set/><d:sync-token/><cs:getctag/><c:max-resource-size/>', '0');
    expect(parseMultistatus(before.text).members.get('/dav/calendars/davx5/9f1c4b6e-tasks/')!.props.get(C('max-resource-size'))!.status).toBe(200);
    const q = await dav.report(
      '/dav/calendars/davx5/9f1c4b6e-tasks/',
      `<?xml version='1.0' encoding='UTF-8' ?><CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag /></prop><CAL:filter><CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VTODO" /></CAL:comp-filter></CAL:filter></CAL:calendar-query>`,
      '1',
    );
    expect(parseMultistatus(q.text).members.size).toBe(1);
    const sync = await dav.report(
      '/dav/calendars/davx5/default/',
      `<?xml version='1.0' encoding='UTF-8' ?><sync-collection xmlns="DAV:"><sync-token /><sync-level>1</sync-level><prop><getetag /></prop></sync-collection>`,
      '0',
    );
    expect(sync.status).toBe(207);
    // Every changed member carries getetag (DAVx5 throws otherwise).
    for (const mm of parseMultistatus(sync.text).members.values()) expect(mm.props.get(D('getetag'))?.status).toBe(200);
  });

  it('gets 403 with <valid-sync-token/> for a token from another server', async () => {
    const res = await client('davx5').report(
      '/dav/calendars/davx5/default/',
      `<sync-collection xmlns="DAV:"><sync-token>http://sabre.io/ns/sync/1</sync-token><sync-level>1</sync-level><prop><getetag /></prop></sync-collection>`,
      '0',
    );
    expect(res.status).toBe(403);
    expect(parseErrorBody(res.text)).toContain(D('valid-sync-token'));
  });
});

describe('GNOME Evolution', () => {
  it('OPTIONS with calendar-access and Allow, privileges and ctag, a ±35-day query, PUT with Prefer: return=minimal', async () => {
    const dav = client('evo');
    const opt = await dav.request('OPTIONS', '/dav/calendars/evo/default/');
    expect(opt.headers.get('dav')).toContain('calendar-access');
    expect(opt.headers.get('allow')).toContain('PUT');
    const put = await dav.put('/dav/calendars/evo/default/evo-1.ics', calendar(event('evo-1', ['DTSTART:20260110T100000Z', 'SUMMARY:Evo'])), {
      'if-none-match': '*',
      prefer: 'return=minimal',
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('etag')).toBeTruthy();
    const q = await dav.report(
      '/dav/calendars/evo/default/',
      `<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20251206T000000Z" end="20260214T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`,
      '1',
    );
    expect([...parseMultistatus(q.text).members.keys()]).toEqual(['/dav/calendars/evo/default/evo-1.ics']);
  });
});

describe('tasks.org', () => {
  it('finds lists whose component set holds VTODO, creates one with MKCOL, stores its icon as a dead property, writes without preconditions', async () => {
    const dav = client('tasks');
    const mk = await dav.request('MKCOL', '/dav/calendars/tasks/0b6d6c2a-2c6e-4b0b-9d8e-5b3f2a1c9e7d/', {
      body: `<?xml version="1.0" encoding="UTF-8"?><d:mkcol xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:x="http://apple.com/ns/ical/"><d:set><d:prop><d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Groceries</d:displayname><x:calendar-color>#ff0000ff</x:calendar-color><cal:supported-calendar-component-set><cal:comp name="VTODO"/></cal:supported-calendar-component-set></d:prop></d:set></d:mkcol>`,
    });
    expect(mk.status).toBe(201);
    const pp = await dav.request('PROPPATCH', '/dav/calendars/tasks/0b6d6c2a-2c6e-4b0b-9d8e-5b3f2a1c9e7d/', {
      body: `<?xml version="1.0" encoding="UTF-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:t="http://tasks.org/ns"><d:set><d:prop><t:x-calendar-icon>3</t:x-calendar-icon></d:prop></d:set></d:propertyupdate>`,
    });
    expect(pp.text).toContain('200 OK');
    const lists = await dav.request('PROPFIND', '/dav/calendars/tasks/', {
      headers: { depth: '1' },
      body: `<?xml version="1.0" encoding="UTF-8"?><d:propfind xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:oc="http://owncloud.org/ns" xmlns:t="http://tasks.org/ns" xmlns:x="http://apple.com/ns/ical/"><d:prop><d:resourcetype/><d:displayname/><cal:supported-calendar-component-set/><cs:getctag/><x:calendar-color/><d:sync-token/><d:share-access/><d:invite/><oc:owner-principal/><oc:invite/><d:current-user-privilege-set/><d:current-user-principal/><t:x-calendar-icon/></d:prop></d:propfind>`,
    });
    const list = parseMultistatus(lists.text).members.get('/dav/calendars/tasks/0b6d6c2a-2c6e-4b0b-9d8e-5b3f2a1c9e7d/')!;
    expect(list.props.get(C('supported-calendar-component-set'))!.el.children.map((x) => x.attrs.get('name'))).toEqual(['VTODO']);
    expect(textIn(list.props.get('{http://tasks.org/ns}x-calendar-icon')!.el)).toBe('3');
    const path = '/dav/calendars/tasks/0b6d6c2a-2c6e-4b0b-9d8e-5b3f2a1c9e7d/4711.ics';
    expect((await dav.put(path, calendar(todo('4711', ['SUMMARY:Bread'])))).status).toBe(201);
    const put2 = await dav.put(path, calendar(todo('4711', ['SUMMARY:Bread', 'STATUS:COMPLETED', 'COMPLETED:20260101T100000Z'])));
    expect(put2.status).toBe(204);
    expect(put2.headers.get('etag')).toBeTruthy();
    expect((await dav.request('DELETE', path)).status).toBe(204);
  });
});

describe('Outlook CalDav Synchronizer', () => {
  it('checks DAV and explicit privileges, queries with Depth 0 on the calendar, and finds <D:valid-sync-token/> by XPath', async () => {
    const dav = client('outlook');
    expect((await dav.request('OPTIONS', '/dav/calendars/outlook/default/')).headers.get('dav')).toContain('calendar-access');
    const privs = await dav.propfind('/dav/calendars/outlook/default/', '<d:current-user-privilege-set/><d:resourcetype/><d:supported-report-set/>', '0');
    const names = parseMultistatus(privs.text).members.get('/dav/calendars/outlook/default/')!.props.get(D('current-user-privilege-set'))!.el.children.map((p) => p.children[0]!.name);
    for (const p of ['write', 'write-content', 'bind', 'unbind']) expect(names).toContain(D(p));
    await dav.put('/dav/calendars/outlook/default/o.ics', calendar(event('o', ['DTSTART:20260110T100000Z', 'DTEND:20260110T110000Z'])));
    const q = await dav.report(
      '/dav/calendars/outlook/default/',
      `<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag /></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20251001T000000Z" end="20270101T000000Z" /></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`,
      '0',
    );
    expect(parseMultistatus(q.text).members.size).toBe(1);
    const bad = await dav.report('/dav/calendars/outlook/default/', `<D:sync-collection xmlns:D="DAV:"><D:sync-token>nonsense</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`, '0');
    expect(bad.status).toBe(403);
    expect(bad.text).toMatch(/<d:error xmlns:d="DAV:"[^>]*><d:valid-sync-token\/>/);
  });
});
