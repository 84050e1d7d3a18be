// SQL of the `cards` table: the vCard text as received, its ETag, size and UID. Writes happen
// under the address book's row lock (addressBooks.ts lockBook), so they need no guards of their own.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { placeholders } from './statement.ts';

export interface CardRow {
  id: number;
  uri: string;
  etag: string;
  size: number;
  lastmodified: number;
  uid?: string;
  carddata?: string;
}

const META = 'id, uri, etag, size, lastmodified';
const FULL = `${META}, uid, carddata`;

/** The card at `uri`: its metadata and UID, and with `withData` its text. */
export async function selectCard(em: SqlEntityManager, bookId: number, uri: string, withData: boolean): Promise<CardRow | undefined> {
  const rows = await em.execute<CardRow[]>(`select ${withData ? FULL : `${META}, uid`} from cards where addressbookid = ? and uri = ?`, [bookId, uri]);
  return rows[0];
}

/** Metadata of up to `limit` cards with ids above `afterId`, in id order. */
export async function selectMetaPage(em: SqlEntityManager, bookId: number, afterId: number, limit: number): Promise<CardRow[]> {
  return em.execute<CardRow[]>(`select ${META} from cards where addressbookid = ? and id > ? order by id limit ?`, [bookId, afterId, limit]);
}

/** Metadata of the named cards that exist. */
export async function selectMetaByUri(em: SqlEntityManager, bookId: number, uris: string[]): Promise<CardRow[]> {
  if (!uris.length) return [];
  return em.execute<CardRow[]>(`select ${META} from cards where addressbookid = ? and uri in (${placeholders(uris.length)})`, [bookId, ...uris]);
}

/**
 * The next cards of a book after the name `afterUri` (from the first when null; only the named
 * ones, when `uris` is given), in name order as bytes (COLLATE "C", the same on every engine and
 * database locale; CalendarServer answers addressbook-query in name order too, so a CARDDAV:limit
 * keeps the same first cards every time): at most `limit` rows and about `maxChars` of content
 * (always one row at least).
 */
export async function selectBatch(em: SqlEntityManager, bookId: number, afterUri: string | null, uris: string[] | null, limit: number, maxChars: number): Promise<CardRow[]> {
  const named = uris ? ` and uri in (${placeholders(uris.length)})` : '';
  const after = afterUri === null ? '' : ' and uri collate "C" > ?';
  return em.execute<CardRow[]>(
    `select ${FULL} from (select ${FULL}, sum(size) over (order by uri collate "C") as running
        from cards where addressbookid = ?${after}${named} order by uri collate "C" limit ?) t
      where running - size < ? order by uri collate "C"`,
    [bookId, ...(afterUri === null ? [] : [afterUri]), ...(uris ?? []), limit, maxChars],
  );
}

/** Another card of the book holding `uid`, by name. */
export async function uriHoldingUid(em: SqlEntityManager, bookId: number, uid: string, exceptUri: string): Promise<string | undefined> {
  const rows = await em.execute<{ uri: string }[]>('select uri from cards where addressbookid = ? and uid = ? and uri <> ? limit 1', [bookId, uid, exceptUri]);
  return rows[0]?.uri;
}

export interface CardValues {
  text: string;
  etag: string;
  size: number;
  uid: string;
  /** Epoch seconds. */
  now: number;
}

export async function insertCard(em: SqlEntityManager, bookId: number, uri: string, v: CardValues): Promise<void> {
  await em.execute('insert into cards (addressbookid, uri, carddata, etag, size, uid, lastmodified) values (?, ?, ?, ?, ?, ?, ?)', [bookId, uri, v.text, v.etag, v.size, v.uid, v.now]);
}

export async function updateCard(em: SqlEntityManager, id: number, v: CardValues): Promise<void> {
  await em.execute('update cards set carddata = ?, etag = ?, size = ?, uid = ?, lastmodified = ? where id = ?', [v.text, v.etag, v.size, v.uid, v.now, id]);
}

export async function deleteCard(em: SqlEntityManager, id: number): Promise<void> {
  await em.execute('delete from cards where id = ?', [id]);
}
