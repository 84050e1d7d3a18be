import { describe, expect, it } from 'vitest';
import { AddressBook, AddressBookChange, Card, PropertyStorage } from '../../src/db/entities/index.ts';
import type { Actor } from '../../src/domain/calendars.ts';
import { simpleCard } from '../fixtures/vcards.ts';
import { useTestServer } from '../helpers/testServer.ts';

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('address books', { shuffle: false }, () => {
  const server = useTestServer();
  server.user('alice');
  server.user('bob');

  const actor = async (username: string): Promise<Actor> => {
    const u = await server.domain.users.require(username);
    return { userId: u.id, username, principaluri: u.principalUri };
  };

  it('every new user has the address book `default`, named Contacts, and nothing else', async () => {
    const alice = await actor('alice');
    const books = await server.domain.addressBooks.list(alice);
    expect(books).toEqual([
      {
        id: expect.any(Number),
        principaluri: 'principals/alice',
        username: 'alice',
        uri: 'default',
        displayname: 'Contacts',
        description: null,
        synctoken: 1,
        cardCount: 0,
      },
    ]);
    expect(await server.domain.addressBooks.get(alice, 'alice', 'default')).toEqual(books[0]);
  });

  it('create makes a book with its name, description and dead properties, listed by uri; the name must be free', async () => {
    const alice = await actor('alice');
    const before = await server.domain.addressBooks.homeToken('alice');
    const work = await server.domain.addressBooks.create(alice, 'work', {
      displayname: 'Work contacts',
      description: 'People at the office',
      deadSet: [{ name: '{http://apple.com/ns/ical/}addressbook-color', value: '#FF2968', isXml: false }],
    });
    expect(work).toMatchObject({ uri: 'work', displayname: 'Work contacts', description: 'People at the office', synctoken: 1, cardCount: 0, username: 'alice' });
    expect(await server.domain.addressBooks.deadProperties(work)).toEqual([{ name: '{http://apple.com/ns/ical/}addressbook-color', value: '#FF2968', isXml: false }]);
    await server.domain.addressBooks.create(alice, 'archive');
    expect((await server.domain.addressBooks.list(alice)).map((b) => b.uri)).toEqual(['archive', 'default', 'work']);
    expect(await server.domain.addressBooks.homeToken('alice')).toBeGreaterThan(before);

    await expect(server.domain.addressBooks.create(alice, 'work')).rejects.toMatchObject({
      kind: 'Conflict',
      details: { precondition: { namespace: 'DAV:', name: 'resource-must-be-null' } },
    });
    // Another user's home has its own names.
    const bob = await actor('bob');
    await expect(server.domain.addressBooks.create(bob, 'work')).resolves.toMatchObject({ uri: 'work', username: 'bob' });
  });

  it('concurrent creates of one name: exactly one book is made, the others get Conflict', async () => {
    const alice = await actor('alice');
    const results = await Promise.allSettled([1, 2, 3].map((i) => server.domain.addressBooks.create(alice, 'race', { displayname: `Race ${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ kind: 'Conflict' });
    expect((await server.domain.addressBooks.list(alice)).filter((b) => b.uri === 'race')).toHaveLength(1);
  });

  it('refuses names that are not one path segment, and names or descriptions the store cannot hold, creating nothing', async () => {
    const alice = await actor('alice');
    const before = (await server.domain.addressBooks.list(alice)).length;
    for (const uri of ['', '.', '..', 'a/b', 'tab\there', 'x'.repeat(201)]) {
      await expect(server.domain.addressBooks.create(alice, uri)).rejects.toMatchObject({ kind: 'Invalid' });
    }
    await expect(server.domain.addressBooks.create(alice, 'long', { displayname: 'n'.repeat(256) })).rejects.toMatchObject({ kind: 'Invalid', details: { field: 'displayname' } });
    await expect(server.domain.addressBooks.create(alice, 'nul', { description: 'a\u0000b' })).rejects.toMatchObject({ kind: 'Invalid', details: { field: 'description' } });
    expect(await server.domain.addressBooks.list(alice)).toHaveLength(before);
    // Names calendars may have, address books may have too: spaces, Unicode, 200 characters.
    await expect(server.domain.addressBooks.create(alice, 'Famille & amis ✓')).resolves.toMatchObject({ uri: 'Famille & amis ✓' });
    await expect(server.domain.addressBooks.create(alice, 'y'.repeat(200))).resolves.toMatchObject({ uri: 'y'.repeat(200) });
  });

  it('only the owner sees a book: get answers null for others, for anonymous requests and for missing names', async () => {
    const alice = await actor('alice');
    const bob = await actor('bob');
    expect(await server.domain.addressBooks.get(bob, 'alice', 'default')).toBeNull();
    expect(await server.domain.addressBooks.get(null, 'alice', 'default')).toBeNull();
    expect(await server.domain.addressBooks.get(alice, 'alice', 'nope')).toBeNull();
    expect(await server.domain.addressBooks.get(alice, 'nobody', 'default')).toBeNull();
    expect((await server.domain.addressBooks.list(bob)).map((b) => b.uri)).toEqual(['default', 'work']);
  });

  it('update changes the name and description, sets and removes dead properties, and moves the home token; others cannot', async () => {
    const alice = await actor('alice');
    const book = (await server.domain.addressBooks.create(alice, 'club', { displayname: 'Club' }))!;
    const token = await server.domain.addressBooks.homeToken('alice');
    const updated = await server.domain.addressBooks.update(alice, book, {
      displayname: 'Sailing club',
      description: 'Members',
      deadSet: [{ name: '{urn:x}a', value: '<x:a xmlns:x="urn:x">1</x:a>', isXml: true }, { name: '{urn:x}b', value: 'two', isXml: false }],
    });
    expect(updated).toMatchObject({ displayname: 'Sailing club', description: 'Members' });
    expect(await server.domain.addressBooks.homeToken('alice')).toBeGreaterThan(token);
    await server.domain.addressBooks.update(alice, updated, { description: null, deadRemove: ['{urn:x}a'] });
    const again = (await server.domain.addressBooks.get(alice, 'alice', 'club'))!;
    expect(again).toMatchObject({ displayname: 'Sailing club', description: null });
    expect(await server.domain.addressBooks.deadProperties(again)).toEqual([{ name: '{urn:x}b', value: 'two', isXml: false }]);

    const bob = await actor('bob');
    await expect(server.domain.addressBooks.update(bob, again, { displayname: 'Mine now' })).rejects.toMatchObject({ kind: 'NotFound' });
    await expect(server.domain.addressBooks.update(alice, again, { displayname: 'x'.repeat(256) })).rejects.toMatchObject({ kind: 'Invalid' });
    expect((await server.domain.addressBooks.get(alice, 'alice', 'club'))!.displayname).toBe('Sailing club');
  });

  it('remove takes the cards, the change log and the dead properties with the book; others cannot, and twice is NotFound', async () => {
    const alice = await actor('alice');
    const book = await server.domain.addressBooks.create(alice, 'doomed', { deadSet: [{ name: '{urn:x}c', value: 'v', isXml: false }] });
    await server.domain.cards.put(alice, book, 'a.vcf', simpleCard('doomed-a', 'Ann Ames'));
    await server.domain.cards.put(alice, book, 'b.vcf', simpleCard('doomed-b', 'Bo Berg'));
    const bob = await actor('bob');
    await expect(server.domain.addressBooks.remove(bob, book)).rejects.toMatchObject({ kind: 'NotFound' });
    const token = await server.domain.addressBooks.homeToken('alice');
    await server.domain.addressBooks.remove(alice, book);
    expect(await server.domain.addressBooks.get(alice, 'alice', 'doomed')).toBeNull();
    expect(await server.domain.addressBooks.homeToken('alice')).toBeGreaterThan(token);
    const em = server.running.db.em();
    expect(await em.count(Card, { addressbook: book.id })).toBe(0);
    expect(await em.count(AddressBookChange, { addressbook: book.id })).toBe(0);
    expect(await em.count(PropertyStorage, { path: 'addressbooks/alice/doomed' })).toBe(0);
    await expect(server.domain.addressBooks.remove(alice, book)).rejects.toMatchObject({ kind: 'NotFound' });
    // A new book of the same name starts empty, at token 1.
    await expect(server.domain.addressBooks.create(alice, 'doomed')).resolves.toMatchObject({ synctoken: 1, cardCount: 0 });
  });

  it('deleting a user deletes their address books, cards and dead properties, and leaves other users alone', async () => {
    await server.domain.users.create({ username: 'dave', password: 'dave-password' });
    const dave = await actor('dave');
    const [book] = await server.domain.addressBooks.list(dave);
    await server.domain.cards.put(dave, book!, 'x.vcf', simpleCard('dave-x', 'Xavier Xu'));
    await server.domain.addressBooks.update(dave, book!, { deadSet: [{ name: '{urn:x}d', value: 'v', isXml: false }] });
    await server.domain.users.delete('dave');
    const em = server.running.db.em();
    expect(await em.count(AddressBook, { principaluri: 'principals/dave' })).toBe(0);
    expect(await em.count(Card, { addressbook: book!.id })).toBe(0);
    expect(await em.count(PropertyStorage, { path: { $like: 'addressbooks/dave%' } })).toBe(0);
    await expect(server.domain.addressBooks.homeToken('dave')).rejects.toMatchObject({ kind: 'NotFound' });
    expect(await server.domain.addressBooks.list(await actor('alice'))).not.toHaveLength(0);
  });
});
