// Opens and closes the database for either engine: PostgreSQL when a URL is given, otherwise the
// embedded PGlite in a data directory. Both use the same entities and migration files.
import { DeadlockException, MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { engineOptions, type EngineSettings } from '../../mikro-orm.config.ts';
import { ensureInstanceKeys } from './instanceKeys.ts';

export type Engine = 'pglite' | 'postgres';

export interface Database {
  readonly engine: Engine;
  readonly orm: MikroORM;
  /** A fresh EntityManager for one unit of work. */
  em(): SqlEntityManager;
  /**
   * Runs `fn` in a transaction of a fresh EntityManager; a deadlock (two writes locking calendars
   * in opposite orders) runs it again, up to three times.
   */
  transactional<T>(fn: (em: SqlEntityManager) => Promise<T>): Promise<T>;
  /**
   * Counts objects created; after many, the planner's statistics are refreshed in the background.
   * Autovacuum would get there within a minute or so, but a calendar imported in one go is
   * queried at once, and without statistics PostgreSQL picks poor plans (a multiget of 100 took
   * 10 ms instead of 0.7 ms on a freshly filled 10,000-object calendar).
   */
  noteCreated(count: number): void;
  /** Applies pending migrations and makes the installation's missing keys; returns the migrations applied. */
  migrate(): Promise<string[]>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Connections in use, idle and awaited; queries that failed since the start (for metrics). */
  stats(): { used: number; free: number; pending: number; max: number; queryErrors: number };
  close(): Promise<void>;
}

/** Objects created (by this process) between two refreshes of the planner's statistics. */
const ANALYZE_AFTER_CREATED = 2000;

/** Which engine and where (see mikro-orm.config.ts). */
export type DatabaseOptions = EngineSettings;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const engineSettings = await engineOptions(opts);
  const { release } = engineSettings;
  let orm: MikroORM;
  try {
    orm = await MikroORM.init(engineSettings.options);
  } catch (err) {
    await engineSettings.embedded?.close();
    release();
    throw err;
  }
  const pglite = engineSettings.embedded;
  const engine: Engine = opts.url ? 'postgres' : 'pglite';
  const knex = (orm.em as SqlEntityManager).getConnection().getKnex();
  let queryErrors = 0;
  knex.on('query-error', () => queryErrors++);
  let closed = false;
  let created = 0;
  let analyzing: Promise<void> | null = null;
  return {
    engine,
    orm,
    em: () => orm.em.fork() as SqlEntityManager,
    async transactional<T>(fn: (em: SqlEntityManager) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await (orm.em.fork() as SqlEntityManager).transactional(fn);
        } catch (e) {
          if (!(e instanceof DeadlockException) || attempt >= 3) throw e;
        }
      }
    },
    noteCreated(count: number) {
      created += count;
      if (created < ANALYZE_AFTER_CREATED || analyzing || closed) return;
      created = 0;
      analyzing = orm.em
        .getConnection()
        .execute('analyze calendarobjects, calendarchanges')
        .then(
          () => undefined,
          () => undefined, // only statistics: a failure (the database closing) changes nothing
        )
        .finally(() => (analyzing = null));
    },
    async migrate() {
      const applied = await orm.getMigrator().up();
      await ensureInstanceKeys(orm.em.fork() as SqlEntityManager);
      return applied.map((m) => m.name);
    },
    async ping() {
      try {
        await orm.em.getConnection().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    stats() {
      const pool = knex.client.pool as { numUsed(): number; numFree(): number; numPendingAcquires(): number; max: number } | undefined;
      return { used: pool?.numUsed() ?? 0, free: pool?.numFree() ?? 0, pending: pool?.numPendingAcquires() ?? 0, max: pool?.max ?? 1, queryErrors };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await analyzing;
        await orm.close(true);
        if (pglite && !pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
}
