// A fresh database for one test: a copy of the migrated template on the engine under test.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { adminQuery, databaseUrlFor } from './postgres.ts';

export interface FreshDatabase {
  engine: 'pglite' | 'postgres';
  /** Environment that points Calendula at this database (DATA_DIR or DATABASE_URL). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export function testEngine(): 'pglite' | 'postgres' {
  return inject('engine');
}

export async function freshDatabase(): Promise<FreshDatabase> {
  if (testEngine() === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'calendula-test-'));
    cpSync(inject('pgliteTemplateDir'), dir, { recursive: true });
    return {
      engine: 'pglite',
      env: { DATA_DIR: dir },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `calendula_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name} template ${inject('pgTemplateName')}`);
  return {
    engine: 'postgres',
    env: { DATABASE_URL: databaseUrlFor(name) },
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}
