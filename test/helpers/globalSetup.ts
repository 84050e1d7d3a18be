// Prepares one migrated template database per engine; test files clone it (fast) instead of
// migrating their own. On PGlite it is what a user's first start makes: the shipped template
// (src/db/template) unpacked, then the migrations newer than it (test/db/migrations.test.ts runs
// every migration from an empty database).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.ts';
import { adminQuery, databaseUrlFor } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    engine: 'pglite' | 'postgres';
    pgliteTemplateDir: string;
    pgTemplateName: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engine = project.config.env?.CALENDULA_TEST_ENGINE === 'postgres' ? 'postgres' : 'pglite';
  project.provide('engine', engine);
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'calendula-template-'));
    const db = await openDatabase({ url: undefined, dataDir: dir });
    await db.migrate();
    await db.close();
    project.provide('pgliteTemplateDir', dir);
    project.provide('pgTemplateName', '');
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  const name = `calendula_tpl_${process.pid}`;
  await adminQuery(`drop database if exists ${name}`);
  await adminQuery(`create database ${name}`);
  const db = await openDatabase({ url: databaseUrlFor(name), dataDir: undefined });
  await db.migrate();
  await db.close();
  project.provide('pgliteTemplateDir', '');
  project.provide('pgTemplateName', name);
  return async () => {
    await adminQuery(`drop database if exists ${name} with (force)`);
  };
}
