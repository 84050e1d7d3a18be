// Failed-login counters, kept in the database so that every server process sees the same state.
import { deleteExpiredFailures, recordFailure, selectFailureCounts } from '../db/tables/authFailures.ts';
import type { DomainContext } from './context.ts';

export interface FailureCount {
  failures: number;
  windowStart: Date;
}

export class LoginFailureService {
  constructor(private readonly ctx: DomainContext) {}

  private windowMs(): number {
    return this.ctx.config.authThrottle.windowSeconds * 1000;
  }

  /** Current counts for the keys; keys without failures in the window are absent. */
  async counts(keys: string[]): Promise<Map<string, FailureCount>> {
    const since = new Date(this.ctx.clock.now().getTime() - this.windowMs());
    const rows = await selectFailureCounts(this.ctx.db.em(), keys, since);
    return new Map(rows.map((r) => [r.key, { failures: r.failures, windowStart: r.windowStart }]));
  }

  /** Adds one failure to each key (starting a new window where the old one ended). */
  async record(keys: string[]): Promise<Map<string, FailureCount>> {
    const now = this.ctx.clock.now();
    const expired = new Date(now.getTime() - this.windowMs());
    const em = this.ctx.db.em();
    const out = new Map<string, FailureCount>();
    for (const key of keys) {
      const count = await recordFailure(em, key, now, expired);
      if (count) out.set(key, count);
    }
    if (Math.random() < 0.02) {
      await deleteExpiredFailures(em, expired);
    }
    return out;
  }
}
