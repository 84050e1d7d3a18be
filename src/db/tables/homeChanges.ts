// SQL of a calendar home's sync token (columns of `principals`) and its change log `homechanges`:
// one row per member (calendar instance uri) with the home token before its latest change.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { Statement } from './statement.ts';

/**
 * CTEs (named `<name>_…`) that bump the token of every home in `members` (a query of principaluri,
 * member, deleted; one member per home) and record each member's change under the token before the
 * bump. Homes are locked in principal id order, so that statements touching several homes (a
 * shared calendar) cannot deadlock each other; the lock is FOR NO KEY UPDATE, which the key-share
 * locks of foreign keys (a new calendar instance's principaluri) do not conflict with: with FOR
 * UPDATE, concurrent MKCALENDARs in one home each held a key-share lock and waited for the other's.
 */
export function homeChangeCtes(name: string, members: Statement, at: Date): Statement {
  return {
    sql: `${name}_members as (${members.sql}),
          ${name}_locked as (select p.id, m.member, m.deleted from principals p join ${name}_members m on m.principaluri = p.uri
                               order by p.id for no key update of p),
          ${name}_bumped as (update principals p set home_synctoken = p.home_synctoken + 1 from ${name}_locked l
                               where p.id = l.id returning p.uri, l.member, l.deleted, p.home_synctoken - 1 as token),
          ${name}_logged as (insert into homechanges (principaluri, uri, synctoken, deleted, created_at)
                               select uri, member, token, deleted, ? from ${name}_bumped
                             on conflict (principaluri, uri) do update
                               set synctoken = excluded.synctoken, deleted = excluded.deleted, created_at = excluded.created_at
                             returning synctoken)`,
    params: [...members.params, at],
  };
}

/** The members of a content change of a calendar: each instance of it, in its home; `when` guards it. */
export function instancesOf(calendarId: number, when: string): Statement {
  return { sql: `select i.principaluri, i.uri as member, false as deleted from calendarinstances i where i.calendarid = ? and ${when}`, params: [calendarId] };
}

/** Records that `uri` in `principaluri`'s home changed (or went, with `deleted`), bumping the home's token. */
export async function recordHomeChange(em: SqlEntityManager, principaluri: string, uri: string, deleted: boolean, at: Date): Promise<void> {
  const st = homeChangeCtes('home', { sql: `select ?::varchar as principaluri, ?::varchar as member, ${deleted ? 'true' : 'false'} as deleted`, params: [principaluri, uri] }, at);
  await em.execute(`with ${st.sql} select count(*) from home_logged`, st.params as never[]);
}

/** Records a change of every instance of a calendar (a calendar-level property changed). */
export async function recordCalendarChange(em: SqlEntityManager, calendarId: number, at: Date): Promise<void> {
  const st = homeChangeCtes('home', instancesOf(calendarId, 'true'), at);
  await em.execute(`with ${st.sql} select count(*) from home_logged`, st.params as never[]);
}

/** A home's current token and the oldest token still answerable; null when there is no such principal. */
export async function homeSyncState(em: SqlEntityManager, principaluri: string): Promise<{ synctoken: number; floor: number } | null> {
  const rows = await em.execute<{ synctoken: number; floor: number }[]>('select home_synctoken as synctoken, home_sync_floor as floor from principals where uri = ?', [principaluri]);
  return rows[0] ?? null;
}

/** Members of a home that changed at or after token `from` and before `below`, oldest first. */
export async function selectHomeChanges(
  em: SqlEntityManager,
  principaluri: string,
  from: number,
  below: number,
): Promise<{ uri: string; synctoken: number; deleted: boolean }[]> {
  return em.execute(
    'select uri, synctoken, deleted from homechanges where principaluri = ? and synctoken >= ? and synctoken < ? order by synctoken',
    [principaluri, from, below],
  );
}

/**
 * Drops the records of members removed before `cutoff`, first raising each home's token floor past
 * them (a token they answered is then refused); members still there keep their row.
 */
export async function pruneHomeChanges(em: SqlEntityManager, cutoff: Date): Promise<number> {
  const floors = await em.execute<{ principaluri: string; maxtok: number }[]>(
    'select principaluri, max(synctoken) as maxtok from homechanges where deleted and created_at < ? group by principaluri',
    [cutoff],
  );
  for (const f of floors) await em.execute('update principals set home_sync_floor = greatest(home_sync_floor, ?) where uri = ?', [f.maxtok + 1, f.principaluri]);
  const res = await em.execute<{ affectedRows?: number }>('delete from homechanges where deleted and created_at < ?', [cutoff], 'run');
  return res.affectedRows ?? 0;
}
