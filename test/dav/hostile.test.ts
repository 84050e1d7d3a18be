import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { Dav, rawRequest } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

describe('hostile and malformed requests (never a 207 or a 500)', () => {
  const server = useTestServer({ env: { MAX_XML_BYTES: '20000', MAX_XML_DEPTH: '16', MAX_MULTIGET_HREFS: '5' } });
  const alice = server.user('alice');
  server.user('mallory');

  const bodies: [string, string][] = [
    ['malformed XML', '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname></d:prop></d:propfind>'],
    ['an unbound prefix', '<x:propfind><x:prop/></x:propfind>'],
    ['two roots', '<d:propfind xmlns:d="DAV:"/><d:propfind xmlns:d="DAV:"/>'],
    ['text only', 'hello'],
    ['a billion-laughs DOCTYPE', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><d:propfind xmlns:d="DAV:"><d:prop>&lol2;</d:prop></d:propfind>'],
    ['an external entity (XXE)', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&xxe;</d:displayname></d:prop></d:propfind>'],
    ['nesting deeper than MAX_XML_DEPTH', `<d:propfind xmlns:d="DAV:"><d:prop>${'<x:a xmlns:x="urn:x">'.repeat(20)}${'</x:a>'.repeat(20)}</d:prop></d:propfind>`],
    ['the wrong root element', '<d:propertyupdate xmlns:d="DAV:"/>'],
  ];

  it.each(bodies)('PROPFIND with %s is 400 with a reason', async (_name, body) => {
    const res = await alice.request('PROPFIND', '/dav/calendars/alice/default/', { body, headers: { depth: '0' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    // The reason is a comment in the DAV:error body, for people; the body holds no element of ours.
    expect(res.text).toMatch(/<!-- .+ -->/);
    expect(res.text).not.toContain('calendula:');
  });

  it.each(bodies)('REPORT with %s is 400 too', async (_name, body) => {
    const res = await alice.request('REPORT', '/dav/calendars/alice/default/', { body });
    expect([400, 403]).toContain(res.status);
  });

  it('an XML body over MAX_XML_BYTES is 413 and a quadratic-blowup entity never expands', async () => {
    const big = `<d:propfind xmlns:d="DAV:"><d:prop>${'<d:displayname/>'.repeat(2000)}</d:prop></d:propfind>`;
    expect((await alice.request('PROPFIND', '/dav/calendars/alice/default/', { body: big, headers: { depth: '0' } })).status).toBe(413);
    // Under the byte limit, an internal entity of 5,000 characters referenced 1,000 times would
    // expand to 5 MB: the DOCTYPE is refused before anything is expanded.
    const blowup = `<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY a "${'a'.repeat(5000)}">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>${'&a;'.repeat(1000)}</d:displayname></d:prop></d:propfind>`;
    expect(Buffer.byteLength(blowup)).toBeLessThan(20000);
    const res = await alice.request('PROPFIND', '/dav/calendars/alice/default/', { body: blowup, headers: { depth: '0' } });
    expect(res.status).toBe(400);
    expect(res.text).toContain('DOCTYPE and ENTITY declarations are not accepted');
    expect(res.text.length).toBeLessThan(2000);
  });

  it('PROPPATCH and MKCALENDAR with malformed XML change nothing', async () => {
    expect((await alice.request('PROPPATCH', '/dav/calendars/alice/default/', { body: '<d:propertyupdate xmlns:d="DAV:"><d:set>' })).status).toBe(400);
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/x/', { body: '<c:mkcalendar' })).status).toBe(400);
    expect((await alice.propfind('/dav/calendars/alice/x/', '<d:displayname/>')).status).toBe(404);
  });

  it('a multiget over MAX_MULTIGET_HREFS is refused', async () => {
    const hrefs = Array.from({ length: 6 }, (_, i) => `<d:href>/dav/calendars/alice/default/${i}.ics</d:href>`).join('');
    const res = await alice.report('/dav/calendars/alice/default/', `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>${hrefs}</c:calendar-multiget>`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('number-of-matches-within-limits');
  });

  it('bad headers and paths are 400: Depth, If-Match, percent-encoding, dot segments', async () => {
    expect((await alice.request('PROPFIND', '/dav/calendars/alice/', { headers: { depth: 'two' } })).status).toBe(400);
    expect((await alice.put('/dav/calendars/alice/default/a.ics', calendar(event('a', ['DTSTART:20260101T000000Z'])), { 'if-match': 'no-quotes' })).status).toBe(400);
    const auth = { authorization: alice.auth() };
    expect((await rawRequest(server.url, 'GET', '/dav/calendars/alice/%E0%A4%A/', auth)).status).toBe(400);
    expect((await rawRequest(server.url, 'GET', '/dav/calendars/alice/%2e%2e/', auth)).status).toBe(400);
  });

  it("another user's paths are 404 for every method, and nothing of theirs changes", async () => {
    const mallory = new Dav(server.url, 'mallory', 'mallory-password');
    await alice.put('/dav/calendars/alice/default/private.ics', calendar(event('private', ['DTSTART:20260101T000000Z', 'SUMMARY:secret'])));
    for (const [method, path, body] of [
      ['GET', '/dav/calendars/alice/default/private.ics'],
      ['PROPFIND', '/dav/calendars/alice/default/'],
      ['PUT', '/dav/calendars/alice/default/private.ics', calendar(event('private', ['DTSTART:20260101T000000Z', 'SUMMARY:pwned']))],
      ['DELETE', '/dav/calendars/alice/default/private.ics'],
      ['DELETE', '/dav/calendars/alice/default/'],
      ['PROPPATCH', '/dav/calendars/alice/default/', '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname></d:prop></d:set></d:propertyupdate>'],
      ['REPORT', '/dav/calendars/alice/default/', '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:prop><d:getetag/></d:prop></d:sync-collection>'],
    ] as const) {
      const res = await mallory.request(method, path, { body });
      expect([404, 409], `${method} ${path}`).toContain(res.status);
    }
    const copy = await mallory.request('MOVE', '/dav/calendars/mallory/default/x.ics', { headers: { destination: '/dav/calendars/alice/default/x.ics' } });
    expect(copy.status).toBe(404);
    expect((await alice.request('GET', '/dav/calendars/alice/default/private.ics')).text).toContain('SUMMARY:secret');
  });

  it('unsupported methods get 405 with Allow', async () => {
    const res = await alice.request('LOCK', '/dav/calendars/alice/default/');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('PROPFIND');
  });
});
