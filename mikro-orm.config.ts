// The one MikroORM configuration. The server and the `calendula` command build theirs with
// `engineOptions` (src/db/database.ts); the MikroORM CLI (`npx mikro-orm …`) loads the default
// export through scripts/mikro-orm-cli.config.js, which reads the same settings as the server
// (DATABASE_URL, or the embedded database in DATA_DIR; .env included).
import { mkdirSync } from 'node:fs';
import type { Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { loadConfig, loadDotEnv, type EmbeddedMemory } from './src/config.ts';
import { lockDataDir } from './src/db/dataDirLock.ts';
import { takeEmbeddedAhead } from './src/db/embeddedAhead.ts';
import { allEntities } from './src/db/entities/index.ts';
import { LazyMigrator } from './src/db/lazyMigrator.ts';
import { PgliteDriver } from './src/db/pgliteDriver.ts';
import { openPglite, type EmbeddedDatabase } from './src/db/pgliteProxy.ts';

export const MIGRATIONS_PATH = 'src/db/migrations';

let opened = 0;

/** What every engine shares: entities, migrations, and no file access at run time. */
export function ormOptions(extra: Partial<Options>): Options {
  return {
    // MikroORM finds the current transaction through AsyncLocalStorage by this name; two databases
    // in one process (a copy, or two servers in a test) must not see each other's transactions.
    contextName: `calendula-${++opened}`,
    entities: allEntities,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true, warnWhenNoEntities: true },
    metadataCache: { enabled: false },
    // The migrator and the migrations load when a migration is pending (src/db/lazyMigrator.ts).
    extensions: [LazyMigrator],
    migrations: {
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

export interface EngineSettings {
  /** postgres:// URL; undefined → the embedded engine. */
  url: string | undefined;
  /** Embedded data directory; undefined → in memory (tests and tools only). */
  dataDir: string | undefined;
  poolMax?: number;
  embeddedMemory?: EmbeddedMemory;
  debug?: boolean;
  log?: (message: string) => void;
}

export interface EngineOptions {
  options: Options;
  /** The embedded database, when that is the engine (its connection closes it). */
  embedded?: EmbeddedDatabase;
  /** Releases the data directory's lock (embedded engine). */
  release(): void;
}

/** Options for PostgreSQL, or for the embedded engine (opened here, with its data directory locked). */
export async function engineOptions(s: EngineSettings): Promise<EngineOptions> {
  const common = { debug: s.debug ?? false, logger: s.log ?? (() => {}) };
  if (s.url) {
    return { options: ormOptions({ driver: PostgreSqlDriver, clientUrl: s.url, pool: { min: 0, max: s.poolMax ?? 10 }, ...common }), release: () => {} };
  }
  const early = s.dataDir ? takeEmbeddedAhead(s.dataDir, s.embeddedMemory) : undefined;
  let release: () => void = early?.release ?? (() => {});
  if (s.dataDir && !early) {
    mkdirSync(s.dataDir, { recursive: true });
    release = lockDataDir(s.dataDir);
  }
  try {
    const embedded = await (early?.opening ?? openPglite(s.dataDir, s.embeddedMemory));
    const options = ormOptions({ driver: PgliteDriver, dbName: 'postgres', driverOptions: { connection: () => ({ pglite: embedded }) }, ...common });
    return { options, embedded, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** For the MikroORM CLI: the server's own settings. */
export default async function cliConfig(): Promise<Options> {
  loadDotEnv();
  const config = loadConfig();
  const engine = await engineOptions({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    embeddedMemory: config.embeddedMemory,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  // The CLI process ends when the ORM closes: the embedded connection closes its database then.
  process.once('exit', engine.release);
  return { ...engine.options, contextName: 'default' };
}
