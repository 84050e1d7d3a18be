import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AddressBookView } from '../../src/domain/addressBooks.ts';
import type { Actor } from '../../src/domain/calendars.ts';
import type { CardChange, StoredCard } from '../../src/domain/cards.ts';
import { CARDDAV_NS } from '../../src/domain/errors.ts';
import { APPLE_CONTACT, APPLE_GROUP, DAVX5_CONTACT, simpleCard, THUNDERBIRD_CONTACT } from '../fixtures/vcards.ts';
import { useTestServer } from '../helpers/testServer.ts';

const MAX_BYTES = 4096;

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('cards', { shuffle: false }, () => {
  const server = useTestServer({ env: { MAX_OBJECT_BYTES: String(MAX_BYTES) } });
  server.user('carol');
  server.user('dan');

  const actor = async (username: string): Promise<Actor> => {
    const u = await server.domain.users.require(username);
    return { userId: u.id, username, principaluri: u.principalUri };
  };
  const book = async (who: Actor, uri: string): Promise<AddressBookView> =>
    (await server.domain.addressBooks.get(who, who.username, uri)) ?? server.domain.addressBooks.create(who, uri);
  const collect = async <T>(gen: AsyncGenerator<T[]>): Promise<T[]> => {
    const out: T[] = [];
    for await (const batch of gen) out.push(...batch);
    return out;
  };

  it('stores real cards as sent, with the ETag of their text, and counts them in the book', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'real');
    const cards = { 'apple.vcf': APPLE_CONTACT, 'group.vcf': APPLE_GROUP, 'davx5.vcf': DAVX5_CONTACT, 'tb.vcf': THUNDERBIRD_CONTACT };
    for (const [uri, text] of Object.entries(cards)) {
      const res = await server.domain.cards.put(carol, b, uri, Buffer.from(text));
      expect(res).toEqual({ etag: createHash('md5').update(text).digest('hex'), created: true });
    }
    for (const [uri, text] of Object.entries(cards)) {
      const stored = await server.domain.cards.get(b, uri);
      expect(stored).toMatchObject({ uri, data: text, size: Buffer.byteLength(text), etag: createHash('md5').update(text).digest('hex') });
      expect(await server.domain.cards.getMeta(b, uri)).toEqual({ id: stored!.id, uri, etag: stored!.etag, size: stored!.size, lastmodified: stored!.lastmodified });
    }
    expect((await server.domain.cards.get(b, 'davx5.vcf'))!.uid).toBe('urn:uuid:0b4d7e52-3c1a-4f7e-9d2b-5a8c6e1f0d93');
    const now = await server.domain.addressBooks.get(carol, 'carol', 'real');
    expect(now).toMatchObject({ cardCount: 4, synctoken: 5 });
    expect(await server.domain.cards.get(b, 'missing.vcf')).toBeNull();
    expect(await server.domain.cards.getMeta(b, 'missing.vcf')).toBeNull();

    // Replacing keeps the count, changes the ETag, answers created: false.
    const edited = APPLE_CONTACT.replace('TITLE:Fleet planner', 'TITLE:Head of fleet planning');
    const res = await server.domain.cards.put(carol, b, 'apple.vcf', edited);
    expect(res).toEqual({ etag: createHash('md5').update(edited).digest('hex'), created: false });
    expect((await server.domain.cards.get(b, 'apple.vcf'))!.data).toBe(edited);
    expect(await server.domain.addressBooks.get(carol, 'carol', 'real')).toMatchObject({ cardCount: 4, synctoken: 6 });
  });

  it('lists metadata and reads many or all cards, in batches, leaving out names that are not there', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'many');
    for (let i = 0; i < 25; i++) await server.domain.cards.put(carol, b, `c${i}.vcf`, simpleCard(`many-${i}`, `Person Number${i}`));
    const metas = await collect(server.domain.cards.listMeta(b, 10));
    expect(metas.map((m) => m.uri).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `c${i}.vcf`).sort());
    expect(metas.every((m) => /^[0-9a-f]{32}$/.test(m.etag) && m.size > 0)).toBe(true);
    const some = await collect(server.domain.cards.getMany(b, ['c3.vcf', 'c7.vcf', 'nope.vcf', 'c3.vcf']));
    expect(some.map((c) => c.uri).sort()).toEqual(['c3.vcf', 'c7.vcf']);
    expect(some.find((c) => c.uri === 'c7.vcf')).toMatchObject({ uid: 'many-7', data: simpleCard('many-7', 'Person Number7') });
    const all: StoredCard[] = await collect(server.domain.cards.all(b));
    expect(all).toHaveLength(25);
    expect(new Set(all.map((c) => c.uid)).size).toBe(25);
    expect(await collect(server.domain.cards.getMany(b, []))).toEqual([]);
  });

  it('If-Match and If-None-Match decide as for calendar objects (412), on put and delete', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'conditions');
    const text = simpleCard('cond-1', 'Ann Ames');
    await expect(server.domain.cards.put(carol, b, 'a.vcf', text, { ifMatch: ['*'] })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    const { etag } = await server.domain.cards.put(carol, b, 'a.vcf', text, { ifNoneMatch: ['*'] });
    await expect(server.domain.cards.put(carol, b, 'a.vcf', text, { ifNoneMatch: ['*'] })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    await expect(server.domain.cards.put(carol, b, 'a.vcf', text, { ifMatch: ['0123456789abcdef0123456789abcdef'] })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    const v2 = simpleCard('cond-1', 'Ann Ames', { extra: ['EMAIL:ann@example.org'] });
    const second = await server.domain.cards.put(carol, b, 'a.vcf', v2, { ifMatch: [etag] });
    expect(second.created).toBe(false);
    await expect(server.domain.cards.delete(carol, b, 'a.vcf', { ifMatch: [etag] })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
    await server.domain.cards.delete(carol, b, 'a.vcf', { ifMatch: [second.etag] });
    await expect(server.domain.cards.delete(carol, b, 'a.vcf')).rejects.toMatchObject({ kind: 'NotFound' });
    expect(await server.domain.addressBooks.get(carol, 'carol', 'conditions')).toMatchObject({ cardCount: 0, synctoken: 4 });
  });

  it('a UID is held by one card of a book: another name gets no-uid-conflict with the holder, a name keeps its UID, other books are free', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'uids');
    await server.domain.cards.put(carol, b, 'first.vcf', simpleCard('shared-uid', 'Ann Ames'));
    await expect(server.domain.cards.put(carol, b, 'second.vcf', simpleCard('shared-uid', 'Ann Ames'))).rejects.toMatchObject({
      kind: 'Conflict',
      details: { precondition: { namespace: CARDDAV_NS, name: 'no-uid-conflict', href: 'first.vcf' } },
    });
    await expect(server.domain.cards.put(carol, b, 'first.vcf', simpleCard('other-uid', 'Ann Ames'))).rejects.toMatchObject({
      kind: 'Conflict',
      details: { precondition: { namespace: CARDDAV_NS, name: 'no-uid-conflict', href: 'first.vcf' } },
    });
    expect(await server.domain.cards.get(b, 'second.vcf')).toBeNull();
    expect((await server.domain.cards.get(b, 'first.vcf'))!.uid).toBe('shared-uid');
    const elsewhere = await book(carol, 'uids-2');
    await expect(server.domain.cards.put(carol, elsewhere, 'x.vcf', simpleCard('shared-uid', 'Ann Ames'))).resolves.toMatchObject({ created: true });
    // Once the holder is deleted, the UID is free again.
    await server.domain.cards.delete(carol, b, 'first.vcf');
    await expect(server.domain.cards.put(carol, b, 'second.vcf', simpleCard('shared-uid', 'Ann Ames'))).resolves.toMatchObject({ created: true });
  });

  it('two concurrent writes of one UID under two names: exactly one is stored', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'race');
    const results = await Promise.allSettled(
      ['r1.vcf', 'r2.vcf', 'r3.vcf'].map((uri) => server.domain.cards.put(carol, b, uri, simpleCard('race-uid', 'Rae Race'))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ kind: 'Conflict', details: { precondition: { name: 'no-uid-conflict' } } });
    }
    // Concurrent writes of different cards each get their own token.
    await Promise.all(Array.from({ length: 8 }, (_, i) => server.domain.cards.put(carol, b, `p${i}.vcf`, simpleCard(`par-${i}`, `Par Allel${i}`))));
    expect(await server.domain.addressBooks.get(carol, 'carol', 'race')).toMatchObject({ cardCount: 9, synctoken: 10 });
    const changes = await server.domain.cards.changesSince(b, 1);
    expect(changes.changed).toHaveLength(9);
  });

  it('refuses what is not a storable vCard with its CardDAV precondition, writing nothing', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'refusals');
    const cases: [string | Uint8Array, string, string][] = [
      ['not a vcard', 'Invalid', 'valid-address-data'],
      [simpleCard('r-1', 'Ann Ames').replace(/UID:.*\r\n/, ''), 'Invalid', 'valid-address-data'],
      [simpleCard('r-2', 'Ann Ames').replace(/FN:.*\r\n/, ''), 'Invalid', 'valid-address-data'],
      [simpleCard('r-3', 'Ann Ames') + simpleCard('r-4', 'Bo Berg'), 'Invalid', 'valid-address-data'],
      [Buffer.from(simpleCard('r-5', 'Zoë Ames'), 'latin1'), 'Invalid', 'valid-address-data'],
      [simpleCard('r-6', 'Ann Ames').replace('VERSION:3.0', 'VERSION:2.1'), 'Invalid', 'supported-address-data'],
      [simpleCard('r-7', 'Ann Ames', { extra: [`NOTE:${'x'.repeat(MAX_BYTES)}`] }), 'TooLarge', 'max-resource-size'],
    ];
    for (const [body, kind, name] of cases) {
      await expect(server.domain.cards.put(carol, b, 'bad.vcf', body)).rejects.toMatchObject({ kind, details: { precondition: { namespace: CARDDAV_NS, name } } });
    }
    for (const uri of ['', '..', 'a/b.vcf', 'x'.repeat(201)]) {
      await expect(server.domain.cards.put(carol, b, uri, simpleCard('r-8', 'Ann Ames'))).rejects.toMatchObject({ kind: 'Invalid' });
    }
    expect(await server.domain.addressBooks.get(carol, 'carol', 'refusals')).toMatchObject({ cardCount: 0, synctoken: 1 });
    expect(await collect(server.domain.cards.listMeta(b))).toEqual([]);
  });

  it("only the owner writes a book's cards: anyone else gets NotFound", async () => {
    const carol = await actor('carol');
    const dan = await actor('dan');
    const b = await book(carol, 'private');
    await server.domain.cards.put(carol, b, 'a.vcf', simpleCard('priv-1', 'Ann Ames'));
    await expect(server.domain.cards.put(dan, b, 'b.vcf', simpleCard('priv-2', 'Bo Berg'))).rejects.toMatchObject({ kind: 'NotFound' });
    await expect(server.domain.cards.delete(dan, b, 'a.vcf')).rejects.toMatchObject({ kind: 'NotFound' });
    expect(await server.domain.cards.get(b, 'a.vcf')).not.toBeNull();
  });

  it('changesSince answers what changed since a token, created-then-deleted as removed, in pages with a limit; unknown tokens get valid-sync-token', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'sync');
    const put = (uri: string, uid: string, fn = 'Sync Person') => server.domain.cards.put(carol, b, uri, simpleCard(uid, fn));
    await put('a.vcf', 's-a'); // token 1 → 2
    await put('b.vcf', 's-b'); // 2 → 3
    await put('c.vcf', 's-c'); // 3 → 4
    const full = await server.domain.cards.changesSince(b, 1);
    expect(full.changed.map((m) => m.uri).sort()).toEqual(['a.vcf', 'b.vcf', 'c.vcf']);
    expect(full).toMatchObject({ removed: [], token: 4, truncated: false });

    await put('b.vcf', 's-b', 'Sync Changed'); // 4 → 5
    await server.domain.cards.delete(carol, b, 'c.vcf'); // 5 → 6
    await put('d.vcf', 's-d'); // 6 → 7
    await server.domain.cards.delete(carol, b, 'd.vcf'); // 7 → 8
    const since4 = await server.domain.cards.changesSince(b, 4);
    expect(since4.changed.map((m) => m.uri)).toEqual(['b.vcf']);
    expect(since4.changed[0]!.etag).toBe((await server.domain.cards.getMeta(b, 'b.vcf'))!.etag);
    expect(since4.removed.sort()).toEqual(['c.vcf', 'd.vcf']);
    expect(since4.token).toBe(8);
    expect(await server.domain.cards.changesSince(b, 8)).toEqual({ changed: [], removed: [], token: 8, truncated: false });

    // A limit cuts the answer after that many names, with the token to continue from.
    const first = await server.domain.cards.changesSince(b, 1, 2);
    expect(first).toMatchObject({ truncated: true });
    expect(first.changed.length + first.removed.length).toBe(2);
    const rest = await server.domain.cards.changesSince(b, first.token);
    const seen = new Set([...first.changed.map((m) => m.uri), ...first.removed, ...rest.changed.map((m) => m.uri), ...rest.removed]);
    expect([...seen].sort()).toEqual(['a.vcf', 'b.vcf', 'c.vcf', 'd.vcf']);
    expect(rest.token).toBe(8);

    for (const token of [0, 9, 1.5, -1]) {
      await expect(server.domain.cards.changesSince(b, token)).rejects.toMatchObject({
        kind: 'Forbidden',
        details: { precondition: { namespace: 'DAV:', name: 'valid-sync-token' } },
      });
    }
  });

  it('every card write moves the address-book home token', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'home-token');
    const t0 = await server.domain.addressBooks.homeToken('carol');
    await server.domain.cards.put(carol, b, 'a.vcf', simpleCard('ht-1', 'Ann Ames'));
    const t1 = await server.domain.addressBooks.homeToken('carol');
    expect(t1).toBeGreaterThan(t0);
    await server.domain.cards.delete(carol, b, 'a.vcf');
    expect(await server.domain.addressBooks.homeToken('carol')).toBeGreaterThan(t1);
  });

  it('listeners run inside the write: they see the change and the stored row; one that throws leaves nothing written', async () => {
    const carol = await actor('carol');
    const b = await book(carol, 'listened');
    const seen: (Omit<CardChange, 'book' | 'actor'> & { book: string; actor: string | null; rows: number })[] = [];
    server.domain.cards.onWrite(async (em, change) => {
      if (change.book.id !== b.id) return;
      // The listener's entity manager is the write's transaction: it sees the row as written.
      const rows = await em.getConnection().execute<{ n: number }[]>('select count(*)::int as n from cards where addressbookid = ? and uri = ?', [b.id, change.uri], 'all', em.getTransactionContext());
      seen.push({ ...change, book: change.book.uri, actor: change.actor?.username ?? null, rows: rows[0]!.n });
      if (change.uid.startsWith('boom')) throw new Error('listener refused');
    });

    const v1 = simpleCard('quiet-1', 'Ann Ames');
    await server.domain.cards.put(carol, b, 'a.vcf', v1);
    const v2 = simpleCard('quiet-1', 'Ann Ames', { extra: ['BDAY:1990-04-01'] });
    await server.domain.cards.put(carol, b, 'a.vcf', v2);
    await server.domain.cards.delete(carol, b, 'a.vcf');
    expect(seen).toEqual([
      { kind: 'created', book: 'listened', uri: 'a.vcf', uid: 'quiet-1', data: v1, previous: undefined, actor: 'carol', rows: 1 },
      { kind: 'updated', book: 'listened', uri: 'a.vcf', uid: 'quiet-1', data: v2, previous: v1, actor: 'carol', rows: 1 },
      { kind: 'deleted', book: 'listened', uri: 'a.vcf', uid: 'quiet-1', previous: v2, actor: 'carol', rows: 0 },
    ]);

    const before = await server.domain.addressBooks.get(carol, 'carol', 'listened');
    await expect(server.domain.cards.put(carol, b, 'boom.vcf', simpleCard('boom-1', 'Bo Oom'))).rejects.toThrow('listener refused');
    expect(await server.domain.cards.get(b, 'boom.vcf')).toBeNull();
    expect(await server.domain.addressBooks.get(carol, 'carol', 'listened')).toEqual(before);
    expect(await server.domain.cards.changesSince(b, before!.synctoken)).toMatchObject({ changed: [], removed: [] });
  });
});
