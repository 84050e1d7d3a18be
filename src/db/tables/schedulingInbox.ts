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
