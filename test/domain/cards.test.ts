import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/calendars.ts';
import { useTestServer } from '../helpers/testServer.ts';

const card = (uid: string, fn: string, extra = '') =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\n${extra}END:VCARD\r\n`;

describe('cards', () => {
  const server = useTestServer();
  server.user('carol');

  const actor = async (username: string): Promise<Actor> => {
    const u = await server.domain.users.require(username);
    return { userId: u.id, username, principaluri: u.principalUri };
  };

  it('put stores a card as sent; get, getMeta, listMeta and changesSince see it', async () => {
    const carol = await actor('carol');
    const book = (await server.domain.addressBooks.get(carol, 'carol', 'default'))!;
    expect(book).toMatchObject({ uri: 'default', displayname: 'Contacts', username: 'carol', principaluri: 'principals/carol', cardCount: 0 });
    const text = card('u-1', 'Ada Lovelace');
    const res = await server.domain.cards.put(carol, book, 'ada.vcf', text);
    expect(res.created).toBe(true);
    const stored = await server.domain.cards.get(book, 'ada.vcf');
    expect(stored).toMatchObject({ uri: 'ada.vcf', uid: 'u-1', data: text, etag: res.etag, size: Buffer.byteLength(text) });
    expect(await server.domain.cards.getMeta(book, 'ada.vcf')).toMatchObject({ etag: res.etag });
    const metas = [];
    for await (const b of server.domain.cards.listMeta(book)) metas.push(...b);
    expect(metas.map((m) => m.uri)).toEqual(['ada.vcf']);
    const changes = await server.domain.cards.changesSince(book, 1);
    expect(changes.changed.map((m) => m.uri)).toEqual(['ada.vcf']);
    expect(changes.token).toBe(2);
    await server.domain.cards.delete(carol, book, 'ada.vcf');
    expect(await server.domain.cards.get(book, 'ada.vcf')).toBeNull();
    expect(await server.domain.cards.changesSince(book, 2)).toMatchObject({ changed: [], removed: ['ada.vcf'], token: 3 });
  });
});
