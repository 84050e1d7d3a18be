// SQL of the `addressbooks` rows (sync token, token floor, card count), of their change log
// `addressbookchanges`, and of the address-book home's token (a column of `principals`).
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export interface AddressBookRow {
  id: number;
  principaluri: string;
  uri: string;
  displayname: string | null;
  description: string | null;
  synctoken: number;
  sync_floor: number;
  cardcount: number;
}

const COLUMNS = 'id, principaluri, uri, displayname, description, synctoken, sync_floor, cardcount';

/** Address books of a principal (by uri), or the one named `uri`, or the one with `id`. */
export async function selectBooks(em: SqlEntityManager, f: { principaluri: string; uri?: string } | { id: number }): Promise<AddressBookRow[]> {
  if ('id' in f) return em.execute<AddressBookRow[]>(`select ${COLUMNS} from addressbooks where id = ?`, [f.id]);
  if (f.uri !== undefined) return em.execute<AddressBookRow[]>(`select ${COLUMNS} from addressbooks where principaluri = ? and uri = ?`, [f.principaluri, f.uri]);
  return em.execute<AddressBookRow[]>(`select ${COLUMNS} from addressbooks where principaluri = ? order by uri`, [f.principaluri]);
}

/** Locks the book's row until the transaction ends (it orders the book's writes); null when it is gone. */
export async function lockBook(em: SqlEntityManager, id: number): Promise<{ synctoken: number; cardcount: number } | null> {
  const rows = await em.execute<{ synctoken: number; cardcount: number }[]>('select synctoken, cardcount from addressbooks where id = ? for update', [id]);
  return rows[0] ?? null;
}

/**
 * Bumps the book's token and card count, logs the change of `uri` under the token before the
 * bump, and bumps the owner's address-book home token, recording the book as changed in the home's
 * log, in one statement; false when the book is gone.
 */
export async function bumpAndLog(em: SqlEntityManager, id: number, uri: string, operation: number, countDelta: number, at: Date): Promise<boolean> {
  const rows = await em.execute<{ synctoken: number }[]>(
    `with bumped as (update addressbooks set synctoken = synctoken + 1, cardcount = cardcount + ? where id = ?
                       returning synctoken - 1 as token, principaluri, uri as book),
          logged as (insert into addressbookchanges (uri, synctoken, addressbookid, operation, created_at)
                       select ?, token, ?, ?, ? from bumped returning synctoken),
          home as (update principals set addressbook_home_synctoken = addressbook_home_synctoken + 1
                     where uri = (select principaluri from bumped) returning uri, addressbook_home_synctoken - 1 as token),
          homelogged as (${HOME_LOG_INSERT} select home.uri, bumped.book, home.token, false, ? from home, bumped ${HOME_LOG_UPSERT})
     select synctoken from logged`,
    [countDelta, id, uri, id, operation, at, at],
  );
  return rows.length > 0;
}

const HOME_LOG_INSERT = 'insert into addressbookhomechanges (principaluri, uri, synctoken, deleted, created_at)';
const HOME_LOG_UPSERT = `on conflict (principaluri, uri) do update
  set synctoken = excluded.synctoken, deleted = excluded.deleted, created_at = excluded.created_at returning synctoken`;

/** Bumps the address-book home token of a principal and records that its book `bookUri` appeared, changed or (`deleted`) went. */
export async function bumpHome(em: SqlEntityManager, principaluri: string, bookUri: string, deleted: boolean, at: Date): Promise<void> {
  await em.execute(
    `with home as (update principals set addressbook_home_synctoken = addressbook_home_synctoken + 1 where uri = ?
                     returning uri, addressbook_home_synctoken - 1 as token),
          homelogged as (${HOME_LOG_INSERT} select uri, ?, token, ?, ? from home ${HOME_LOG_UPSERT})
     select count(*) from homelogged`,
    [principaluri, bookUri, deleted, at],
  );
}

/** The address-book home token of a principal; null when there is no such principal. */
export async function homeToken(em: SqlEntityManager, principaluri: string): Promise<number | null> {
  const rows = await em.execute<{ token: number }[]>('select addressbook_home_synctoken as token from principals where uri = ?', [principaluri]);
  return rows[0]?.token ?? null;
}

/** The address-book home's token and the oldest token still answerable; null when there is no such principal. */
export async function homeSyncState(em: SqlEntityManager, principaluri: string): Promise<{ synctoken: number; floor: number } | null> {
  const rows = await em.execute<{ synctoken: number; floor: number }[]>(
    'select addressbook_home_synctoken as synctoken, addressbook_home_sync_floor as floor from principals where uri = ?',
    [principaluri],
  );
  return rows[0] ?? null;
}

/** Books of a home that changed at or after token `from` and before `below`, oldest first. */
export async function selectHomeChanges(em: SqlEntityManager, principaluri: string, from: number, below: number): Promise<{ uri: string; synctoken: number; deleted: boolean }[]> {
  return em.execute(
    'select uri, synctoken, deleted from addressbookhomechanges where principaluri = ? and synctoken >= ? and synctoken < ? order by synctoken',
    [principaluri, from, below],
  );
}

/** Drops the records of books removed before `cutoff`, first raising each home's token floor past them. */
export async function pruneHomeChanges(em: SqlEntityManager, cutoff: Date): Promise<number> {
  const floors = await em.execute<{ principaluri: string; maxtok: number }[]>(
    'select principaluri, max(synctoken) as maxtok from addressbookhomechanges where deleted and created_at < ? group by principaluri',
    [cutoff],
  );
  for (const f of floors) {
    await em.execute('update principals set addressbook_home_sync_floor = greatest(addressbook_home_sync_floor, ?) where uri = ?', [f.maxtok + 1, f.principaluri]);
  }
  const res = await em.execute<{ affectedRows?: number }>('delete from addressbookhomechanges where deleted and created_at < ?', [cutoff], 'run');
  return res.affectedRows ?? 0;
}

/** The book's current token and the oldest token still answerable. */
export async function syncState(em: SqlEntityManager, id: number): Promise<{ synctoken: number; sync_floor: number } | null> {
  const rows = await em.execute<{ synctoken: number; sync_floor: number }[]>('select synctoken, sync_floor from addressbooks where id = ?', [id]);
  return rows[0] ?? null;
}

/** Change-log rows of a book with tokens in [from, below), oldest first. */
export async function selectChanges(em: SqlEntityManager, id: number, from: number, below: number, limit: number): Promise<{ uri: string; operation: number; synctoken: number }[]> {
  return em.execute(
    'select uri, operation, synctoken from addressbookchanges where addressbookid = ? and synctoken >= ? and synctoken < ? order by synctoken, id limit ?',
    [id, from, below, limit],
  );
}

/**
 * Drops change-log rows written before `cutoff`, first raising each book's token floor past them
 * (a token they answered is then refused); returns how many rows went.
 */
export async function pruneChanges(em: SqlEntityManager, cutoff: Date): Promise<number> {
  const floors = await em.execute<{ addressbookid: number; maxtok: number }[]>(
    'select addressbookid, max(synctoken) as maxtok from addressbookchanges where created_at < ? group by addressbookid',
    [cutoff],
  );
  for (const f of floors) await em.execute('update addressbooks set sync_floor = greatest(sync_floor, ?) where id = ?', [f.maxtok + 1, f.addressbookid]);
  const res = await em.execute<{ affectedRows?: number }>('delete from addressbookchanges where created_at < ?', [cutoff], 'run');
  return res.affectedRows ?? 0;
}
