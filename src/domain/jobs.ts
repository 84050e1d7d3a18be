// Durable background jobs in the database. Jobs are enqueued inside the transaction of the change
// that causes them (nothing is lost on a crash), claimed with FOR UPDATE SKIP LOCKED (two workers
// never take the same job), leased (a worker that dies mid-job loses its lease and the job runs
// again), and keyed: one job waits per key and jobs of one key never run at the same time.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import * as jobs from '../db/tables/jobs.ts';
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
    await jobs.insertJob(em, { kind, key, payload: JSON.stringify(payload), runAt: runAt ?? this.ctx.clock.now(), createdAt: this.ctx.clock.now() });
  }

  /** Takes the next due job of one of `kinds` for `worker`, leased for `leaseMs`; null when none is due. */
  async claim(worker: string, leaseMs: number, kinds: readonly string[]): Promise<JobRow | null> {
    const now = this.ctx.clock.now();
    return this.ctx.db.em().transactional(async (em) => {
      // Leases of dead workers: a waiting job of the same key supersedes the stale one; else it waits again.
      await jobs.releaseExpiredLeases(em, now);
      const r = await jobs.leaseNextDue(em, now, worker, new Date(now.getTime() + leaseMs), kinds);
      if (!r) return null;
      return { id: Number(r.id), kind: r.kind, key: r.key, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload, attempts: r.attempts };
    });
  }

  /**
   * Claims the next due job of `kinds` and runs `work` on it with its lease renewed meanwhile (a
   * third of the lease at a time); false when none was due. `work` completes or retries the job.
   */
  async runNext(worker: string, leaseMs: number, kinds: readonly string[], work: (job: JobRow) => Promise<void>, onLeaseError: (err: unknown) => void): Promise<boolean> {
    const job = await this.claim(worker, leaseMs, kinds);
    if (!job) return false;
    const heartbeat = setInterval(() => {
      this.extend(job, worker, leaseMs).catch(onLeaseError);
    }, Math.max(500, leaseMs / 3));
    try {
      await work(job);
    } finally {
      clearInterval(heartbeat);
    }
    return true;
  }

  /** Keeps a long job ours: its lease is renewed while the worker is alive. */
  async extend(job: JobRow, worker: string, leaseMs: number): Promise<void> {
    await jobs.extendLease(this.ctx.db.em(), job.id, worker, new Date(this.ctx.clock.now().getTime() + leaseMs));
  }

  async complete(job: JobRow): Promise<void> {
    await jobs.deleteJob(this.ctx.db.em(), job.id);
  }

  /** Puts the job back to run after `delayMs`, unless a newer waiting job of its key replaces it. */
  async retry(job: JobRow, error: string, delayMs: number): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      if (await jobs.hasWaitingJob(em, job.key, job.id)) {
        await jobs.deleteJob(em, job.id);
        return;
      }
      await jobs.requeueJob(em, job.id, new Date(this.ctx.clock.now().getTime() + delayMs), error.slice(0, 2000));
    });
  }

  async pending(): Promise<number> {
    return jobs.countJobs(this.ctx.db.em());
  }
}
