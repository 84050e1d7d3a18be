// mikro-orm.config.ts is the one ORM configuration: the MikroORM CLI (`npx mikro-orm`, through
// scripts/mikro-orm-cli.config.js and tsx) reads it with the server's own settings, on either engine.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from './helpers/database.ts';
import { baseEnv } from './helpers/process.ts';

const ROOT = resolve(import.meta.dirname, '..');

function mikroOrm(args: string[], env: Record<string, string>): { code: number | null; out: string } {
  const run = spawnSync('npx', ['mikro-orm', ...args], { cwd: ROOT, env: { ...baseEnv(env), NO_COLOR: '1', FORCE_COLOR: '0' }, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, out: `${run.stdout}\n${run.stderr}`.replace(/\u001b\[[0-9;]*m/g, '') };
}

describe('the MikroORM CLI reads mikro-orm.config.ts', () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('connects with the server settings (debug)', () => {
    const r = mikroOrm(['debug'], db.env);
    expect(r.out).toContain('database connection successful');
    expect(r.out).toMatch(/scripts\/mikro-orm-cli\.config\.js \(found\)/);
    expect(r.code).toBe(0);
  });

  it('lists the migrations the server applied, and none pending', () => {
    const list = mikroOrm(['migration:list'], db.env);
    expect(list.code).toBe(0);
    for (const name of ['Migration20261122020722', 'Migration20261204120000']) expect(list.out).toContain(name);
    const pending = mikroOrm(['migration:pending'], db.env);
    expect(pending.code).toBe(0);
    expect(pending.out).not.toContain('Migration2026');
  });

  it('dumps the schema difference without applying it (only the principaluri foreign keys the entities cannot express)', () => {
    const r = mikroOrm(['schema:update', '--dump'], db.env);
    expect(r.code).toBe(0);
    const statements = r.out.split('\n').filter((l) => /^(alter|create|drop)/i.test(l.trim()));
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) expect(s).toMatch(/drop constraint "\w+_principaluri_foreign"/);
  });
});
