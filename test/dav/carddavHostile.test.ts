// Malformed and hostile CardDAV requests: every one gets an answer below 500 with a reason, and
// nothing refused changes the address book (its sync token stays where it was).
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { D, parseMultistatus, rawRequest, textIn } from '../helpers/dav.ts';
import { multiget, propfind, putCard, query, report, sync, vcard3 } from './carddavRequests.ts';

const BOOK = '/dav/addressbooks/alice/default/';

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('hostile CardDAV requests', { shuffle: false }, () => {
  const server = useTestServer({ env: { MAX_XML_BYTES: '20000', MAX_XML_DEPTH: '16', MAX_MULTIGET_HREFS: '5', MAX_OBJECT_BYTES: '4096' } });
  const alice = server.user('alice');
  const mallory = server.user('mallory');

  const token = async () => textIn(parseMultistatus((await propfind(alice, BOOK, '<d:sync-token/>')).text).members.get(BOOK)!.props.get(D('sync-token'))!.el);

  it('refuses malformed report bodies and filters with 400 or 403, never 207 or 500', async () => {
    const bodies = [
      '<card:addressbook-query xmlns:card="urn:ietf:params:xml:ns:carddav"><card:filter><card:prop-filter name="FN"></card:filter></card:addressbook-query>',
      query('<card:prop-filter/>'),
      query('<card:prop-filter name=""/>'),
      query('<card:prop-filter name="FN"><card:param-filter/></card:prop-filter>'),
      query('<card:prop-filter name="FN" test="sometimes"/>'),
      query('', '<d:getetag/>', '', ' test="maybe"'),
      query('', '<d:getetag/>', '<card:limit><card:nresults>-1</card:nresults></card:limit>'),
      query('', '<d:getetag/>', '<card:limit><card:nresults>lots</card:nresults></card:limit>'),
      query('<card:prop-filter name="FN"><card:text-match collation="">x</card:text-match></card:prop-filter>'),
      query('', '<card:address-data><card:prop/></card:address-data>'),
      query('', '<card:address-data content-type="text/vcard" version="5.0"/>'),
      '<card:addressbook-query xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop xmlns:d="DAV:"><d:getetag/></d:prop></card:addressbook-query>',
      multiget(['1', '2', '3', '4', '5', '6']),
      sync('', '<d:getetag/>', '<d:limit><d:nresults>0</d:nresults></d:limit>'),
      sync('', '<d:getetag/>').replace('<d:sync-level>1</d:sync-level>', '<d:sync-level>2</d:sync-level>'),
    ];
    for (const body of bodies) {
      const res = await report(alice, BOOK, body);
      expect([400, 403], `${res.status} for ${body.slice(150, 450)}`).toContain(res.status);
      expect(res.text).toMatch(/<!-- .+ -->/);
    }
    // A limit beyond any address book is no limit.
    const huge = await report(alice, BOOK, query('', '<d:getetag/>', '<card:limit><card:nresults>99999999999999999999999</card:nresults></card:limit>'));
    expect(huge.status).toBe(207);
  });

  it('answers hrefs that are no cards of the user with 404 in a multiget, not with their content', async () => {
    await putCard(mallory, '/dav/addressbooks/mallory/default/m.vcf', vcard3('m-1', 'Mal Lory'));
    const hrefs = ['/dav/addressbooks/mallory/default/m.vcf', '/dav/calendars/alice/default/', 'http://evil.example/x.vcf', '/dav/addressbooks/alice/default/%2e%2e', '%zz'];
    const res = await report(alice, BOOK, multiget(hrefs));
    expect(res.status).toBe(207);
    expect(res.text).not.toContain('Mal Lory');
    for (const m of parseMultistatus(res.text).members.values()) expect(m.status).toBe(404);
  });

  it('refuses hostile PUT bodies and names, and the address book does not change', async () => {
    const before = await token();
    const bodies: (string | Uint8Array)[] = [
      '',
      '\u0000\u0001\u0002',
      new Uint8Array([0xff, 0xfe, 0x00, 0x42]),
      'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:x\r\n',
      'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:x\r\nEND:VCALENDAR\r\n',
      'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:x\r\nBEGIN:VCARD\r\nEND:VCARD\r\nEND:VCARD\r\n',
      vcard3('x'.repeat(5000), 'Long Uid'),
      `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:deep\r\nFN:deep\r\n${'X-A;'.repeat(2000)}:x\r\nEND:VCARD\r\n`,
    ];
    for (const body of bodies) {
      const res = await alice.request('PUT', `${BOOK}hostile.vcf`, { body, headers: { 'content-type': 'text/vcard' } });
      expect([400, 403, 409, 413], `${res.status} for ${String(body).slice(0, 80)}`).toContain(res.status);
    }
    for (const path of [`${BOOK}${'n'.repeat(300)}.vcf`, `${BOOK}a%00b.vcf`, `${BOOK}..%2f..%2fx.vcf`]) {
      const res = await rawRequest(server.url, 'PUT', path, { authorization: alice.auth(), 'content-type': 'text/vcard' });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    expect(await token()).toBe(before);
  });

  it('refuses MKCOL and PROPPATCH bodies it cannot read, and address-book names the store cannot hold', async () => {
    const bad = [
      '<d:mkcol xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:prop></d:set></d:mkcol>',
      '<d:propertyupdate xmlns:d="DAV:"/>',
      `<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>${'x'.repeat(300)}</d:displayname></d:prop></d:set></d:mkcol>`,
    ];
    for (const body of bad) {
      const res = await alice.request('MKCOL', '/dav/addressbooks/alice/hostile/', { body });
      expect([400, 403], `${res.status} for ${body.slice(0, 80)}`).toContain(res.status);
    }
    const longName = await alice.request('MKCOL', `/dav/addressbooks/alice/${'b'.repeat(250)}/`);
    expect([400, 403]).toContain(longName.status);
    const home = await propfind(alice, '/dav/addressbooks/alice/', '<d:displayname/>', '1');
    expect([...parseMultistatus(home.text).members.keys()]).toEqual(['/dav/addressbooks/alice/', BOOK]);
  });
});
