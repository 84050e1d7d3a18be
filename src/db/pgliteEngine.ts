// Creating and opening a PGlite database (PostgreSQL compiled to WebAssembly) with the same type
// parsing as MikroORM's pg connection. Runs in the embedded database's own thread.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import parseArray from 'postgres-array';
import type { EmbeddedMemory } from '../config.ts';
import { unpackTemplate } from './embeddedTemplate.ts';

/** For tools and tests that open a database without a configuration. */
const DEFAULT_MEMORY: EmbeddedMemory = { cacheMb: 32, workMemKb: 4096, maintenanceWorkMemMb: 64 };

const keepAsString = (s: string): string => s;
const asArray = (s: string): unknown[] => parseArray.parse(s);

/**
 * Opens a PGlite database; a data directory without one gets the shipped template (migrated, no
 * installation's data). Without a directory, a new database in memory (PGlite's own initdb, which
 * takes some 800 MB that the process keeps: tools and tests only).
 */
export async function openPgliteHere(dataDir: string | undefined, memory: EmbeddedMemory = DEFAULT_MEMORY): Promise<PGlite> {
  if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) unpackTemplate(dataDir);
  const db = new PGlite(dataDir, {
    postgresqlconf: [`shared_buffers=${memory.cacheMb}MB`, `work_mem=${memory.workMemKb}kB`, `maintenance_work_mem=${memory.maintenanceWorkMemMb}MB`],
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
