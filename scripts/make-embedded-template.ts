// Makes src/db/template/embedded.tar.br, the data directory a new embedded installation starts
// from (src/db/embeddedTemplate.ts): PGlite's initdb, then every migration through our own
// database module, then PGlite's dumpDataDir, compressed again with brotli. Run it whenever a migration is added or changed
// (test/db/embeddedTemplate.test.ts fails until then): `npm run make:template`.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../src/db/database.ts';
import { templatePath } from '../src/db/embeddedTemplate.ts';

const work = mkdtempSync(join(tmpdir(), 'calendula-template-'));
const dir = join(work, 'pgdata');
try {
  const init = new PGlite(dir);
  await init.waitReady;
  await init.close();

  const db = await openDatabase({ url: undefined, dataDir: dir });
  // Only the schema: the per-installation keys are made at each installation's first start.
  const applied = await db.orm.getMigrator().up();
  await db.close();
  rmSync(join(dir, 'calendula.pid'), { force: true });

  // Old WAL segments removed rather than kept for reuse, new ones zero-filled: the tarball then
  // holds one segment of mostly zeros instead of 32 MB that do not compress.
  const pg = new PGlite(dir, { postgresqlconf: ['wal_recycle=off', 'wal_init_zero=on', 'min_wal_size=32MB'] });
  await pg.waitReady;
  await pg.exec('vacuum full');
  await pg.exec('checkpoint');
  await pg.query('select pg_switch_wal()');
  await pg.exec('checkpoint');
  const tarball = await pg.dumpDataDir('gzip');
  await pg.close();
  const out = templatePath();
  const tar = gunzipSync(new Uint8Array(await tarball.arrayBuffer()));
  // A window of 16 MB finds template1 repeated in template0; quality 9 takes 2 s, 11 a minute for 15% less.
  const params = { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: tar.length };
  writeFileSync(out, brotliCompressSync(tar, { params }));
  process.stdout.write(`${out}: ${applied.length} migrations, ${(statSync(out).size / 1024).toFixed(0)} KiB\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
