// SQL of the `calendars` data rows (sync token, token floor, object count) and of the change log
// `calendarchanges` that the token indexes.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { homeChangeCtes, instancesOf } from './homeChanges.ts';
import type { Statement } from './statement.ts';

/**
 * The sync-token bump and the change-log row of one change, as CTEs (`bumped`, `logged`, the
 * latter returning the logged token, the one before the bump), and the change of the calendar as a
 * member of each home it is in (`home_…`, see homeChanges.ts); `guard` is a further condition for
 * the bump.
 */
export function bumpAndLogStatement(guard: Statement, calendarId: number, uri: string, operation: number, countDelta: number, at: Date): Statement {
  const homes = homeChangeCtes('home', instancesOf(calendarId, 'exists (select 1 from bumped)'), at);
  return {
    sql: `bumped as (update calendars set synctoken = synctoken + 1, objectcount = objectcount + ?
                       where id = ? and ${guard.sql} returning synctoken - 1 as token),
          logged as (insert into calendarchanges (uri, synctoken, calendarid, operation, created_at)
                       select ?, token, ?, ?, ? from bumped returning synctoken),
          ${homes.sql}`,
    params: [countDelta, calendarId, ...guard.params, uri, calendarId, operation, at, ...homes.params],
  };
}

/** A guard for the bump: the calendar holds fewer than `max` objects, unless the change removes one. */
export function roomFor(countDelta: number, max: number): Statement {
  return { sql: '(? <= 0 or objectcount < ?)', params: [countDelta, max] };
}

/** A guard that holds while the calendar holds fewer than `below` objects (read before the bump). */
export function objectCountBelow(calendarId: number, below: number): Statement {
  return { sql: '(select objectcount from calendars where id = ?) < ?', params: [calendarId, below] };
}

/** Bumps and logs; false when the guard refused (or the calendar is gone). */
export async function bumpAndLog(em: SqlEntityManager, st: Statement): Promise<boolean> {
  const rows = await em.execute<{ synctoken: number }[]>(`with ${st.sql} select synctoken from logged`, st.params as never[]);
  return rows.length > 0;
}

export async function calendarExists(em: SqlEntityManager, calendarId: number): Promise<boolean> {
  return (await em.execute<{ id: number }[]>('select id from calendars where id = ?', [calendarId])).length > 0;
}

/** Locks the calendar's row until the transaction ends; null when it is gone. */
export async function lockCalendar(em: SqlEntityManager, calendarId: number): Promise<{ synctoken: number; objectcount: number } | null> {
  const rows = await em.execute<{ synctoken: number; objectcount: number }[]>('select synctoken, objectcount from calendars where id = ? for update', [calendarId]);
  return rows[0] ?? null;
}

/** The current token and the oldest token still answerable. */
export async function syncState(em: SqlEntityManager, calendarId: number): Promise<{ synctoken: number; sync_floor: number } | null> {
  const rows = await em.execute<{ synctoken: number; sync_floor: number }[]>('select synctoken, sync_floor from calendars where id = ?', [calendarId]);
  return rows[0] ?? null;
}

/** Change-log rows of a calendar with tokens in [from, below), oldest first. */
export async function selectChanges(
  em: SqlEntityManager,
  calendarId: number,
  from: number,
  below: number,
  limit: number,
): Promise<{ uri: string; operation: number; synctoken: number }[]> {
  return em.execute(
    'select uri, operation, synctoken from calendarchanges where calendarid = ? and synctoken >= ? and synctoken < ? order by synctoken limit ?',
    [calendarId, from, below, limit],
  );
}

/**
 * Drops change-log rows written before `cutoff`, first raising each calendar's token floor past
 * them (a token they answered is then refused); returns how many rows went.
 */
export async function pruneChanges(em: SqlEntityManager, cutoff: Date): Promise<number> {
  const floors = await em.execute<{ calendarid: number; maxtok: number }[]>(
    'select calendarid, max(synctoken) as maxtok from calendarchanges where created_at < ? group by calendarid',
    [cutoff],
  );
  for (const f of floors) await em.execute('update calendars set sync_floor = greatest(sync_floor, ?) where id = ?', [f.maxtok + 1, f.calendarid]);
  const res = await em.execute<{ affectedRows?: number }>('delete from calendarchanges where created_at < ?', [cutoff], 'run');
  return res.affectedRows ?? 0;
}
