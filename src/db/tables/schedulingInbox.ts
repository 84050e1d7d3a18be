// SQL of the schedule inbox (RFC 6638 §4.1): sabre's `schedulingobjects`, the inbox's token on
// `principals` and its change log `schedulinginboxchanges` (one row per item, as
// addressbookhomechanges). See src/domain/inbox.ts for the semantics.
import type { SqlEntityManager } from '@mikro-orm/postgresql';

const LOG_INSERT = 'insert into schedulinginboxchanges (principaluri, uri, synctoken, deleted, created_at)';
const LOG_UPSERT = `on conflict (principaluri, uri) do update
  set synctoken = excluded.synctoken, deleted = excluded.deleted, created_at = excluded.created_at returning synctoken`;

/** Bumps the inbox token of a principal and records that item `uri` arrived, changed or (`deleted`) went. */
export async function bumpInbox(em: SqlEntityManager, principaluri: string, uri: string, deleted: boolean, at: Date): Promise<void> {
  await em.execute(
    `with inbox as (update principals set inbox_synctoken = inbox_synctoken + 1 where uri = ?
                      returning uri, inbox_synctoken - 1 as token),
          logged as (${LOG_INSERT} select uri, ?, token, ?, ? from inbox ${LOG_UPSERT})
     select count(*) from logged`,
    [principaluri, uri, deleted, at],
  );
}

export interface InboxItemRow {
  uri: string;
  etag: string;
  size: number;
  lastmodified: number;
}

/** Stores an item (a new name each time: an inbox item is never rewritten). */
export async function insertInboxItem(em: SqlEntityManager, item: { principaluri: string; uri: string; data: string; etag: string; at: Date }): Promise<void> {
  await em.execute(
    `insert into schedulingobjects (principaluri, calendardata, uri, lastmodified, etag, size, created_at) values (?, ?, ?, ?, ?, ?, ?)`,
    [item.principaluri, item.data, item.uri, Math.floor(item.at.getTime() / 1000), item.etag, Buffer.byteLength(item.data), item.at],
  );
}

/** The calendar (its uri in the home) the user chose for invitations, if any. */
export async function selectScheduleDefaultCalendar(em: SqlEntityManager, principaluri: string): Promise<string | null> {
  const rows = await em.execute<{ c: string | null }[]>('select schedule_default_calendar as c from principals where uri = ?', [principaluri]);
  return rows[0]?.c ?? null;
}

export async function updateScheduleDefaultCalendar(em: SqlEntityManager, principaluri: string, calendarUri: string | null): Promise<void> {
  await em.execute('update principals set schedule_default_calendar = ? where uri = ?', [calendarUri, principaluri]);
}

const ITEM_META = 'uri, etag, size, lastmodified';

/** Every item of an inbox (metadata only), oldest first. */
export async function selectInboxItems(em: SqlEntityManager, principaluri: string): Promise<InboxItemRow[]> {
  return em.execute<InboxItemRow[]>(`select ${ITEM_META} from schedulingobjects where principaluri = ? order by id`, [principaluri]);
}

/** The named items that exist, with `withData` their text too. */
export async function selectInboxItemsByUri(
  em: SqlEntityManager,
  principaluri: string,
  uris: string[],
  withData: boolean,
): Promise<(InboxItemRow & { calendardata?: string })[]> {
  if (!uris.length) return [];
  return em.execute(
    `select ${ITEM_META}${withData ? ', calendardata' : ''} from schedulingobjects where principaluri = ? and uri in (${uris.map(() => '?').join(', ')}) order by id`,
    [principaluri, ...uris],
  );
}

/** Deletes an item while its ETag is unchanged; false when it changed or went. */
export async function deleteInboxItem(em: SqlEntityManager, principaluri: string, uri: string, etag: string): Promise<boolean> {
  const rows = await em.execute<{ uri: string }[]>('delete from schedulingobjects where principaluri = ? and uri = ? and etag = ? returning uri', [principaluri, uri, etag]);
  return rows.length > 0;
}

/** The inbox's token and the oldest token still answerable; null when there is no such principal. */
export async function inboxSyncState(em: SqlEntityManager, principaluri: string): Promise<{ synctoken: number; sync_floor: number } | null> {
  const rows = await em.execute<{ synctoken: number; sync_floor: number }[]>(
    'select inbox_synctoken as synctoken, inbox_sync_floor as sync_floor from principals where uri = ?',
    [principaluri],
  );
  return rows[0] ?? null;
}

/** Change-log rows of an inbox with tokens in [from, below), oldest first, at most `limit`. */
export async function selectInboxChanges(
  em: SqlEntityManager,
  principaluri: string,
  from: number,
  below: number,
  limit: number,
): Promise<{ uri: string; synctoken: number; deleted: boolean }[]> {
  return em.execute(
    'select uri, synctoken, deleted from schedulinginboxchanges where principaluri = ? and synctoken >= ? and synctoken < ? order by synctoken, id limit ?',
    [principaluri, from, below, limit],
  );
}

/**
 * Removes every item that arrived before `cutoff`, in one statement: each inbox that loses items
 * moves its token once and logs each item as gone under the token before. Returns how many went.
 */
export async function pruneInboxItems(em: SqlEntityManager, cutoff: Date, at: Date): Promise<number> {
  const rows = await em.execute<{ n: string | number }[]>(
    `with gone as (delete from schedulingobjects where created_at < ? returning principaluri, uri),
          inboxes as (update principals set inbox_synctoken = inbox_synctoken + 1
                        where uri in (select principaluri from gone) returning uri, inbox_synctoken - 1 as token),
          logged as (${LOG_INSERT} select gone.principaluri, gone.uri, inboxes.token, true, ? from gone join inboxes on inboxes.uri = gone.principaluri ${LOG_UPSERT})
     select count(*) as n from logged`,
    [cutoff, at],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Drops the records of items removed before `cutoff`, first raising each inbox's token floor past them. */
export async function pruneInboxChanges(em: SqlEntityManager, cutoff: Date): Promise<number> {
  const floors = await em.execute<{ principaluri: string; maxtok: number }[]>(
    'select principaluri, max(synctoken) as maxtok from schedulinginboxchanges where deleted and created_at < ? group by principaluri',
    [cutoff],
  );
  for (const f of floors) {
    await em.execute('update principals set inbox_sync_floor = greatest(inbox_sync_floor, ?) where uri = ?', [Number(f.maxtok) + 1, f.principaluri]);
  }
  const res = await em.execute<{ affectedRows?: number }>('delete from schedulinginboxchanges where deleted and created_at < ?', [cutoff], 'run');
  return res.affectedRows ?? 0;
}
