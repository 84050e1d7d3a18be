// What CalDAVTester's CardDAV scripts found in the face, each checked the way a client sees it:
// addressbook-query with CARDDAV:limit keeps the first cards in name order (RFC 6352 §8.6.1;
// CalendarServer answers in name order, reports.xml 19–26), a response whose only asked property
// failed carries no empty 200 propstat, the address-book home answers getctag, sync-token and
// sync-collection (RFC 6578) over its books, and COPY/MOVE of a card is one write.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { CS, D, parseMultistatus } from '../helpers/dav.ts';
import { CR, multiget, propfind, putCard, query, report, sync, vcard3, vcard4 } from './carddavRequests.ts';

const BOOK = '/dav/addressbooks/alice/default/';
const MKCOL_BOOK =
  '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>';
const LIMIT = (n: number) => `<card:limit><card:nresults>${n}</card:nresults></card:limit>`;

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('CardDAV conformance fixes', { shuffle: false }, () => {
  const server = useTestServer();
  const alice = server.user('alice');

  describe('addressbook-query with CARDDAV:limit', () => {
    it('keeps the first cards in name order (as bytes), whatever order they were written in, and the same ones every time', async () => {
      // Written out of name order; "10" sorts before "2" as text, "B" before "a" as bytes.
      const names = ['zed.vcf', '2.vcf', 'a.vcf', '10.vcf', 'B.vcf'];
      for (const [i, name] of names.entries()) {
        const res = await putCard(alice, `${BOOK}${name}`, vcard3(`limit-${i}`, `Card ${name}`));
        expect(res.status).toBe(201);
      }
      // Rewriting a card must not move it either.
      expect((await putCard(alice, `${BOOK}10.vcf`, vcard3('limit-3', 'Card ten', ['NOTE:changed']))).status).toBe(204);
      for (let round = 0; round < 2; round++) {
        const res = await report(alice, BOOK, query('', '<d:getetag/>', LIMIT(3)));
        expect(res.status).toBe(207);
        const { members } = parseMultistatus(res.text);
        const cards = [...members.keys()].filter((h) => h !== BOOK);
        expect(cards).toEqual([`${BOOK}10.vcf`, `${BOOK}2.vcf`, `${BOOK}B.vcf`]);
        expect(members.get(BOOK)!.status).toBe(507);
      }
      // Without a limit every card comes, in the same order.
      const all = parseMultistatus((await report(alice, BOOK, query(''))).text);
      expect([...all.members.keys()]).toEqual(['10.vcf', '2.vcf', 'B.vcf', 'a.vcf', 'zed.vcf'].map((n) => `${BOOK}${n}`));
      for (const name of names) expect((await alice.request('DELETE', `${BOOK}${name}`)).status).toBe(204);
    });
  });

  describe('a response whose only asked property fails', () => {
    it('has the failing propstat alone, no empty 200 one', async () => {
      expect((await putCard(alice, `${BOOK}three.vcf`, vcard3('three', 'Three Card'))).status).toBe(201);
      expect((await putCard(alice, `${BOOK}four.vcf`, vcard4('four', 'Four Card'))).status).toBe(201);
      // The only asked property is one no card has: each response holds its 404 propstat alone.
      const res = await report(alice, BOOK, multiget([`${BOOK}three.vcf`, `${BOOK}four.vcf`], '<x:nope xmlns:x="urn:example:calendula"/>'));
      expect(res.status).toBe(207);
      const three = res.text.split('<d:response>').find((r) => r.includes(`${BOOK}three.vcf`)) ?? '';
      expect(three).toContain('404 Not Found');
      expect(three).not.toContain('200 OK');
      expect(three).not.toMatch(/<d:prop><\/d:prop>|<d:prop\/>/);
      // Asked in the other version, a card is answered converted (src/vcard/convert.ts), in a 200 propstat.
      const converted = await report(alice, BOOK, multiget([`${BOOK}three.vcf`], '<card:address-data content-type="text/vcard" version="4.0"/>'));
      const { members } = parseMultistatus(converted.text);
      expect(members.get(`${BOOK}three.vcf`)!.props.get(CR('address-data'))!.status).toBe(200);
      // A PROPFIND of an empty prop still answers a (bare) 200 propstat: a response needs one.
      const empty = await alice.request('PROPFIND', `${BOOK}three.vcf`, {
        body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop/></d:propfind>',
        headers: { depth: '0', 'content-type': 'application/xml' },
      });
      expect(empty.status).toBe(207);
      expect(empty.text).toContain('200 OK');
      expect(parseMultistatus(empty.text).members.get(`${BOOK}three.vcf`)).toBeDefined();
    });
  });

  describe('COPY and MOVE of a card are one write', () => {
    const OTHER = '/dav/addressbooks/alice/moves/';
    const ctag = async (path: string) => parseMultistatus((await propfind(alice, path, '<cs:getctag/>')).text).members.get(path)!.props.get(CS('getctag'))!.el.text;

    it('a MOVE the destination refuses leaves both books as they were (no delete and re-put of the source)', async () => {
      expect((await alice.request('MKCOL', OTHER, { body: MKCOL_BOOK, headers: { 'content-type': 'application/xml' } })).status).toBe(201);
      expect((await putCard(alice, `${BOOK}mover.vcf`, vcard3('mover', 'Mo Ver'))).status).toBe(201);
      expect((await putCard(alice, `${BOOK}other.vcf`, vcard3('other', 'Oth Er'))).status).toBe(201);
      expect((await putCard(alice, `${OTHER}taken.vcf`, vcard3('mover', 'Mo Ver'))).status).toBe(201);
      const before = [await ctag(BOOK), await ctag(OTHER)];
      // Into the other book, where the UID is taken under another name.
      const across = await alice.request('MOVE', `${BOOK}mover.vcf`, { headers: { destination: `${server.url}${OTHER}moved.vcf` } });
      expect(across.status).toBe(409);
      expect(across.text).toContain('no-uid-conflict');
      // A rename within the book onto a card with another UID.
      const rename = await alice.request('MOVE', `${BOOK}mover.vcf`, { headers: { destination: `${server.url}${BOOK}other.vcf` } });
      expect(rename.status).toBe(409);
      expect([await ctag(BOOK), await ctag(OTHER)]).toEqual(before);
      expect((await alice.request('GET', `${BOOK}mover.vcf`)).status).toBe(200);
      expect((await alice.request('GET', `${OTHER}moved.vcf`)).status).toBe(404);
    });

    it('a MOVE that succeeds shows the card gone from one book and created in the other, in their sync reports', async () => {
      const tokenOf = async (path: string) => parseMultistatus((await report(alice, path, sync(''))).text).syncToken!;
      const fromToken = await tokenOf(BOOK);
      const toToken = await tokenOf(OTHER);
      const move = await alice.request('MOVE', `${BOOK}mover.vcf`, { headers: { destination: `${server.url}${OTHER}moved.vcf`, overwrite: 'F' } });
      expect(move.status).toBe(409); // still taken: the UID lives in taken.vcf
      expect((await alice.request('DELETE', `${OTHER}taken.vcf`)).status).toBe(204);
      const ok = await alice.request('MOVE', `${BOOK}mover.vcf`, { headers: { destination: `${server.url}${OTHER}moved.vcf` } });
      expect(ok.status).toBe(201);
      const from = parseMultistatus((await report(alice, BOOK, sync(fromToken))).text);
      expect(from.members.get(`${BOOK}mover.vcf`)!.status).toBe(404);
      const to = parseMultistatus((await report(alice, OTHER, sync(toToken))).text);
      expect(to.members.get(`${OTHER}moved.vcf`)).toBeDefined();
      // If-Match speaks of the source: a stale ETag moves nothing.
      const stale = await alice.request('MOVE', `${OTHER}moved.vcf`, { headers: { destination: `${server.url}${BOOK}back.vcf`, 'if-match': '"stale"' } });
      expect(stale.status).toBe(412);
      expect((await alice.request('GET', `${OTHER}moved.vcf`)).status).toBe(200);
      // A COPY within one book clashes with the source's own UID.
      const copy = await alice.request('COPY', `${OTHER}moved.vcf`, { headers: { destination: `${server.url}${OTHER}copy.vcf` } });
      expect(copy.status).toBe(409);
    });
  });

  describe('the address-book home as a synchronizable collection (RFC 6578)', () => {
    const HOME = '/dav/addressbooks/alice/';
    const homeSync = (token: string, extra = '') => report(alice, HOME, sync(token, '<d:displayname/><d:sync-token/>', extra));

    it('answers getctag and sync-token, which move with a book and with a card in one', async () => {
      const props = async () => {
        const res = await propfind(alice, HOME, '<cs:getctag/><d:sync-token/><d:supported-report-set/>');
        const m = parseMultistatus(res.text).members.get(HOME)!;
        expect(m.props.get(CS('getctag'))!.status).toBe(200);
        expect(m.props.get(D('sync-token'))!.status).toBe(200);
        expect(res.text).toContain('sync-collection');
        return [m.props.get(CS('getctag'))!.el.text, m.props.get(D('sync-token'))!.el.text];
      };
      const before = await props();
      expect(before[0]).toBe(before[1]);
      expect((await putCard(alice, `${BOOK}home-1.vcf`, vcard4('home-1', 'Home One'))).status).toBe(201);
      const after = await props();
      expect(after[0]).not.toBe(before[0]);
    });

    it('lists its books, then what changed since a token: a new book, a book whose card changed, a removed book as 404', async () => {
      const first = await homeSync('');
      expect(first.status).toBe(207);
      const listed = parseMultistatus(first.text);
      expect([...listed.members.keys()].sort()).toEqual([BOOK, '/dav/addressbooks/alice/moves/']);
      const token = listed.syncToken!;
      // Nothing changed: nothing listed, the same token.
      const same = parseMultistatus((await homeSync(token)).text);
      expect(same.members.size).toBe(0);
      expect(same.syncToken).toBe(token);

      const EXTRA = '/dav/addressbooks/alice/extra/';
      expect((await alice.request('MKCOL', EXTRA, { body: MKCOL_BOOK, headers: { 'content-type': 'application/xml' } })).status).toBe(201);
      expect((await putCard(alice, `${BOOK}home-2.vcf`, vcard4('home-2', 'Home Two'))).status).toBe(201);
      const next = parseMultistatus((await homeSync(token)).text);
      expect([...next.members.keys()].sort()).toEqual([BOOK, EXTRA]);
      expect(next.members.get(EXTRA)!.status).toBeUndefined();
      expect(next.syncToken).not.toBe(token);

      expect((await alice.request('DELETE', EXTRA)).status).toBe(204);
      const gone = parseMultistatus((await homeSync(next.syncToken!)).text);
      expect([...gone.members.keys()]).toEqual([EXTRA]);
      expect(gone.members.get(EXTRA)!.status).toBe(404);
    });

    it('refuses a token it did not issue (valid-sync-token) and sync-level infinite (sync-traversal-supported)', async () => {
      for (const bad of ['http://calendula.dev/ns/sync/home/1', 'http://calendula.dev/ns/sync/addressbooks/99999', 'nonsense']) {
        const res = await homeSync(bad);
        expect(res.status).toBe(403);
        expect(res.text).toContain('valid-sync-token');
      }
      const deep = await report(alice, HOME, sync('').replace('<d:sync-level>1</d:sync-level>', '<d:sync-level>infinite</d:sync-level>'));
      expect(deep.status).toBe(403);
      expect(deep.text).toContain('sync-traversal-supported');
      // Another user's home is not there for alice.
      expect((await report(alice, '/dav/addressbooks/bob/', sync(''))).status).toBe(404);
    });
  });
});
