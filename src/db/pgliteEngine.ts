// Creating and opening a PGlite database (PostgreSQL compiled to WebAssembly) with the same type
// parsing as MikroORM's pg connection. Runs in the embedded database's own thread.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
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

/** Opens (or creates) a PGlite database; in memory without a directory. */
export async function openPgliteHere(dataDir: string | undefined, cacheMb = 32): Promise<PGlite> {
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
