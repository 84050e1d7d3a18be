// The RFC 3744 principal reports as raw HTTP, in the forms of the RFC's examples and of Apple's
// CalDAVTester (scripts/tests/CardDAV/aclreports.xml): acl-principal-prop-set (§9.2),
// principal-match (§9.3), principal-property-search (§9.4), principal-search-property-set (§9.5),
// all four defined for Depth 0 only (§9), a missing Depth being 0 (RFC 3253 §3.6).
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { D, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';

const ACL_PROP_SET = '<D:acl-principal-prop-set xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:acl-principal-prop-set>';
const MATCH_SELF = '<D:principal-match xmlns:D="DAV:"><D:self/><D:prop><D:displayname/></D:prop></D:principal-match>';
const SEARCH = '<D:principal-property-search xmlns:D="DAV:"><D:property-search><D:prop><D:displayname/></D:prop><D:match>Doe</D:match></D:property-search><D:prop><D:displayname/></D:prop></D:principal-property-search>';
const SEARCH_SET = '<D:principal-search-property-set xmlns:D="DAV:"/>';

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('RFC 3744 principal reports', { shuffle: false }, () => {
  const server = useTestServer();
  const alice = server.user('alice', { email: 'alice@example.org', displayName: 'Alice Doe' });
  const bob = server.user('bob', { email: 'bob@example.org', displayName: 'Bob Roe' });

  it('refuses Depth 1 and infinity with 400 on all four reports (RFC 3744 §9), and takes a missing Depth as 0', async () => {
    const cases: [string, string][] = [
      ['/dav/addressbooks/alice/default/', ACL_PROP_SET],
      ['/dav/principals/', MATCH_SELF],
      ['/dav/principals/', SEARCH],
      ['/dav/principals/', SEARCH_SET],
    ];
    for (const [path, body] of cases) {
      for (const depth of ['1', 'infinity']) expect((await alice.report(path, body, depth)).status, `${body.slice(0, 40)} Depth ${depth}`).toBe(400);
      for (const depth of ['0', null]) expect((await alice.report(path, body, depth)).status, `${body.slice(0, 40)} Depth ${depth}`).toBeLessThan(300);
    }
  });

  it('acl-principal-prop-set answers the owner principal of an address book and a calendar with the asked properties', async () => {
    for (const path of ['/dav/addressbooks/alice/default/', '/dav/calendars/alice/default/', '/dav/calendars/alice/']) {
      const res = await alice.report(path, ACL_PROP_SET, null);
      expect(res.status).toBe(207);
      const ms = parseMultistatus(res.text);
      expect([...ms.members.keys()]).toEqual(['/dav/principals/alice/']);
      expect(textIn(ms.members.get('/dav/principals/alice/')!.props.get(D('displayname'))!.el)).toBe('Alice Doe');
    }
  });

  it('acl-principal-prop-set needs exactly one DAV:prop (RFC 3744 §9.2)', async () => {
    const none = '<D:acl-principal-prop-set xmlns:D="DAV:"><D:all/></D:acl-principal-prop-set>';
    const two = '<D:acl-principal-prop-set xmlns:D="DAV:"><D:prop><D:displayname/></D:prop><D:prop><D:acl/></D:prop></D:acl-principal-prop-set>';
    expect((await alice.report('/dav/addressbooks/alice/default/', none, '0')).status).toBe(400);
    expect((await alice.report('/dav/addressbooks/alice/default/', two, null)).status).toBe(400);
  });

  it("acl-principal-prop-set lists a shared calendar's sharees to its owner, and the owner and itself to a sharee", async () => {
    const mk = await alice.request('MKCALENDAR', '/dav/calendars/alice/team/', { body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"/>' });
    expect(mk.status).toBe(201);
    const instance = (await server.domain.calendars.get('principals/alice', 'team'))!.instanceId;
    await server.domain.sharing.share('alice', instance, 'bob', false);
    const owner = parseMultistatus((await alice.report('/dav/calendars/alice/team/', ACL_PROP_SET, '0')).text);
    expect([...owner.members.keys()]).toEqual(['/dav/principals/alice/', '/dav/principals/bob/']);
    const bobHome = parseMultistatus((await bob.propfind('/dav/calendars/bob/', '<d:displayname/>', '1')).text);
    const shared = [...bobHome.members.keys()].find((h) => !/\/(default|inbox|outbox|birthdays)\/$/.test(h) && h !== '/dav/calendars/bob/')!;
    const sharee = parseMultistatus((await bob.report(shared, ACL_PROP_SET, '0')).text);
    expect([...sharee.members.keys()]).toEqual(['/dav/principals/alice/', '/dav/principals/bob/']);
  });

  it("principal-match DAV:self on the principal collection answers the current user's principal, with or without DAV:prop", async () => {
    const withProp = parseMultistatus((await alice.report('/dav/principals/', MATCH_SELF, null)).text);
    expect([...withProp.members.keys()]).toEqual(['/dav/principals/alice/']);
    expect(textIn(withProp.members.get('/dav/principals/alice/')!.props.get(D('displayname'))!.el)).toBe('Alice Doe');
    const bare = await bob.report('/dav/principals/', '<D:principal-match xmlns:D="DAV:"><D:self/></D:principal-match>', '0');
    expect(bare.status).toBe(207);
    const ms = parseMultistatus(bare.text);
    expect([...ms.members.keys()]).toEqual(['/dav/principals/bob/']);
    expect(ms.members.get('/dav/principals/bob/')!.status).toBe(200);
    // Another user's principal is not the current user.
    expect(parseMultistatus((await bob.report('/dav/principals/alice/', MATCH_SELF, '0')).text).members.size).toBe(0);
  });

  it('principal-match DAV:principal-property DAV:owner on a home answers the members the current user owns', async () => {
    const body = '<D:principal-match xmlns:D="DAV:"><D:principal-property><D:owner/></D:principal-property><D:prop><D:displayname/></D:prop></D:principal-match>';
    const res = await alice.report('/dav/addressbooks/alice/', body, '0');
    expect(res.status).toBe(207);
    const hrefs = [...parseMultistatus(res.text).members.keys()];
    expect(hrefs).toContain('/dav/addressbooks/alice/');
    expect(hrefs).toContain('/dav/addressbooks/alice/default/');
    const cal = [...parseMultistatus((await alice.report('/dav/calendars/alice/', body, null)).text).members.keys()];
    expect(cal).toContain('/dav/calendars/alice/default/');
    // A property that names no principal (DAV:acl is not a property here) matches nothing: 207, empty.
    const acl = await alice.report('/dav/addressbooks/alice/', '<D:principal-match xmlns:D="DAV:"><D:principal-property><D:acl/></D:principal-property><D:prop><D:getetag/></D:prop></D:principal-match>', null);
    expect(acl.status).toBe(207);
    expect(parseMultistatus(acl.text).members.size).toBe(0);
  });

  it('principal-match DAV:principal-property reads a dead property too (RFC 3744 §9.3 example, CalDAVTester DAV:whoami)', async () => {
    const mk = await alice.request('MKCALENDAR', '/dav/calendars/alice/mine/', { body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"/>' });
    expect(mk.status).toBe(201);
    const set = (who: string) => `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:whoami><D:href>/dav/principals/${who}/</D:href></D:whoami></D:prop></D:set></D:propertyupdate>`;
    expect((await alice.request('PROPPATCH', '/dav/calendars/alice/mine/', { body: set('alice') })).status).toBe(207);
    expect((await alice.request('PROPPATCH', '/dav/calendars/alice/default/', { body: set('bob') })).status).toBe(207);
    const body = '<D:principal-match xmlns:D="DAV:"><D:principal-property><D:whoami/></D:principal-property><D:prop><D:whoami/></D:prop></D:principal-match>';
    const ms = parseMultistatus((await alice.report('/dav/calendars/alice/', body, '0')).text);
    expect([...ms.members.keys()]).toEqual(['/dav/calendars/alice/mine/']);
    expect(ms.members.get('/dav/calendars/alice/mine/')!.props.get(D('whoami'))!.status).toBe(200);
  });

  it('principal-match takes DAV:self or DAV:principal-property and at most one DAV:prop', async () => {
    const two = '<D:principal-match xmlns:D="DAV:"><D:self/><D:prop><D:displayname/></D:prop><D:prop><D:principal-URL/></D:prop></D:principal-match>';
    expect((await alice.report('/dav/principals/', two, '0')).status).toBe(400);
    expect((await alice.report('/dav/principals/', '<D:principal-match xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:principal-match>', '0')).status).toBe(400);
  });

  it('principal-search-property-set is answered on the principal collection and refused elsewhere with supported-report (RFC 3253 §3.6)', async () => {
    expect((await alice.report('/dav/principals/', SEARCH_SET, null)).status).toBe(200);
    for (const path of ['/dav/addressbooks/alice/', '/dav/calendars/alice/']) {
      const res = await alice.report(path, SEARCH_SET, null);
      expect(res.status).toBe(403);
      expect(parseErrorBody(res.text)).toContain(D('supported-report'));
    }
  });

  it('supported-report-set lists acl-principal-prop-set, principal-match and principal-property-search everywhere, principal-search-property-set on principals only', async () => {
    const reportsAt = async (path: string) => {
      const ms = parseMultistatus((await alice.propfind(path, '<d:supported-report-set/>', '0')).text);
      return ms.members.get(path)!.props.get(D('supported-report-set'))!.el.children.map((r) => r.children[0]!.children[0]!.name);
    };
    for (const path of ['/dav/principals/', '/dav/principals/alice/', '/dav/calendars/alice/', '/dav/calendars/alice/default/', '/dav/addressbooks/alice/', '/dav/addressbooks/alice/default/']) {
      const reports = await reportsAt(path);
      expect(reports, path).toEqual(expect.arrayContaining([D('acl-principal-prop-set'), D('principal-match'), D('principal-property-search'), D('expand-property')]));
      expect(reports.includes(D('principal-search-property-set')), path).toBe(path === '/dav/principals/');
    }
  });

  it('principal-property-search with Depth 0 still finds users', async () => {
    const res = await alice.report('/dav/principals/', SEARCH, '0');
    expect([...parseMultistatus(res.text).members.keys()].sort()).toEqual(['/dav/principals/alice/']);
  });
});
