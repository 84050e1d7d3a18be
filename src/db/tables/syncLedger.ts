// SQL of the `sync_ledger` table: what a synchronization pushed where.
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export interface LedgerRow {
  id: number;
  source_calendarid: number;
  source_uri: string;
  source_uid: string;
  target_href: string;
  target_etag: string | null;
  source_etag: string | null;
  first_start: string | null;
}

/** A synchronization's entries, or only the one of a source object. */
export async function selectLedger(em: SqlEntityManager, syncId: number, source?: { calendarId: number; uri: string }): Promise<LedgerRow[]> {
  const [where, params] = source ? ['and source_calendarid = ? and source_uri = ?', [source.calendarId, source.uri]] : ['', []];
  return em.execute<LedgerRow[]>(`select * from sync_ledger where synchronization_id = ? ${where} order by id`, [syncId, ...params] as never[]);
}

export async function upsertLedger(
  em: SqlEntityManager,
  e: { syncId: number; sourceCalendarId: number; sourceUri: string; sourceUid: string; targetHref: string; targetEtag: string | null; sourceEtag: string | null; firstStart: number | null; updatedAt: Date },
): Promise<void> {
  await em.execute(
    `insert into sync_ledger (synchronization_id, source_calendarid, source_uri, source_uid, target_href, target_etag, source_etag, first_start, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (synchronization_id, source_calendarid, source_uri) do update set
       source_uid = excluded.source_uid, target_href = excluded.target_href, target_etag = excluded.target_etag,
       source_etag = excluded.source_etag, first_start = excluded.first_start, updated_at = excluded.updated_at`,
    [e.syncId, e.sourceCalendarId, e.sourceUri, e.sourceUid, e.targetHref, e.targetEtag, e.sourceEtag, e.firstStart, e.updatedAt],
  );
}

/** Forgets what was pushed for the entry, so the next push writes it again. */
export async function clearSourceEtag(em: SqlEntityManager, id: number): Promise<void> {
  await em.execute('update sync_ledger set source_etag = null where id = ?', [id]);
}

export async function deleteLedgerEntry(em: SqlEntityManager, id: number): Promise<void> {
  await em.execute('delete from sync_ledger where id = ?', [id]);
}
