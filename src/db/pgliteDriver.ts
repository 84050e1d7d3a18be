// A MikroORM 6 driver for PGlite (PostgreSQL compiled to WebAssembly), the embedded default engine.
// It reuses MikroORM's PostgreSQL driver and only swaps the knex client underneath, so entities,
// migrations and SQL are the same as on a real PostgreSQL server.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { PGlite, type Results } from '@electric-sql/pglite';
import {
  AbstractSqlDriver,
  PostgreSqlConnection,
  PostgreSqlKnexDialect,
  PostgreSqlPlatform,
  type Configuration,
} from '@mikro-orm/postgresql';
import parseArray from 'postgres-array';

const keepAsString = (s: string): string => s;
const asArray = (s: string): unknown[] => parseArray.parse(s);

/**
 * PGlite's initdb takes some 800 MB that the process never gives back. On first start it runs in a
 * short-lived child process, so the server itself stays small.
 */
async function initializeApart(dataDir: string): Promise<void> {
  // The child runs where the bare specifier resolves to the very PGlite this process uses.
  const resolved = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const home = resolved.slice(0, resolved.lastIndexOf(`${sep}node_modules${sep}`));
  const script = `const { PGlite } = await import('@electric-sql/pglite');
const db = new PGlite(${JSON.stringify(dataDir)});
await db.waitReady;
await db.close();`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: home, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`creating the embedded database in ${dataDir} failed: ${err.trim()}`))));
  });
}

/** Opens (or creates) a PGlite database with the same type parsing as MikroORM's pg connection. */
export async function openPglite(dataDir: string | undefined, cacheMb = 32): Promise<PGlite> {
  if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) await initializeApart(dataDir);
  const db = new PGlite(dataDir, {
    // PostgreSQL's own cache; the operating system caches the data files as well.
    postgresqlconf: [`shared_buffers=${cacheMb}MB`],
    parsers: {
      20: keepAsString, // int8
      1082: keepAsString, // date
      1114: keepAsString, // timestamp
      1184: keepAsString, // timestamptz
      1186: keepAsString, // interval
      1182: asArray,
      1115: asArray,
      1185: asArray,
      1187: asArray,
    },
  });
  await db.waitReady;
  return db;
}

interface KnexQueryObject {
  sql?: string;
  bindings?: unknown[];
  method?: string;
  response?: Results & { rowCount?: number; command?: string };
}

interface KnexStream {
  on(event: string, cb: (arg?: unknown) => void): void;
  write(row: unknown): void;
  end(): void;
  emit(event: string, arg: unknown): void;
}

interface PgliteConnectionConfig {
  connection: () => { pglite: PGlite };
}

type DialectCtor = new (config: unknown) => object;

// knex's PostgreSQL client, with its one "connection" being the PGlite instance. The pool is 1:
// PGlite is a single session, so transactions are serialized by knex's pool.
const PgDialect = PostgreSqlKnexDialect as unknown as DialectCtor;

class PgliteKnexClient extends (PgDialect as DialectCtor) {
  private readonly pglite: PGlite;

  constructor(config: PgliteConnectionConfig & Record<string, unknown>) {
    super({ ...config, pool: { min: 1, max: 1 } });
    this.pglite = config.connection().pglite;
  }

  _driver(): object {
    return {};
  }

  async acquireRawConnection(): Promise<PGlite> {
    await this.pglite.waitReady;
    return this.pglite;
  }

  async _acquireOnlyConnection(): Promise<PGlite> {
    return this.acquireRawConnection();
  }

  // The application owns PGlite's lifecycle and closes it on shutdown.
  async destroyRawConnection(): Promise<void> {}

  validateConnection(): boolean {
    return !this.pglite.closed;
  }

  async setSchemaSearchPath(): Promise<boolean> {
    return true;
  }

  async checkVersion(connection: PGlite): Promise<string> {
    const res = await connection.query<{ version: string }>('select version()');
    const version = res.rows[0]?.version ?? '';
    return /PostgreSQL ([\d.]+)/.exec(version)?.[1] ?? '18.0';
  }

  async _query(connection: PGlite, obj: KnexQueryObject): Promise<KnexQueryObject> {
    if (!obj.sql) throw new Error('The query is empty');
    const bindings = obj.bindings ?? [];
    if (bindings.length === 0 && hasSeveralStatements(obj.sql)) {
      // Multi-statement scripts (schema changes) must use the simple protocol.
      const results = await connection.exec(obj.sql);
      obj.response = results[results.length - 1] ?? { rows: [], fields: [], affectedRows: 0 };
    } else {
      obj.response = await connection.query(obj.sql, bindings);
    }
    return obj;
  }

  processResponse(obj: KnexQueryObject, runner: unknown): unknown {
    const command =
      obj.method === 'first' || obj.method === 'pluck' ? 'SELECT' : (obj.method ?? '').toUpperCase();
    const res = obj.response ?? { rows: [], fields: [] };
    const response = { ...res, rowCount: res.affectedRows ?? 0, command };
    const parent = PgDialect.prototype as unknown as {
      processResponse(this: unknown, o: KnexQueryObject, r: unknown): unknown;
    };
    return parent.processResponse.call(this, { ...obj, response }, runner);
  }

  _stream(connection: PGlite, obj: KnexQueryObject, stream: KnexStream): Promise<void> {
    return new Promise((resolve, reject) => {
      stream.on('error', reject);
      stream.on('end', () => resolve());
      this._query(connection, obj)
        .then((o) => {
          for (const row of o.response?.rows ?? []) stream.write(row);
        })
        .catch((err: unknown) => stream.emit('error', err))
        .then(() => stream.end());
    });
  }
}

function hasSeveralStatements(sql: string): boolean {
  const trimmed = sql.trim().replace(/;$/, '');
  return trimmed.includes(';');
}

class PgliteConnection extends PostgreSqlConnection {
  override createKnex(): void {
    this.client = this.createKnexClient(PgliteKnexClient as never);
    (this.client.client as unknown as { ormConfig: unknown }).ormConfig = this.config;
    this.connected = true;
  }
}

/**
 * MikroORM driver for PGlite. Pass the instance as
 * `driverOptions: { connection: () => ({ pglite }) }` (a function, so knex does not clone it).
 */
export class PgliteDriver extends AbstractSqlDriver<PgliteConnection, PostgreSqlPlatform> {
  constructor(config: Configuration) {
    super(config, new PostgreSqlPlatform(), PgliteConnection, ['knex', 'pg']);
  }
}
