// Start-up loads the migrator only when a migration is pending (src/db/lazyMigrator.ts): what a
// restart sees is the same either way — nothing applied when all ran, the missing one applied when not.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrationsList } from '../../src/db/migrations/index.ts';
import { MIGRATION_NAMES } from '../../src/db/migrations/names.ts';
import { testEngine } from '../helpers/database.ts';
import { adminQuery, databaseUrlFor } from '../helpers/postgres.ts';

/** An empty database that can be opened again (a restart), and dropped. */
async function reopenable(): Promise<{ open: () => Promise<Database>; drop: () => Promise<void> }> {
  if (testEngine() === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'calendula-lazy-'));
    return { open: () => openDatabase({ url: undefined, dataDir: dir }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `calendula_lazy_${randomBytes(5).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  return { open: () => openDatabase({ url: databaseUrlFor(name), dataDir: undefined }), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

describe('the migrator at start-up', () => {
  it('names.ts lists the migrations of index.ts, in order', () => {
    expect(MIGRATION_NAMES).toEqual(migrationsList.map((m) => m.name));
  });

  it('a restart applies nothing when every migration ran, and the one missing when one did not', async () => {
    const { open, drop } = await reopenable();
    try {
      let db = await open();
      // A new PostgreSQL database has none applied; a new embedded one starts from the shipped, migrated data directory.
      expect(await db.migrate()).toEqual(testEngine() === 'pglite' ? [] : MIGRATION_NAMES);
      await db.close();

      db = await open();
      expect(await db.migrate()).toEqual([]);
      const last = MIGRATION_NAMES[MIGRATION_NAMES.length - 1] as string;
      // As if the newest migration came with an update: forget it ran, and undo what it did.
      await db.orm.getMigrator().down();
      await db.close();

      db = await open();
      expect(await db.migrate()).toEqual([last]);
      await db.close();
    } finally {
      await drop();
    }
  });
});
