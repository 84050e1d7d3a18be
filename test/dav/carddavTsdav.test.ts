// CardDAV through tsdav (npm), a real client: discovery from the server root through
// /.well-known/carddav, fetchAddressBooks, createVCard, fetchVCards, updateVCard, deleteVCard.
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createVCard, deleteVCard, fetchAddressBooks, fetchVCards, updateVCard, type DAVAccount, type DAVAddressBook } from 'tsdav';
import { useTestServer } from '../helpers/testServer.ts';
import { basic } from '../helpers/server.ts';
import { vcard3, vcard4 } from './carddavRequests.ts';

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('CardDAV through tsdav', { shuffle: false }, () => {
  const server = useTestServer();
  server.user('tina', { email: 'tina@example.org' });
  const headers = { authorization: basic('tina', 'tina-password') };
  let account: DAVAccount;
  let book: DAVAddressBook;

  beforeAll(async () => {
    account = await createAccount({ account: { serverUrl: `${server.url}/`, accountType: 'carddav', credentials: { username: 'tina', password: 'tina-password' } }, headers });
  });

  it('discovers the principal and the address-book home, and lists the default address book with its ctag, sync token and reports', async () => {
    expect(account.principalUrl).toBe(`${server.url}/dav/principals/tina/`);
    expect(account.homeUrl).toBe(`${server.url}/dav/addressbooks/tina/`);
    const books = await fetchAddressBooks({ account, headers });
    expect(books.map((b) => b.url)).toEqual([`${server.url}/dav/addressbooks/tina/default/`]);
    book = books[0]!;
    expect(book.displayName).toBe('Contacts');
    expect(book.ctag).toBeTruthy();
    expect(book.syncToken).toBeTruthy();
    expect(book.reports).toEqual(expect.arrayContaining(['addressbookQuery', 'addressbookMultiget', 'syncCollection']));
  });

  it('creates vCards 3.0 and 4.0, fetches them back as stored, updates one and deletes the other', async () => {
    const three = vcard3('tsdav-3', 'Tom Three', ['EMAIL:tom@example.org']);
    const four = vcard4('tsdav-4', 'Fay Four', ['EMAIL:fay@example.org']);
    expect((await createVCard({ addressBook: book, vCardString: three, filename: 'tsdav-3.vcf', headers })).status).toBe(201);
    expect((await createVCard({ addressBook: book, vCardString: four, filename: 'tsdav-4.vcf', headers })).status).toBe(201);
    // A second create of the same name is refused (If-None-Match: *).
    expect((await createVCard({ addressBook: book, vCardString: three, filename: 'tsdav-3.vcf', headers })).status).toBe(412);

    // tsdav's XML reader (xml-js) trims text, so the final CRLF of each card is gone on its side.
    const cards = await fetchVCards({ addressBook: book, headers });
    const byUrl = new Map(cards.map((c) => [c.url, c]));
    expect([...byUrl.keys()].sort()).toEqual([`${book.url}tsdav-3.vcf`, `${book.url}tsdav-4.vcf`]);
    expect(byUrl.get(`${book.url}tsdav-3.vcf`)!.data).toBe(three.trim());
    expect(byUrl.get(`${book.url}tsdav-4.vcf`)!.data).toBe(four.trim());

    const changed = vcard3('tsdav-3', 'Tom Three', ['EMAIL:tom@work.example.org']);
    const card3 = byUrl.get(`${book.url}tsdav-3.vcf`)!;
    expect((await updateVCard({ vCard: { ...card3, data: changed }, headers })).status).toBe(204);
    // The old ETag no longer matches.
    expect((await updateVCard({ vCard: { ...card3, data: three }, headers })).status).toBe(412);
    expect((await deleteVCard({ vCard: byUrl.get(`${book.url}tsdav-4.vcf`)!, headers })).status).toBe(204);

    const after = await fetchVCards({ addressBook: book, headers });
    expect(after.map((c) => c.data)).toEqual([changed.trim()]);
    // The query form (addressbook-query instead of multiget) answers the same.
    expect((await fetchVCards({ addressBook: book, headers, useMultiGet: false })).map((c) => c.data)).toEqual([changed.trim()]);
  });
});
