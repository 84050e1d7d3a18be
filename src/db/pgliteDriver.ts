// A MikroORM 6 driver for PGlite (PostgreSQL compiled to WebAssembly), the embedded default engine.
// It reuses MikroORM's PostgreSQL driver and only swaps the knex client underneath, so entities,
// migrations and SQL are the same as on a real PostgreSQL server.
import type { Results } from '@electric-sql/pglite';
import {
  AbstractSqlDriver,
  PostgreSqlConnection,
  PostgreSqlKnexDialect,
  PostgreSqlPlatform,
  type Configuration,
} from '@mikro-orm/postgresql';
import type { EmbeddedDatabase } from './pgliteProxy.ts';

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
  connection: () => { pglite: EmbeddedDatabase };
}

type DialectCtor = new (config: unknown) => object;

// knex's PostgreSQL client, with its one "connection" being the EmbeddedDatabase instance. The pool is 1:
// PGlite is a single session, so transactions are serialized by knex's pool.
const PgDialect = PostgreSqlKnexDialect as unknown as DialectCtor;

class PgliteKnexClient extends (PgDialect as DialectCtor) {
  private readonly pglite: EmbeddedDatabase;

  constructor(config: PgliteConnectionConfig & Record<string, unknown>) {
    super({ ...config, pool: { min: 1, max: 1 } });
    this.pglite = config.connection().pglite;
  }

  _driver(): object {
    return {};
  }

  async acquireRawConnection(): Promise<EmbeddedDatabase> {
    return this.pglite;
  }

  async _acquireOnlyConnection(): Promise<EmbeddedDatabase> {
    return this.acquireRawConnection();
  }

  // The application owns EmbeddedDatabase's lifecycle and closes it on shutdown.
  async destroyRawConnection(): Promise<void> {}

  validateConnection(): boolean {
    return !this.pglite.closed;
  }

  async setSchemaSearchPath(): Promise<boolean> {
    return true;
  }

  async checkVersion(connection: EmbeddedDatabase): Promise<string> {
    const res = await connection.query<{ version: string }>('select version()');
    const version = res.rows[0]?.version ?? '';
    return /PostgreSQL ([\d.]+)/.exec(version)?.[1] ?? '18.0';
  }

  async _query(connection: EmbeddedDatabase, obj: KnexQueryObject): Promise<KnexQueryObject> {
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

  _stream(connection: EmbeddedDatabase, obj: KnexQueryObject, stream: KnexStream): Promise<void> {
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

  /** Closing the ORM closes the embedded database (and ends its thread). */
  override async close(force?: boolean): Promise<void> {
    await super.close(force);
    const options = this.config.get('driverOptions') as PgliteConnectionConfig | undefined;
    await options?.connection().pglite.close();
  }
}

/**
 * MikroORM driver for EmbeddedDatabase. Pass the instance as
 * `driverOptions: { connection: () => ({ pglite }) }` (a function, so knex does not clone it).
 */
export class PgliteDriver extends AbstractSqlDriver<PgliteConnection, PostgreSqlPlatform> {
  constructor(config: Configuration) {
    super(config, new PostgreSqlPlatform(), PgliteConnection, ['knex', 'pg']);
  }
}
