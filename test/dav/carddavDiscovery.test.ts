// CardDAV discovery and address-book collections (RFC 6352 §6-7, RFC 6764, RFC 5689) as DAVx5,
// iOS Contacts, Thunderbird CardBook and Evolution ask for them, in raw HTTP and XML.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { CS, D, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { CR, propfind, putCard, vcard3 } from './carddavRequests.ts';

const reportsOf = (el: { children: { children: { children: { name: string }[] }[] }[] }) => el.children.map((r) => r.children[0]!.children[0]!.name);

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('CardDAV discovery', { shuffle: false }, () => {
  const server = useTestServer({ env: { TRUST_PROXY: 'true' } });
  const alice = server.user('alice', { email: 'alice@example.org', displayName: 'Alice Doe' });
  const bob = server.user('bob');

  it('redirects /.well-known/carddav to /dav/ for PROPFIND and GET, behind a proxy too', async () => {
    for (const method of ['PROPFIND', 'GET']) {
      const res = await alice.request(method, '/.well-known/carddav', { anonymous: true });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe('/dav/');
    }
    const proxied = await alice.request('PROPFIND', '/.well-known/carddav', {
      anonymous: true,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'dav.example.org' },
    });
    expect(proxied.headers.get('location')).toBe('https://dav.example.org/dav/');
  });

  it('OPTIONS advertises addressbook beside calendar-access (DAVx5 keeps the principal only then), with the methods of each place', async () => {
    for (const path of ['/dav/', '/dav/principals/alice/', '/dav/addressbooks/alice/', '/dav/addressbooks/alice/default/', '/dav/addressbooks/alice/default/x.vcf']) {
      const res = await alice.request('OPTIONS', path, { anonymous: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('dav')).toMatch(/\baddressbook\b/);
      expect(res.headers.get('dav')).toContain('calendar-access');
      expect(res.headers.get('dav')).toContain('extended-mkcol');
    }
    expect((await alice.request('OPTIONS', '/dav/addressbooks/alice/', { anonymous: true })).headers.get('allow')).toContain('MKCOL');
    expect((await alice.request('OPTIONS', '/dav/addressbooks/alice/default/x.vcf', { anonymous: true })).headers.get('allow')).toContain('PUT');
  });

  it('walks DAVx5 discovery: well-known → current-user-principal → addressbook-home-set → home Depth 1', async () => {
    const wellKnown = await alice.request('PROPFIND', '/.well-known/carddav', { headers: { depth: '0' } });
    const root = wellKnown.headers.get('location')!;
    // DAVx5's probe asks CalDAV and CardDAV properties together; what a resource lacks is a 404.
    const probe = await propfind(
      alice,
      root,
      '<d:resourcetype/><d:displayname/><d:current-user-principal/><d:current-user-privilege-set/><card:addressbook-home-set/><card:addressbook-description/>',
    );
    expect(probe.status).toBe(207);
    const rootProps = parseMultistatus(probe.text).members.get('/dav/')!.props;
    const principal = textIn(rootProps.get(D('current-user-principal'))!.el);
    expect(principal).toBe('/dav/principals/alice/');
    expect(rootProps.get(CR('addressbook-home-set'))!.status).toBe(404);

    const p = await propfind(alice, principal, '<card:addressbook-home-set/><d:displayname/><d:resourcetype/><d:group-membership/>');
    const home = textIn(parseMultistatus(p.text).members.get(principal)!.props.get(CR('addressbook-home-set'))!.el);
    expect(home).toBe('/dav/addressbooks/alice/');

    const listing = await propfind(
      alice,
      home,
      '<d:current-user-privilege-set/><d:displayname/><d:owner/><d:resourcetype/><card:addressbook-description/><cs:getctag/><d:sync-token/><d:supported-report-set/>',
      '1',
    );
    expect(listing.status).toBe(207);
    const { members } = parseMultistatus(listing.text);
    expect([...members.keys()]).toEqual(['/dav/addressbooks/alice/', '/dav/addressbooks/alice/default/']);
    const book = members.get('/dav/addressbooks/alice/default/')!.props;
    expect(book.get(D('resourcetype'))!.el.children.map((x) => x.name)).toEqual([D('collection'), CR('addressbook')]);
    expect(textIn(book.get(D('displayname'))!.el)).toBe('Contacts');
    expect(textIn(book.get(D('owner'))!.el)).toBe('/dav/principals/alice/');
    const privileges = book.get(D('current-user-privilege-set'))!.el.children.map((x) => x.children[0]!.name);
    for (const priv of ['read', 'write', 'write-content', 'bind', 'unbind']) expect(privileges).toContain(D(priv));
    const token = textIn(book.get(D('sync-token'))!.el);
    expect(token).toMatch(/^https?:\/\/.+\/\d+$/);
    expect(textIn(book.get(CS('getctag'))!.el)).toBe(token);
    expect(reportsOf(book.get(D('supported-report-set'))!.el)).toEqual(
      expect.arrayContaining([CR('addressbook-query'), CR('addressbook-multiget'), D('sync-collection')]),
    );
    const homeProps = members.get('/dav/addressbooks/alice/')!.props;
    expect(homeProps.get(D('resourcetype'))!.el.children.map((x) => x.name)).toEqual([D('collection')]);
  });

  it('answers DAVx5 sync-time properties of an address book: supported-address-data (3.0 and 4.0), max-resource-size', async () => {
    const res = await propfind(alice, '/dav/addressbooks/alice/default/', '<d:supported-report-set/><d:sync-token/><cs:getctag/><card:max-resource-size/><card:supported-address-data/>');
    const props = parseMultistatus(res.text).members.get('/dav/addressbooks/alice/default/')!.props;
    const types = props.get(CR('supported-address-data'))!.el.children.map((x) => [x.name, x.attrs.get('content-type'), x.attrs.get('version')]);
    expect(types).toEqual([
      [CR('address-data-type'), 'text/vcard', '3.0'],
      [CR('address-data-type'), 'text/vcard', '4.0'],
    ]);
    expect(Number(textIn(props.get(CR('max-resource-size'))!.el))).toBe(server.config.limits.maxObjectBytes);
  });

  it('finds the address-book home like iOS Contacts (Brief: t, Prefer: return=minimal, text/xml)', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:"><A:prop><B:addressbook-home-set xmlns:B="urn:ietf:params:xml:ns:carddav"/><B:directory-gateway xmlns:B="urn:ietf:params:xml:ns:carddav"/><A:displayname/><C:email-address-set xmlns:C="http://calendarserver.org/ns/"/><A:principal-collection-set/><A:principal-URL/><A:resource-id/><A:supported-report-set/></A:prop></A:propfind>`;
    const res = await alice.request('PROPFIND', '/dav/principals/alice/', { body, headers: { depth: '0', brief: 't', prefer: 'return=minimal', 'content-type': 'text/xml' } });
    expect(res.status).toBe(207);
    expect(res.text).not.toContain('404 Not Found');
    const props = parseMultistatus(res.text).members.get('/dav/principals/alice/')!.props;
    expect(textIn(props.get(CR('addressbook-home-set'))!.el)).toBe('/dav/addressbooks/alice/');
    expect(textIn(props.get(D('displayname'))!.el)).toBe('Alice Doe');
  });

  it('lists the address-book homes beside the calendar homes under the root', async () => {
    const res = await propfind(alice, '/dav/', '<d:resourcetype/>', '1');
    expect([...parseMultistatus(res.text).members.keys()]).toEqual(['/dav/', '/dav/principals/', '/dav/calendars/', '/dav/addressbooks/']);
    const homes = await propfind(alice, '/dav/addressbooks/', '<d:resourcetype/>', '1');
    expect([...parseMultistatus(homes.text).members.keys()]).toEqual(['/dav/addressbooks/', '/dav/addressbooks/alice/']);
  });

  it("answers 404 for another user's address-book home, address books and cards, and 401 without credentials", async () => {
    expect((await putCard(bob, '/dav/addressbooks/bob/default/b.vcf', vcard3('b-1', 'Bob Card'))).status).toBe(201);
    for (const path of ['/dav/addressbooks/bob/', '/dav/addressbooks/bob/default/', '/dav/addressbooks/bob/default/b.vcf']) {
      expect((await propfind(alice, path, '<d:displayname/>')).status, path).toBe(404);
    }
    expect((await alice.request('GET', '/dav/addressbooks/bob/default/b.vcf')).status).toBe(404);
    expect((await alice.request('DELETE', '/dav/addressbooks/bob/default/b.vcf')).status).toBe(404);
    expect((await putCard(alice, '/dav/addressbooks/bob/default/evil.vcf', vcard3('evil', 'Eve Il'))).status).toBe(409);
    expect((await alice.request('DELETE', '/dav/addressbooks/bob/default/')).status).toBe(404);
    expect((await bob.request('GET', '/dav/addressbooks/bob/default/b.vcf')).status).toBe(200);
    for (const path of ['/dav/addressbooks/alice/', '/dav/addressbooks/alice/default/', '/dav/addressbooks/bob/default/b.vcf']) {
      const res = await alice.request('PROPFIND', path, { anonymous: true, headers: { depth: '0' } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });
});

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('address-book collections', { shuffle: false }, () => {
  const server = useTestServer();
  const alice = server.user('alice');

  const mkcol = (path: string, body?: string) =>
    alice.request('MKCOL', path, body === undefined ? {} : { body, headers: { 'content-type': 'application/xml; charset=utf-8' } });
  const extended = (props: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>${props}</d:prop></d:set></d:mkcol>`;

  it('makes an address book with extended MKCOL (DAVx5), with its name, description and dead properties', async () => {
    const res = await mkcol(
      '/dav/addressbooks/alice/work/',
      extended(
        '<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Work</d:displayname><card:addressbook-description>Colleagues</card:addressbook-description><x:color xmlns:x="urn:example">blue</x:color>',
      ),
    );
    expect(res.status).toBe(201);
    const props = parseMultistatus(
      (await propfind(alice, '/dav/addressbooks/alice/work/', '<d:resourcetype/><d:displayname/><card:addressbook-description/><x:color xmlns:x="urn:example"/>')).text,
    ).members.get('/dav/addressbooks/alice/work/')!.props;
    expect(props.get(D('resourcetype'))!.el.children.map((x) => x.name)).toContain(CR('addressbook'));
    expect(textIn(props.get(D('displayname'))!.el)).toBe('Work');
    expect(textIn(props.get(CR('addressbook-description'))!.el)).toBe('Colleagues');
    expect(textIn(props.get('{urn:example}color')!.el)).toBe('blue');
    const home = await propfind(alice, '/dav/addressbooks/alice/', '<d:displayname/>', '1');
    expect([...parseMultistatus(home.text).members.keys()]).toContain('/dav/addressbooks/alice/work/');
  });

  it('makes an address book with a plain MKCOL in the home, as sabre/dav does', async () => {
    expect((await mkcol('/dav/addressbooks/alice/plain/')).status).toBe(201);
    const res = await propfind(alice, '/dav/addressbooks/alice/plain/', '<d:resourcetype/>');
    expect(parseMultistatus(res.text).members.get('/dav/addressbooks/alice/plain/')!.props.get(D('resourcetype'))!.el.children.map((x) => x.name)).toContain(
      CR('addressbook'),
    );
  });

  it('refuses what extended MKCOL cannot make: another resourcetype, an existing name, a place outside the home, a bad property', async () => {
    const calendarType = await mkcol('/dav/addressbooks/alice/cal/', extended('<d:resourcetype><d:collection/><c:calendar xmlns:c="urn:ietf:params:xml:ns:caldav"/></d:resourcetype>'));
    expect(calendarType.status).toBe(403);
    expect(parseErrorBody(calendarType.text)).toEqual([D('valid-resourcetype')]);
    const existing = await mkcol('/dav/addressbooks/alice/default/', extended('<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>'));
    expect(existing.status).toBe(405);
    const nested = await mkcol('/dav/addressbooks/alice/default/sub/', extended('<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>'));
    expect(nested.status).toBe(403);
    expect(parseErrorBody(nested.text)).toEqual([CR('addressbook-collection-location-ok')]);
    const protectedProp = await mkcol(
      '/dav/addressbooks/alice/bad/',
      extended('<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:getetag>"x"</d:getetag>'),
    );
    expect(protectedProp.status).toBe(403);
    expect(protectedProp.text).toContain('mkcol-response');
    expect((await propfind(alice, '/dav/addressbooks/alice/bad/', '<d:displayname/>')).status).toBe(404);
    const asCalendar = await alice.request('MKCALENDAR', '/dav/addressbooks/alice/mk/');
    expect(asCalendar.status).toBe(403);
  });

  it('changes an address book with PROPPATCH (displayname, description, dead properties) and refuses protected ones', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:displayname>Friends</d:displayname><card:addressbook-description>People I like</card:addressbook-description><x:sort xmlns:x="urn:example">family</x:sort></d:prop></d:set></d:propertyupdate>`;
    const res = await alice.request('PROPPATCH', '/dav/addressbooks/alice/work/', { body });
    expect(res.status).toBe(207);
    const ok = parseMultistatus(res.text).members.get('/dav/addressbooks/alice/work/')!.props;
    expect([...ok.values()].map((p) => p.status)).toEqual([200, 200, 200]);
    const after = parseMultistatus(
      (await propfind(alice, '/dav/addressbooks/alice/work/', '<d:displayname/><card:addressbook-description/><x:sort xmlns:x="urn:example"/>')).text,
    ).members.get('/dav/addressbooks/alice/work/')!.props;
    expect(textIn(after.get(D('displayname'))!.el)).toBe('Friends');
    expect(textIn(after.get(CR('addressbook-description'))!.el)).toBe('People I like');
    expect(textIn(after.get('{urn:example}sort')!.el)).toBe('family');
    const refused = await alice.request('PROPPATCH', '/dav/addressbooks/alice/work/', {
      body: `<?xml version="1.0" encoding="UTF-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:displayname>Never</d:displayname><card:supported-address-data/></d:prop></d:set></d:propertyupdate>`,
    });
    const statuses = parseMultistatus(refused.text).members.get('/dav/addressbooks/alice/work/')!.props;
    expect(statuses.get(CR('supported-address-data'))!.status).toBe(403);
    expect(statuses.get(D('displayname'))!.status).toBe(424);
  });

  it('deletes an address book with its cards', async () => {
    expect((await putCard(alice, '/dav/addressbooks/alice/plain/c.vcf', vcard3('c-1', 'Carol Card'))).status).toBe(201);
    expect((await alice.request('DELETE', '/dav/addressbooks/alice/plain/', { headers: { 'if-match': '"nope"' } })).status).toBe(412);
    expect((await alice.request('DELETE', '/dav/addressbooks/alice/plain/')).status).toBe(204);
    expect((await propfind(alice, '/dav/addressbooks/alice/plain/', '<d:displayname/>')).status).toBe(404);
    expect((await alice.request('GET', '/dav/addressbooks/alice/plain/c.vcf')).status).toBe(404);
    // The name is free again.
    expect((await mkcol('/dav/addressbooks/alice/plain/')).status).toBe(201);
  });
});
