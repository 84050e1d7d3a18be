import type { Clock } from '../clock.ts';
import type { ComputePool } from '../compute/pool.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/** What every domain service needs: the database, the settings, the time and a log. */
export interface DomainContext {
  readonly db: Database;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  /** Threads for iCalendar work on untrusted data (never on the request loop). */
  readonly compute: ComputePool;
}
