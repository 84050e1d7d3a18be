import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { APPLE, C, CS, D, Dav, parseMultistatus, textIn } from '../helpers/dav.ts';

describe('CalDAV discovery and properties', () => {
  const server = useTestServer({ env: { TRUST_PROXY: 'true' } });
  const alice = server.user('alice', { email: 'alice@example.org', displayName: 'Alice Doe' });

  it('redirects /.well-known/caldav to /dav/ for PROPFIND and GET', async () => {
    for (const method of ['PROPFIND', 'GET']) {
      const res = await alice.request(method, '/.well-known/caldav', { anonymous: true });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe('/dav/');
    }
  });

  it('builds the well-known Location from X-Forwarded-Proto/Host behind a trusted proxy (iOS over TLS)', async () => {
    const res = await alice.request('PROPFIND', '/.well-known/caldav', {
      anonymous: true,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'cal.example.org' },
    });
    expect(res.headers.get('location')).toBe('https://cal.example.org/dav/');
  });

  it('OPTIONS needs no authentication and advertises calendar-access on principal, home and calendar', async () => {
    for (const path of ['/dav/', '/dav/principals/alice/', '/dav/calendars/alice/', '/dav/calendars/alice/default/', '/dav/calendars/alice/default/x.ics']) {
      const res = await alice.request('OPTIONS', path, { anonymous: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('dav')).toMatch(/\b1\b.*\b3\b.*calendar-access/);
      expect(res.headers.get('dav')).toContain('extended-mkcol');
      // Scheduling between users of this server really delivers, so it is advertised (RFC 6638).
      expect(res.headers.get('dav')).toContain('calendar-auto-schedule');
      expect(res.headers.get('allow')).toContain('PROPFIND');
    }
    expect((await alice.request('OPTIONS', '/dav/calendars/alice/default/x.ics', { anonymous: true })).headers.get('allow')).toContain('PUT');
    expect((await alice.request('OPTIONS', '/dav/calendars/alice/', { anonymous: true })).headers.get('allow')).toContain('MKCALENDAR');
  });

  it('answers every unauthenticated request with 401 and a Basic challenge (Apple and python-caldav ask without credentials first)', async () => {
    for (const [method, path] of [
      ['PROPFIND', '/dav/'],
      ['PROPFIND', '/dav/principals/alice/'],
      ['REPORT', '/dav/calendars/alice/default/'],
      ['PUT', '/dav/calendars/alice/default/x.ics'],
      ['GET', '/dav/calendars/alice/default/'],
    ]) {
      const res = await alice.request(method as string, path as string, { anonymous: true, body: method === 'PUT' ? 'x' : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="Calendula"/);
    }
  });

  it('gives current-user-principal on the root, the home and calendars', async () => {
    for (const path of ['/dav/', '/dav/calendars/alice/', '/dav/calendars/alice/default/', '/dav/principals/']) {
      const res = await alice.propfind(path, '<d:current-user-principal/>');
      expect(res.status).toBe(207);
      expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const m = parseMultistatus(res.text).members.get(path);
      expect(textIn(m?.props.get(D('current-user-principal'))?.el)).toBe('/dav/principals/alice/');
    }
  });

  it('the principal answers calendar-home-set, calendar-user-address-set (mailto first), displayname and e-mail', async () => {
    const res = await alice.propfind(
      '/dav/principals/alice/',
      '<d:resourcetype/><c:calendar-home-set/><c:calendar-user-address-set/><d:displayname/><cs:email-address-set/><d:principal-URL/><c:schedule-inbox-URL/><d:group-membership/>',
    );
    const m = parseMultistatus(res.text).members.get('/dav/principals/alice/')!;
    expect(m.props.get(D('resourcetype'))!.el.children.map((x) => x.name)).toEqual([D('principal')]);
    expect(textIn(m.props.get(C('calendar-home-set'))!.el)).toBe('/dav/calendars/alice/');
    const addresses = m.props.get(C('calendar-user-address-set'))!.el.children.map(textIn);
    expect(addresses).toEqual(['mailto:alice@example.org', '/dav/principals/alice/']);
    expect(textIn(m.props.get(D('displayname'))!.el)).toBe('Alice Doe');
    expect(textIn(m.props.get(CS('email-address-set'))!.el)).toBe('alice@example.org');
    expect(textIn(m.props.get(D('principal-URL'))!.el)).toBe('/dav/principals/alice/');
    expect(textIn(m.props.get(C('schedule-inbox-URL'))!.el)).toBe('/dav/calendars/alice/inbox/');
    expect(m.props.get(D('group-membership'))!.status).toBe(200);
  });

  it('lists the calendars of the home with the properties clients need (DAVx5/Thunderbird home listing)', async () => {
    const res = await alice.propfind(
      '/dav/calendars/alice/',
      '<d:resourcetype/><d:displayname/><c:supported-calendar-component-set/><d:current-user-privilege-set/><cs:getctag/><d:sync-token/><a:calendar-color/><a:calendar-order/><d:supported-report-set/><d:owner/>',
      '1',
    );
    expect(res.status).toBe(207);
    const { members } = parseMultistatus(res.text);
    expect([...members.keys()]).toEqual(['/dav/calendars/alice/', '/dav/calendars/alice/default/', '/dav/calendars/alice/birthdays/', '/dav/calendars/alice/inbox/', '/dav/calendars/alice/outbox/']);
    expect(members.get('/dav/calendars/alice/inbox/')!.props.get(D('resourcetype'))!.el.children.map((x) => x.name)).toEqual([D('collection'), C('schedule-inbox')]);
    const home = members.get('/dav/calendars/alice/')!;
    const homeReports = home.props.get(D('supported-report-set'))!.el.children.map((r) => r.children[0]!.children[0]!.name);
    expect(homeReports).toContain(D('sync-collection'));
    const cal = members.get('/dav/calendars/alice/default/')!;
    expect(cal.props.get(D('resourcetype'))!.el.children.map((x) => x.name)).toEqual([D('collection'), C('calendar')]);
    expect(textIn(cal.props.get(D('displayname'))!.el)).toBe('Default Calendar');
    expect(cal.props.get(C('supported-calendar-component-set'))!.el.children.map((x) => x.attrs.get('name'))).toEqual(['VEVENT', 'VJOURNAL', 'VTODO']);
    const privileges = cal.props.get(D('current-user-privilege-set'))!.el.children.map((p) => p.children[0]!.name);
    for (const p of ['read', 'write', 'write-properties', 'write-content', 'bind', 'unbind']) expect(privileges).toContain(D(p));
    const ctag = textIn(cal.props.get(CS('getctag'))!.el);
    const token = textIn(cal.props.get(D('sync-token'))!.el);
    expect(token).toMatch(/^https?:\/\/.+\/\d+$/); // a URI (Evolution keeps only URI tokens)
    expect(ctag).toBe(token);
    expect(cal.props.get(APPLE('calendar-color'))!.status).toBe(404);
    expect(textIn(cal.props.get(APPLE('calendar-order'))!.el)).toBe('0');
    const reports = cal.props.get(D('supported-report-set'))!.el.children.map((r) => r.children[0]!.children[0]!.name);
    expect(reports).toEqual(expect.arrayContaining([C('calendar-query'), C('calendar-multiget'), D('sync-collection'), C('free-busy-query')]));
    expect(textIn(cal.props.get(D('owner'))!.el)).toBe('/dav/principals/alice/');
  });

  it('answers unknown properties in a 404 propstat, and leaves them out with Prefer: return=minimal or Brief: t', async () => {
    const props = '<d:displayname/><cs:allowed-sharing-modes/><a:autoprovisioned xmlns:a="http://apple.com/ns/ical/"/><x:unknown xmlns:x="urn:example"/>';
    const full = parseMultistatus((await alice.propfind('/dav/calendars/alice/default/', props)).text).members.get('/dav/calendars/alice/default/')!;
    expect(full.props.get(D('displayname'))!.status).toBe(200);
    expect(full.props.get(CS('allowed-sharing-modes'))!.status).toBe(404);
    expect(full.props.get('{urn:example}unknown')!.status).toBe(404);
    for (const headers of [{ prefer: 'return=minimal' }, { brief: 't' }] as Record<string, string>[]) {
      const min = await alice.propfind('/dav/calendars/alice/default/', props, '0', headers);
      expect(min.text).not.toContain('404 Not Found');
      expect(parseMultistatus(min.text).members.get('/dav/calendars/alice/default/')!.props.get(D('displayname'))!.status).toBe(200);
    }
  });

  it('answers allprop (and an empty body) and propname', async () => {
    const empty = await alice.request('PROPFIND', '/dav/calendars/alice/default/', { headers: { depth: '0' } });
    expect(empty.status).toBe(207);
    expect(parseMultistatus(empty.text).members.get('/dav/calendars/alice/default/')!.props.has(D('resourcetype'))).toBe(true);
    const names = await alice.request('PROPFIND', '/dav/calendars/alice/default/', {
      headers: { depth: '0' },
      body: '<propfind xmlns="DAV:"><propname/></propfind>',
    });
    const props = parseMultistatus(names.text).members.get('/dav/calendars/alice/default/')!.props;
    expect(props.get(D('sync-token'))!.el.children).toHaveLength(0);
    expect(props.get(D('sync-token'))!.el.text).toBe('');
  });

  it('refuses Depth: infinity with propfind-finite-depth', async () => {
    const res = await alice.propfind('/dav/calendars/alice/', '<d:displayname/>', 'infinity');
    expect(res.status).toBe(403);
    expect(res.text).toContain('propfind-finite-depth');
  });

  it('parses any namespace prefixes (Apple A:/B:, DAVx5 default namespace + CAL)', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:"><A:prop><B:calendar-home-set xmlns:B="urn:ietf:params:xml:ns:caldav"/><A:displayname/></A:prop></A:propfind>`;
    const res = await alice.request('PROPFIND', '/dav/principals/alice/', { body, headers: { depth: '0', 'content-type': 'text/xml' } });
    expect(textIn(parseMultistatus(res.text).members.get('/dav/principals/alice/')!.props.get(C('calendar-home-set'))!.el)).toBe('/dav/calendars/alice/');
    const davx5 = `<?xml version='1.0' encoding='UTF-8' ?><propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><CAL:calendar-home-set /></prop></propfind>`;
    const res2 = await alice.request('PROPFIND', '/dav/principals/alice/', { body: davx5, headers: { depth: '0' } });
    expect(res2.status).toBe(207);
    const home = parseMultistatus(res2.text).members.get('/dav/principals/alice/')!.props.get(C('calendar-home-set'))!;
    expect(home.status).toBe(200);
    expect(textIn(home.el)).toBe('/dav/calendars/alice/');
  });

  it('accepts @ and %40 alike and emits one encoding', async () => {
    await server.domain.users.create({ username: 'bob@example.org', password: 'bob-password' });
    const bob = new Dav(server.url, 'bob@example.org', 'bob-password');
    for (const path of ['/dav/calendars/bob@example.org/', '/dav/calendars/bob%40example.org/']) {
      const res = await bob.propfind(path, '<d:displayname/>', '1');
      expect(res.status).toBe(207);
      expect([...parseMultistatus(res.text).members.keys()].slice(0, 2)).toEqual(['/dav/calendars/bob%40example.org/', '/dav/calendars/bob%40example.org/default/']);
    }
  });

  it("gives 404 for another user's home and calendars", async () => {
    expect((await alice.propfind('/dav/calendars/bob@example.org/', '<d:displayname/>')).status).toBe(404);
    expect((await alice.propfind('/dav/calendars/bob%40example.org/default/', '<d:displayname/>')).status).toBe(404);
    expect((await alice.request('GET', '/dav/calendars/bob%40example.org/default/')).status).toBe(404);
  });
});
