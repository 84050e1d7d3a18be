// SQL of `auth_failures`: failed-login counters per throttle key, shared by every server process.
import type { SqlEntityManager } from '@mikro-orm/postgresql';

/**
 * Adds one failure to the key's count, starting a new window at `now` when the current one began
 * at or before `expired`; returns the count and the window's start.
 */
export async function recordFailure(em: SqlEntityManager, key: string, now: Date, expired: Date): Promise<{ failures: number; windowStart: Date } | null> {
  const rows = await em.execute<{ failures: number; window_start: string }[]>(
    `insert into auth_failures (key, failures, window_start, last_failure) values (?, 1, ?, ?)
     on conflict (key) do update set
       failures = case when auth_failures.window_start <= ? then 1 else auth_failures.failures + 1 end,
       window_start = case when auth_failures.window_start <= ? then excluded.window_start else auth_failures.window_start end,
       last_failure = excluded.last_failure
     returning failures, window_start`,
    [key, now, now, expired, expired],
  );
  const row = rows[0];
  return row ? { failures: Number(row.failures), windowStart: new Date(row.window_start) } : null;
}

/** Forgets keys whose last failure is at or before `expired`. */
export async function deleteExpiredFailures(em: SqlEntityManager, expired: Date): Promise<void> {
  await em.execute('delete from auth_failures where last_failure <= ?', [expired]);
}

/**
 * The counts of the keys whose window began after `since`. Read with SQL, as `recordFailure`
 * writes them: an entity read could be answered from an identity map that never saw that write.
 */
export async function selectFailureCounts(em: SqlEntityManager, keys: string[], since: Date): Promise<{ key: string; failures: number; windowStart: Date }[]> {
  if (!keys.length) return [];
  const rows = await em.execute<{ key: string; failures: number; window_start: string }[]>(
    `select key, failures, window_start from auth_failures where key in (${keys.map(() => '?').join(', ')}) and window_start > ?`,
    [...keys, since],
  );
  return rows.map((r) => ({ key: r.key, failures: Number(r.failures), windowStart: new Date(r.window_start) }));
}
