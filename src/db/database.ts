// Opens and closes the database for either engine: PostgreSQL when a URL is given, otherwise the
// embedded PGlite in a data directory. Both use the same entities and migration files.
import { mkdirSync } from 'node:fs';
import { DeadlockException, MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver, type SqlEntityManager } from '@mikro-orm/postgresql';
import { lockDataDir } from './dataDirLock.ts';
import { allEntities } from './entities/index.ts';
import { migrationsList } from './migrations/index.ts';
import { PgliteDriver } from './pgliteDriver.ts';
import { openPglite, type EmbeddedDatabase } from './pgliteProxy.ts';

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
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Connections in use, idle and awaited; queries that failed since the start (for metrics). */
  stats(): { used: number; free: number; pending: number; max: number; queryErrors: number };
  close(): Promise<void>;
}

/** Objects created (by this process) between two refreshes of the planner's statistics. */
const ANALYZE_AFTER_CREATED = 2000;

export interface DatabaseOptions {
  /** postgres:// URL; undefined → PGlite. */
  url: string | undefined;
  /** PGlite data directory; undefined → in memory (tests and tools only). */
  dataDir: string | undefined;
  /** Largest PostgreSQL pool. */
  poolMax?: number;
  /** PGlite's shared_buffers, in MB. */
  embeddedCacheMb?: number;
  debug?: boolean;
  /** Where MikroORM's own messages go (default: dropped). */
  log?: (message: string) => void;
}

export const MIGRATIONS_PATH = 'src/db/migrations';

let opened = 0;

export function ormOptions(extra: Partial<Options>): Options {
  return {
    // MikroORM finds the current transaction through AsyncLocalStorage by this name; two databases
    // in one process (a copy, or two servers in a test) must not see each other's transactions.
    contextName: `calendula-${++opened}`,
    entities: allEntities,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true, warnWhenNoEntities: true },
    metadataCache: { enabled: false },
    extensions: [Migrator],
    migrations: {
      migrationsList,
      path: MIGRATIONS_PATH,
      pathTs: MIGRATIONS_PATH,
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      tableName: 'mikro_orm_migrations',
      silent: true,
    },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    ensureDatabase: false,
    ...extra,
  };
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let pglite: EmbeddedDatabase | undefined;
  let release: () => void = () => {};
  let orm: MikroORM;
  if (opts.url) {
    orm = await MikroORM.init(
      ormOptions({
        driver: PostgreSqlDriver,
        clientUrl: opts.url,
        pool: { min: 0, max: opts.poolMax ?? 10 },
        debug: opts.debug ?? false,
        logger: opts.log ?? (() => {}),
      }),
    );
  } else {
    if (opts.dataDir) {
      mkdirSync(opts.dataDir, { recursive: true });
      release = lockDataDir(opts.dataDir);
    }
    try {
      pglite = await openPglite(opts.dataDir, opts.embeddedCacheMb);
    } catch (err) {
      release();
      throw err;
    }
    const instance = pglite;
    try {
      orm = await MikroORM.init(
        ormOptions({
          driver: PgliteDriver,
          dbName: 'postgres',
          driverOptions: { connection: () => ({ pglite: instance }) },
          debug: opts.debug ?? false,
          logger: opts.log ?? (() => {}),
        }),
      );
    } catch (err) {
      await instance.close();
      release();
      throw err;
    }
  }
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
