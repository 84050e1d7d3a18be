// Developer tool: writes a migration for the difference between the entities and the schema that
// the existing migrations produce. Runs on an in-memory PGlite, so it needs no server.
//   npx tsx scripts/make-migration.ts [--initial]
// The foreign keys from `principaluri` columns to principals(uri) live only in the migrations
// (MikroORM cannot map a relation to a non-primary column), so statements dropping them are removed.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_PATH } from '../mikro-orm.config.ts';
import { openDatabase } from '../src/db/database.ts';

const KEEP = /_principaluri_foreign/;

const db = await openDatabase({ url: undefined, dataDir: undefined });
try {
  await db.migrate();
  const initial = process.argv.includes('--initial');
  const result = await db.orm.getMigrator().createMigration(undefined, false, initial);
  if (!result.fileName) {
    console.log('No changes: the migrations already match the entities.');
  } else {
    const file = join(MIGRATIONS_PATH, result.fileName);
    const lines = readFileSync(file, 'utf8').split('\n');
    const kept = lines.filter((l) => !(l.includes('this.addSql') && KEEP.test(l)));
    const downAt = kept.findIndex((l) => l.includes('async down('));
    const up = downAt === -1 ? kept : kept.slice(0, downAt);
    if (!up.some((l) => l.includes('this.addSql'))) {
      unlinkSync(file);
      console.log('No changes: the migrations already match the entities.');
    } else {
      writeFileSync(file, kept.join('\n'));
      console.log(`Wrote ${file}; review it and add it to src/db/migrations/index.ts and names.ts.`);
    }
  }
} finally {
  await db.close();
}
