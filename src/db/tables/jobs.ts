// SQL of the `jobs` table (durable background jobs; see src/domain/jobs.ts for the semantics).
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { Statement } from './statement.ts';

export interface ClaimedJobRow {
  id: string;
  kind: string;
  key: string;
  payload: Record<string, unknown> | string;
  attempts: number;
}

/** Inserts a job unless one of its key is already waiting (the partial unique index on key). */
export async function insertJob(em: SqlEntityManager, job: { kind: string; key: string; payload: string; runAt: Date; createdAt: Date }): Promise<void> {
  await em.execute(
    `insert into jobs (kind, key, payload, run_at, attempts, created_at) values (?, ?, ?, ?, 0, ?)
     on conflict (key) where locked_until is null do nothing`,
    [job.kind, job.key, job.payload, job.runAt, job.createdAt],
  );
}

/**
 * A statement part (after `with written as (…)`) that queues a push job for each enabled
 * synchronization of the calendar's owner whose source is this calendar, when a row was written.
 * The key is `push:<sync id>:<calendar id>:<uri>`; the owner is found in SQL, so writes to shared
 * instances queue the owner's pushes too.
 */
export function enqueuePushesStatement(calendarId: number, uri: string, now: Date): Statement {
  return {
    sql: `insert into jobs (kind, key, payload, run_at, attempts, created_at)
          select 'push', 'push:' || s.id || ':' || ?::int || ':' || ?::text,
                 jsonb_build_object('syncId', s.id, 'calendarId', ?::int, 'uri', ?::text), ?, 0, ?
            from calendarinstances i
            join users u on i.principaluri = 'principals/' || u.username
            join synchronizations s on s.user_id = u.id
           where i.calendarid = ? and i.access = 1 and s.enabled and s.unlink_mode is null
             and (s.settings->>'source' is null or s.settings->>'source' = i.uri)
             and exists (select 1 from written)
          on conflict (key) where locked_until is null do nothing`,
    params: [calendarId, uri, calendarId, uri, now, now, calendarId],
  };
}

/** Frees leases that ran out before `now`; a waiting job of the same key supersedes the stale one. */
export async function releaseExpiredLeases(em: SqlEntityManager, now: Date): Promise<void> {
  await em.execute(`delete from jobs e where e.locked_until < ? and exists (select 1 from jobs w where w.key = e.key and w.locked_until is null)`, [now]);
  await em.execute('update jobs set locked_until = null, locked_by = null where locked_until < ?', [now]);
}

/** Leases the next due job of one of `kinds` whose key is not running to `worker` until `until`. */
export async function leaseNextDue(em: SqlEntityManager, now: Date, worker: string, until: Date, kinds: readonly string[]): Promise<ClaimedJobRow | undefined> {
  const rows = await em.execute<ClaimedJobRow[]>(
    `update jobs set locked_until = ?, locked_by = ?, attempts = attempts + 1
      where id = (select j.id from jobs j
                   where j.run_at <= ? and j.locked_until is null and j.kind in (${kinds.map(() => '?').join(', ')})
                     and not exists (select 1 from jobs l where l.key = j.key and l.locked_until is not null)
                   order by j.run_at, j.id limit 1 for update skip locked)
      returning id, kind, key, payload, attempts`,
    [until, worker, now, ...kinds],
  );
  return rows[0];
}

export async function extendLease(em: SqlEntityManager, id: number, worker: string, until: Date): Promise<void> {
  await em.execute('update jobs set locked_until = ? where id = ? and locked_by = ?', [until, id, worker]);
}

export async function deleteJob(em: SqlEntityManager, id: number): Promise<void> {
  await em.execute('delete from jobs where id = ?', [id]);
}

/** Whether another job of `key` is waiting (it will do the work of job `id`). */
export async function hasWaitingJob(em: SqlEntityManager, key: string, id: number): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>('select id from jobs where key = ? and locked_until is null and id <> ? limit 1', [key, id]);
  return rows.length > 0;
}

/** Puts a leased job back to wait until `runAt`, noting why it failed. */
export async function requeueJob(em: SqlEntityManager, id: number, runAt: Date, error: string): Promise<void> {
  await em.execute('update jobs set locked_until = null, locked_by = null, run_at = ?, last_error = ? where id = ?', [runAt, error, id]);
}

export async function countJobs(em: SqlEntityManager): Promise<number> {
  const rows = await em.execute<{ n: string }[]>('select count(*) as n from jobs');
  return Number(rows[0]?.n ?? 0);
}

/** Drops waiting jobs whose key starts with `prefix` (running ones finish). */
export async function deleteWaitingJobs(em: SqlEntityManager, prefix: string): Promise<void> {
  await em.execute('delete from jobs where key like ? and locked_until is null', [`${prefix}%`]);
}

/** How many jobs with keys starting with `prefix` are leased (running). */
export async function countRunningJobs(em: SqlEntityManager, prefix: string): Promise<number> {
  const rows = await em.execute<{ n: string }[]>('select count(*) as n from jobs where key like ? and locked_until is not null', [`${prefix}%`]);
  return Number(rows[0]?.n ?? 0);
}
