// Where the code of our worker threads is (the compute pool's, the embedded database's). The
// `calendula` command runs from an esbuild bundle in dist/ that has the thread bundles beside it;
// run from the TypeScript sources (tests, tsx), they are built into dist/ here, the same way,
// whenever a source is newer.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Thread entry points by bundle name (bin/calendula.js builds the same list). */
export const THREAD_ENTRIES = {
  'compute-worker': ['compute', 'worker.ts'],
  'pglite-worker': ['db', 'pgliteThread.ts'],
} as const;

export type ThreadBundle = keyof typeof THREAD_ENTRIES;

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let building: Promise<string> | undefined;

/** The path of a thread bundle, built first when the sources are newer. */
export async function workerScript(bundle: ThreadBundle): Promise<string> {
  building ??= locate().finally(() => {
    building = undefined;
  });
  return join(await building, `${bundle}.mjs`);
}

/** The directory that holds fresh thread bundles. */
async function locate(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  const fromSources = here.endsWith('.ts');
  // In the bundle, this module is dist/calendula.mjs or one of its chunks in dist/chunks/ (see
  // bin/calendula.js), and the threads are in dist/.
  const names = Object.keys(THREAD_ENTRIES) as ThreadBundle[];
  const bundleDir = basename(dirname(here)) === 'chunks' ? dirname(dirname(here)) : dirname(here);
  if (!fromSources && names.every((n) => existsSync(join(bundleDir, `${n}.mjs`)))) return bundleDir;
  const root = fromSources ? join(dirname(here), '..', '..') : join(bundleDir, '..');
  const src = join(root, 'src');
  const dist = join(root, 'dist');
  const stale = newest(src);
  if (names.every((n) => existsSync(join(dist, `${n}.mjs`)) && statSync(join(dist, `${n}.mjs`)).mtimeMs >= stale)) return dist;
  const esbuild = await import('esbuild');
  // Built aside and renamed, so that processes starting together never load half a file.
  const tmp = join(dist, `.threads-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  await esbuild.build({
    entryPoints: Object.fromEntries(names.map((n) => [n, join(src, ...THREAD_ENTRIES[n])])),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
  await esbuild.stop();
  for (const n of names) renameSync(join(tmp, `${n}.mjs`), join(dist, `${n}.mjs`));
  rmSync(tmp, { recursive: true, force: true });
  return dist;
}
