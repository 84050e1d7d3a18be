import type { DomainContext } from './context.ts';

/** What an operator watches: the push-job backlog and the size of the store. */
export interface SystemGauges {
  jobs: {
    /** Waiting, due now or later. */
    queued: number;
    /** Waiting and due: the backlog. */
    due: number;
    running: number;
    /** Waiting after at least one failed attempt. */
    retrying: number;
    /** How long the oldest due job has waited, in seconds (0 without a backlog). */
    oldestDueSeconds: number;
  };
  users: number;
  calendars: number;
  /** Estimated from the planner's statistics when it has them (a count of a large table is not cheap). */
  objects: number;
}

/** Questions about the running system itself. */
export class SystemService {
  constructor(private readonly ctx: DomainContext) {}

  databaseAnswers(): Promise<boolean> {
    return this.ctx.db.ping();
  }

  async gauges(): Promise<SystemGauges> {
    const now = this.ctx.clock.now();
    const rows = await this.ctx.db.em().execute<Record<string, string | number | null>[]>(
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
    return {
      jobs: { queued: n(r.queued), due: n(r.due), running: n(r.running), retrying: n(r.retrying), oldestDueSeconds: Math.max(0, n(r.oldest)) },
      users: n(r.users),
      calendars: n(r.calendars),
      objects: n(r.objects),
    };
  }
}
