// The shipped embedded template (src/db/template/embedded.tar.br): what a new installation starts
// from. It must hold every migration (else `npm run make:template`) and nobody's data or keys.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrationsList } from '../../src/db/migrations/index.ts';

const dirs: string[] = [];
const opened: Database[] = [];

async function newInstallation(): Promise<{ dir: string; db: Database }> {
  const dir = mkdtempSync(join(tmpdir(), 'calendula-tpl-test-'));
  dirs.push(dir);
  const db = await openDatabase({ url: undefined, dataDir: dir });
  opened.push(db);
  return { dir, db };
}

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.env.CALENDULA_TEST_ENGINE !== 'postgres')('the embedded template (embedded engine only: a PostgreSQL database is made by its server)', () => {
  it('holds every migration in src/db/migrations, and no other (npm run make:template when this fails)', async () => {
    const { db } = await newInstallation();
    const rows = await db.em().execute<{ name: string }[]>('select name from mikro_orm_migrations order by id');
    expect(rows.map((r) => r.name)).toEqual(migrationsList.map((m) => m.name));
  });

  it('holds no row in any table: no user, password, token or installation key', async () => {
    const { db } = await newInstallation();
    const tables = await db
      .em()
      .execute<{ table_name: string }[]>("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations'");
    expect(tables.map((t) => t.table_name)).toContain('instance_settings');
    const filled: string[] = [];
    for (const { table_name } of tables) {
      const [row] = await db.em().execute<{ n: string }[]>(`select count(*) as n from "${table_name}"`);
      if (Number(row?.n) > 0) filled.push(table_name);
    }
    expect(filled).toEqual([]);
  });

  it('gives each installation its own keys at its first start', async () => {
    const keys = async (db: Database) => {
      await db.migrate();
      const rows = await db.em().execute<{ key: string; value: string }[]>('select key, value from instance_settings order by key');
      return Object.fromEntries(rows.map((r) => [r.key, r.value]));
    };
    const a = await keys((await newInstallation()).db);
    const b = await keys((await newInstallation()).db);
    expect(Object.keys(a)).toEqual(['answer_link_key', 'instance_id']);
    expect(a.answer_link_key).toMatch(/^[0-9a-f]{64}$/);
    expect(a.answer_link_key).not.toBe(b.answer_link_key);
    expect(a.instance_id).not.toBe(b.instance_id);
  });

  it('is unpacked again after a start that died half-way (no PG_VERSION yet)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calendula-tpl-test-'));
    dirs.push(dir);
    // What a kill -9 during the unpacking leaves: some files, no PG_VERSION.
    const first = await openDatabase({ url: undefined, dataDir: dir });
    await first.close();
    rmSync(join(dir, 'PG_VERSION'));
    writeFileSync(join(dir, 'global', 'pg_control'), 'torn');
    const db = await openDatabase({ url: undefined, dataDir: dir });
    opened.push(db);
    expect(await db.migrate()).toEqual([]);
    expect(await db.ping()).toBe(true);
  });
});
