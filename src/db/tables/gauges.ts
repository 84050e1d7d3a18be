// One read of the counts the operations views show: the job queue, users, calendars and objects
// (estimated from the planner's statistics once the table is large, so it stays cheap).
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export interface GaugeRow {
  queued: number;
  due: number;
  running: number;
  retrying: number;
  /** Seconds the oldest due job has waited. */
  oldest: number;
  users: number;
  calendars: number;
  objects: number;
}

export async function selectGauges(em: SqlEntityManager, now: Date): Promise<GaugeRow> {
  const rows = await em.execute<Record<string, string | number | null>[]>(
    `select
       (select count(*) from jobs where locked_until is null) as queued,
       (select count(*) from jobs where locked_until is null and run_at <= ?) as due,
       (select count(*) from jobs where locked_until >= ?) as running,
       (select count(*) from jobs where locked_until is null and last_error is not null) as retrying,
       (select extract(epoch from (?::timestamptz - min(run_at))) from jobs where locked_until is null and run_at <= ?) as oldest,
       (select count(*) from users) as users,
       (select count(*) from calendars) as calendars,
       (select case when c.reltuples >= 1000 then c.reltuples::bigint else (select count(*) from calendarobjects) end
          from pg_class c where c.relname = 'calendarobjects' and c.relkind = 'r' limit 1) as objects`,
    [now, now, now, now],
  );
  const r = rows[0] ?? {};
  const n = (v: unknown) => Number(v ?? 0) || 0;
  return { queued: n(r.queued), due: n(r.due), running: n(r.running), retrying: n(r.retrying), oldest: n(r.oldest), users: n(r.users), calendars: n(r.calendars), objects: n(r.objects) };
}
