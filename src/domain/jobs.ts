// Durable background jobs in the database. Jobs are enqueued inside the transaction of the change
// that causes them (nothing is lost on a crash), claimed with FOR UPDATE SKIP LOCKED (two workers
// never take the same job), leased (a worker that dies mid-job loses its lease and the job runs
// again), and keyed: one job waits per key and jobs of one key never run at the same time.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { DomainContext } from './context.ts';

export interface JobRow {
  id: number;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export class JobQueue {
  constructor(private readonly ctx: DomainContext) {}

  /** Adds a job (unless one with this key is already waiting: it will read the current state). */
  async enqueue(em: SqlEntityManager, kind: string, key: string, payload: Record<string, unknown>, runAt?: Date): Promise<void> {
    await em.execute(
      `insert into jobs (kind, key, payload, run_at, attempts, created_at) values (?, ?, ?, ?, 0, ?)
       on conflict (key) where locked_until is null do nothing`,
      [kind, key, JSON.stringify(payload), runAt ?? this.ctx.clock.now(), this.ctx.clock.now()],
    );
  }

  /** Takes the next due job for `worker`, leased for `leaseMs`; null when none is due. */
  async claim(worker: string, leaseMs: number): Promise<JobRow | null> {
    const now = this.ctx.clock.now();
    return this.ctx.db.em().transactional(async (em) => {
      // Leases of dead workers: a waiting job of the same key supersedes the stale one; else it waits again.
      await em.execute(
        `delete from jobs e where e.locked_until < ? and exists (select 1 from jobs w where w.key = e.key and w.locked_until is null)`,
        [now],
      );
      await em.execute('update jobs set locked_until = null, locked_by = null where locked_until < ?', [now]);
      const rows = await em.execute<{ id: string; kind: string; key: string; payload: Record<string, unknown> | string; attempts: number }[]>(
        `update jobs set locked_until = ?, locked_by = ?, attempts = attempts + 1
          where id = (select j.id from jobs j
                       where j.run_at <= ? and j.locked_until is null
                         and not exists (select 1 from jobs l where l.key = j.key and l.locked_until is not null)
                       order by j.run_at, j.id limit 1 for update skip locked)
          returning id, kind, key, payload, attempts`,
        [new Date(now.getTime() + leaseMs), worker, now],
      );
      const r = rows[0];
      if (!r) return null;
      return { id: Number(r.id), kind: r.kind, key: r.key, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload, attempts: r.attempts };
    });
  }

  /** Keeps a long job ours: its lease is renewed while the worker is alive. */
  async extend(job: JobRow, worker: string, leaseMs: number): Promise<void> {
    await this.ctx.db
      .em()
      .execute('update jobs set locked_until = ? where id = ? and locked_by = ?', [new Date(this.ctx.clock.now().getTime() + leaseMs), job.id, worker]);
  }

  async complete(job: JobRow): Promise<void> {
    await this.ctx.db.em().execute('delete from jobs where id = ?', [job.id]);
  }

  /** Puts the job back to run after `delayMs`, unless a newer waiting job of its key replaces it. */
  async retry(job: JobRow, error: string, delayMs: number): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      const superseded = await em.execute<{ id: string }[]>(
        'select id from jobs where key = ? and locked_until is null and id <> ? limit 1',
        [job.key, job.id],
      );
      if (superseded.length) {
        await em.execute('delete from jobs where id = ?', [job.id]);
        return;
      }
      await em.execute('update jobs set locked_until = null, locked_by = null, run_at = ?, last_error = ? where id = ?', [
        new Date(this.ctx.clock.now().getTime() + delayMs),
        error.slice(0, 2000),
        job.id,
      ]);
    });
  }

  async pending(): Promise<number> {
    const rows = await this.ctx.db.em().execute<{ n: string }[]>('select count(*) as n from jobs');
    return Number(rows[0]?.n ?? 0);
  }
}
