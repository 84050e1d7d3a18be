import { selectGauges } from '../db/tables/gauges.ts';
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
    const r = await selectGauges(this.ctx.db.em(), now);
    return {
      jobs: { queued: r.queued, due: r.due, running: r.running, retrying: r.retrying, oldestDueSeconds: Math.max(0, r.oldest) },
      users: r.users,
      calendars: r.calendars,
      objects: r.objects,
    };
  }
}
