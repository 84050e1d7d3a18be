// MikroORM's migrator, loaded when it has work. @mikro-orm/migrations (umzug, the schema differ)
// and the migration classes cost a start some 0.2 s of CPU and 10 MB, for nothing on a restart
// where every migration has run: `up()` without options first compares the names applied in the
// database with src/db/migrations/names.ts, and loads the real migrator only when one is pending.
// Every other call loads it at once.
import type { IMigrator, MigrateOptions, MigrationResult, MigrationRow, MigratorEvent, MikroORM, UmzugMigration } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { MIGRATION_NAMES } from './migrations/names.ts';

type Listener = Parameters<IMigrator['on']>[1];

export class LazyMigrator implements IMigrator {
  private real: Promise<IMigrator> | undefined;
  private loaded: IMigrator | undefined;
  /** Listeners added before the migrator was loaded, handed to it when it is. */
  private readonly listeners: [MigratorEvent, Listener][] = [];

  /** Registers the migrator in place of @mikro-orm/migrations' own (`extensions: [LazyMigrator]`). */
  static register(orm: MikroORM): void {
    orm.config.registerExtension('@mikro-orm/migrator', () => new LazyMigrator(orm));
  }

  private constructor(private readonly orm: MikroORM) {}

  private load(): Promise<IMigrator> {
    this.real ??= (async () => {
      const [{ Migrator }, { migrationsList }] = await Promise.all([import('@mikro-orm/migrations'), import('./migrations/index.ts')]);
      this.orm.config.get('migrations').migrationsList = migrationsList;
      const migrator = new Migrator(this.orm.em as SqlEntityManager);
      for (const [event, listener] of this.listeners) migrator.on(event, listener);
      this.loaded = migrator;
      return migrator;
    })();
    return this.real;
  }

  /** True when a migration of names.ts is not recorded as applied (or the table is missing). */
  private async pending(): Promise<boolean> {
    const conn = (this.orm.em as SqlEntityManager).getConnection();
    const [table] = await conn.execute<{ t: string | null }[]>(`select to_regclass('mikro_orm_migrations')::text as t`);
    if (!table?.t) return true;
    const rows = await conn.execute<{ name: string }[]>('select name from mikro_orm_migrations');
    const applied = new Set(rows.map((r) => r.name));
    return MIGRATION_NAMES.some((name) => !applied.has(name));
  }

  async up(options?: string | string[] | MigrateOptions): Promise<UmzugMigration[]> {
    if (options === undefined && !this.loaded && !(await this.pending())) return [];
    return (await this.load()).up(options);
  }

  async down(options?: string | string[] | MigrateOptions): Promise<UmzugMigration[]> {
    return (await this.load()).down(options);
  }

  async createMigration(path?: string, blank?: boolean, initial?: boolean, name?: string): Promise<MigrationResult> {
    return (await this.load()).createMigration(path, blank, initial, name);
  }

  async checkMigrationNeeded(): Promise<boolean> {
    return (await this.load()).checkMigrationNeeded();
  }

  async createInitialMigration(path?: string): Promise<MigrationResult> {
    return (await this.load()).createInitialMigration(path);
  }

  async getExecutedMigrations(): Promise<MigrationRow[]> {
    return (await this.load()).getExecutedMigrations();
  }

  async getPendingMigrations(): Promise<UmzugMigration[]> {
    return (await this.load()).getPendingMigrations();
  }

  on(event: MigratorEvent, listener: Listener): IMigrator {
    if (this.loaded) this.loaded.on(event, listener);
    else this.listeners.push([event, listener]);
    return this;
  }

  off(event: MigratorEvent, listener: Listener): IMigrator {
    if (this.loaded) this.loaded.off(event, listener);
    const i = this.listeners.findIndex(([e, l]) => e === event && l === listener);
    if (i >= 0) this.listeners.splice(i, 1);
    return this;
  }

  getStorage(): ReturnType<IMigrator['getStorage']> {
    if (!this.loaded) throw new Error('the migrator is not loaded yet: call an asynchronous method first');
    return this.loaded.getStorage();
  }
}
