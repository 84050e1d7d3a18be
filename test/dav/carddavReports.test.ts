// The CardDAV reports: addressbook-multiget (RFC 6352 §8.7), addressbook-query (§8.6, with
// prop-filter, param-filter, text-match, limit) and sync-collection (RFC 6578) on address books,
// with address-data and its property selection (§10.4), in the shapes DAVx5, iOS Contacts,
// CardBook, Evolution and tsdav send.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { D, parseErrorBody, parseMultistatus, textIn, type MemberResult } from '../helpers/dav.ts';
import { CR, multiget, putCard, query, report, sync, vcard3, vcard4 } from './carddavRequests.ts';

const BOOK = '/dav/addressbooks/alice/default/';

const CARDS: Record<string, string> = {
  'anna.vcf': vcard3('anna', 'Anna Apple', ['EMAIL;TYPE=WORK:anna@example.org', 'TEL;TYPE=CELL:+1 555 0100', 'NOTE:met at the fair']),
  'bert.vcf': vcard4('bert', 'Bert Bauer', ['EMAIL;TYPE=home:bert@home.example', 'NICKNAME:Bertie']),
  'cacilie.vcf': vcard3('cacilie', 'Cäcilie Çelik', ['EMAIL;TYPE=work:cc@work.example', 'ORG:Çelik GmbH']),
  'dan.vcf': vcard4('dan', 'Dan Dunn', ['TEL;VALUE=uri;TYPE=home:tel:+1-555-0199']),
};

const hrefs = (members: Map<string, MemberResult>) => [...members.keys()].filter((h) => h !== BOOK).sort();
const addressData = (m: MemberResult | undefined) => m?.props.get(CR('address-data'))?.el.text;

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('CardDAV reports', { shuffle: false }, () => {
  const server = useTestServer();
  const alice = server.user('alice');

  beforeAll(async () => {
    for (const [name, text] of Object.entries(CARDS)) {
      const res = await putCard(alice, `${BOOK}${name}`, text);
      if (res.status !== 201) throw new Error(`PUT ${name}: ${res.status} ${res.text}`);
    }
  });

  describe('addressbook-multiget', () => {
    it('answers the cards as stored, with their ETags, as DAVx5 asks (Depth 0, default namespace, getcontenttype); a missing card is a 404', async () => {
      const body = `<?xml version='1.0' encoding='UTF-8' ?><CARD:addressbook-multiget xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><getcontenttype /><getetag /><CARD:address-data /></prop><href>${BOOK}anna.vcf</href><href>${BOOK}bert.vcf</href><href>${BOOK}gone.vcf</href></CARD:addressbook-multiget>`;
      const res = await report(alice, BOOK, body, '0');
      expect(res.status).toBe(207);
      const { members } = parseMultistatus(res.text);
      expect(addressData(members.get(`${BOOK}anna.vcf`))).toBe(CARDS['anna.vcf']);
      expect(addressData(members.get(`${BOOK}bert.vcf`))).toBe(CARDS['bert.vcf']);
      expect(textIn(members.get(`${BOOK}anna.vcf`)!.props.get(D('getetag'))!.el)).toMatch(/^"[^"]+"$/);
      expect(members.get(`${BOOK}anna.vcf`)!.props.get(D('getcontenttype'))!.el.text).toBe('text/vcard; charset=utf-8');
      expect(members.get(`${BOOK}gone.vcf`)!.status).toBe(404);
    });

    it('gives every card in the version asked for, converting a card stored in the other one, with the stored ETag (DAVx5 asks 4.0)', async () => {
      const res = await report(alice, BOOK, multiget([`${BOOK}anna.vcf`, `${BOOK}bert.vcf`], '<d:getetag/><card:address-data content-type="text/vcard" version="4.0"/>'));
      const { members } = parseMultistatus(res.text);
      expect(addressData(members.get(`${BOOK}bert.vcf`))).toBe(CARDS['bert.vcf']);
      const anna = addressData(members.get(`${BOOK}anna.vcf`))!;
      expect(anna).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
      expect(anna).toContain('EMAIL;TYPE=WORK:anna@example.org');
      expect(res.text).not.toContain('supported-address-data-conversion');
      const get = await alice.request('GET', `${BOOK}anna.vcf`);
      expect(textIn(members.get(`${BOOK}anna.vcf`)!.props.get(D('getetag'))!.el)).toBe(get.headers.get('etag'));
      expect(get.text).toBe(CARDS['anna.vcf']);
    });

    it('refuses address data in a media type or version this server does not store', async () => {
      for (const attrs of ['content-type="application/vcard+json"', 'content-type="text/vcard" version="2.1"']) {
        const res = await report(alice, BOOK, multiget([`${BOOK}anna.vcf`], `<card:address-data ${attrs}/>`));
        expect(res.status).toBe(403);
        expect(parseErrorBody(res.text)).toEqual([CR('supported-address-data')]);
      }
    });

    it('returns only the asked vCard properties (address-data with CARDDAV:prop), with the card’s frame', async () => {
      const res = await report(alice, BOOK, multiget([`${BOOK}anna.vcf`], '<card:address-data><card:prop name="EMAIL"/><card:prop name="FN"/></card:address-data>'));
      const data = addressData(parseMultistatus(res.text).members.get(`${BOOK}anna.vcf`))!;
      expect(data).toContain('BEGIN:VCARD');
      expect(data).toContain('VERSION:3.0');
      expect(data).toContain('UID:anna');
      expect(data).toContain('EMAIL;TYPE=WORK:anna@example.org');
      expect(data).toContain('FN:Anna Apple');
      expect(data).not.toContain('TEL');
      expect(data).not.toContain('NOTE');
    });

    it('leaves out the 404 propstats with Prefer: return=minimal (Evolution)', async () => {
      const res = await report(alice, BOOK, multiget([`${BOOK}dan.vcf`], '<d:getetag/><card:address-data/><x:nothing xmlns:x="urn:example"/>'), '1', { prefer: 'return=minimal' });
      expect(res.text).not.toContain('404 Not Found');
      expect(addressData(parseMultistatus(res.text).members.get(`${BOOK}dan.vcf`))).toBe(CARDS['dan.vcf']);
    });
  });

  describe('addressbook-query', () => {
    const run = async (filter: string, filterAttrs = '', extra = '') => {
      const res = await report(alice, BOOK, query(filter, '<d:getetag/>', extra, filterAttrs));
      expect(res.status, res.text).toBe(207);
      return parseMultistatus(res.text).members;
    };

    it('matches text in a property: contains (the default), equals, starts-with, ends-with', async () => {
      expect(hrefs(await run('<card:prop-filter name="EMAIL"><card:text-match>example</card:text-match></card:prop-filter>'))).toEqual([
        `${BOOK}anna.vcf`,
        `${BOOK}bert.vcf`,
        `${BOOK}cacilie.vcf`,
      ]);
      expect(hrefs(await run('<card:prop-filter name="FN"><card:text-match match-type="equals">bert bauer</card:text-match></card:prop-filter>'))).toEqual([`${BOOK}bert.vcf`]);
      expect(hrefs(await run('<card:prop-filter name="FN"><card:text-match match-type="starts-with">Da</card:text-match></card:prop-filter>'))).toEqual([`${BOOK}dan.vcf`]);
      expect(hrefs(await run('<card:prop-filter name="EMAIL"><card:text-match match-type="ends-with">.org</card:text-match></card:prop-filter>'))).toEqual([`${BOOK}anna.vcf`]);
      // The drafts' spelling, which CalDAVTester's queries use.
      expect(hrefs(await run('<card:prop-filter name="EMAIL"><card:text-match match-type="endswith">.org</card:text-match></card:prop-filter>'))).toEqual([`${BOOK}anna.vcf`]);
    });

    it('folds case under i;unicode-casemap (the default) and not under i;octet; negate-condition inverts', async () => {
      expect(hrefs(await run('<card:prop-filter name="FN"><card:text-match>CÄCILIE</card:text-match></card:prop-filter>'))).toEqual([`${BOOK}cacilie.vcf`]);
      expect(hrefs(await run('<card:prop-filter name="FN"><card:text-match collation="i;octet">CÄCILIE</card:text-match></card:prop-filter>'))).toEqual([]);
      expect(
        hrefs(await run('<card:prop-filter name="FN"><card:text-match negate-condition="yes" match-type="starts-with">a</card:text-match></card:prop-filter>')),
      ).toEqual([`${BOOK}bert.vcf`, `${BOOK}cacilie.vcf`, `${BOOK}dan.vcf`]);
    });

    it('filters on parameters (param-filter TYPE) and on absent properties (is-not-defined)', async () => {
      expect(
        hrefs(await run('<card:prop-filter name="EMAIL"><card:param-filter name="TYPE"><card:text-match match-type="equals">work</card:text-match></card:param-filter></card:prop-filter>')),
      ).toEqual([`${BOOK}anna.vcf`, `${BOOK}cacilie.vcf`]);
      expect(hrefs(await run('<card:prop-filter name="EMAIL"><card:is-not-defined/></card:prop-filter>'))).toEqual([`${BOOK}dan.vcf`]);
    });

    it('combines prop-filters with anyof (the default) and allof', async () => {
      const both = '<card:prop-filter name="NICKNAME"/><card:prop-filter name="ORG"/>';
      expect(hrefs(await run(both))).toEqual([`${BOOK}bert.vcf`, `${BOOK}cacilie.vcf`]);
      expect(hrefs(await run(both, ' test="allof"'))).toEqual([]);
      expect(hrefs(await run('<card:prop-filter name="EMAIL"/><card:prop-filter name="ORG"/>', ' test="allof"'))).toEqual([`${BOOK}cacilie.vcf`]);
    });

    it('an empty filter matches every card; tsdav’s FN filter too', async () => {
      expect(hrefs(await run(''))).toEqual(Object.keys(CARDS).map((n) => `${BOOK}${n}`).sort());
      expect(hrefs(await run('<card:prop-filter name="FN"/>'))).toHaveLength(4);
    });

    it('stops at CARDDAV:limit and says so with a 507 for the address book (RFC 6352 §8.6.1)', async () => {
      const members = await run('', '', '<card:limit><card:nresults>2</card:nresults></card:limit>');
      expect(hrefs(members)).toHaveLength(2);
      const self = members.get(BOOK)!;
      expect(self.status).toBe(507);
      expect(self.error?.children.map((x) => x.name)).toEqual([D('number-of-matches-within-limits')]);
      // Not truncated when everything fits.
      const all = await run('', '', '<card:limit><card:nresults>10</card:nresults></card:limit>');
      expect(all.has(BOOK)).toBe(false);
    });

    it('returns address data with the query (tsdav fetchVCards without multiget)', async () => {
      const res = await report(alice, BOOK, query('<card:prop-filter name="NICKNAME"/>', '<d:getetag/><card:address-data/>'));
      expect(addressData(parseMultistatus(res.text).members.get(`${BOOK}bert.vcf`))).toBe(CARDS['bert.vcf']);
    });

    it('refuses an unknown collation (supported-collation) and an unknown match-type (supported-filter)', async () => {
      const coll = await report(alice, BOOK, query('<card:prop-filter name="FN"><card:text-match collation="i;klingon">x</card:text-match></card:prop-filter>'));
      expect(coll.status).toBe(403);
      expect(parseErrorBody(coll.text)).toEqual([CR('supported-collation')]);
      const mt = await report(alice, BOOK, query('<card:prop-filter name="FN"><card:text-match match-type="regex">x</card:text-match></card:prop-filter>'));
      expect(mt.status).toBe(403);
      expect(parseErrorBody(mt.text)).toEqual([CR('supported-filter')]);
    });
  });

  describe('sync-collection', () => {
    it('lists every card for an empty token, then what changed since (iOS Contacts: Depth 1; DAVx5: Depth 0)', async () => {
      const initial = await report(alice, BOOK, sync(''), '1');
      expect(initial.status).toBe(207);
      const first = parseMultistatus(initial.text);
      expect(hrefs(first.members)).toEqual(Object.keys(CARDS).map((n) => `${BOOK}${n}`).sort());
      for (const m of first.members.values()) expect(textIn(m.props.get(D('getetag'))!.el)).toMatch(/^"/);
      expect(first.syncToken).toMatch(/^https?:\/\/.+\/\d+$/);

      expect((await putCard(alice, `${BOOK}eve.vcf`, vcard4('eve', 'Eve Early'))).status).toBe(201);
      expect((await putCard(alice, `${BOOK}dan.vcf`, vcard4('dan', 'Dan Dunn', ['NOTE:changed']))).status).toBe(204);
      expect((await alice.request('DELETE', `${BOOK}cacilie.vcf`)).status).toBe(204);

      const next = parseMultistatus((await report(alice, BOOK, sync(first.syncToken!, '<d:getetag/><card:address-data/>'), '0')).text);
      expect(hrefs(next.members)).toEqual([`${BOOK}cacilie.vcf`, `${BOOK}dan.vcf`, `${BOOK}eve.vcf`]);
      expect(next.members.get(`${BOOK}cacilie.vcf`)!.status).toBe(404);
      expect(addressData(next.members.get(`${BOOK}dan.vcf`))).toContain('NOTE:changed');
      expect(next.syncToken).not.toBe(first.syncToken);

      const none = parseMultistatus((await report(alice, BOOK, sync(next.syncToken!))).text);
      expect(hrefs(none.members)).toEqual([]);
      expect(none.syncToken).toBe(next.syncToken);
    });

    it('pages with DAV:limit (507 and a token to go on from)', async () => {
      const start = parseMultistatus((await report(alice, BOOK, sync(''))).text).syncToken!;
      for (const n of [1, 2, 3]) expect((await putCard(alice, `${BOOK}page-${n}.vcf`, vcard3(`page-${n}`, `Page Person${n}`))).status).toBe(201);
      const page = parseMultistatus((await report(alice, BOOK, sync(start, '<d:getetag/>', '<d:limit><d:nresults>2</d:nresults></d:limit>'))).text);
      expect(hrefs(page.members)).toHaveLength(2);
      expect(page.members.get(BOOK)!.status).toBe(507);
      const rest = parseMultistatus((await report(alice, BOOK, sync(page.syncToken!))).text);
      expect(hrefs(rest.members)).toHaveLength(1);
    });

    it('refuses a token it did not issue for this address book with valid-sync-token (a calendar’s token included)', async () => {
      const calToken = parseMultistatus((await report(alice, '/dav/calendars/alice/default/', sync(''))).text).syncToken!;
      for (const token of ['http://calendula.dev/ns/sync/addressbook/999999', 'garbage', calToken]) {
        const res = await report(alice, BOOK, sync(token));
        expect(res.status, token).toBe(403);
        expect(parseErrorBody(res.text)).toEqual([D('valid-sync-token')]);
      }
    });
  });
});
