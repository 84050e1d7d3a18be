// Where the compute pool's thread code is. The `calendula` command runs from an esbuild bundle in
// dist/ that has the worker bundle beside it; run from the TypeScript sources (tests, tsx), the
// worker bundle is built into dist/ here, the same way, whenever a source is newer.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKER_BUNDLE = 'compute-worker.mjs';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let building: Promise<string> | undefined;

export function workerScript(): Promise<string> {
  building ??= locate().finally(() => {
    building = undefined;
  });
  return building;
}

async function locate(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  const fromSources = here.endsWith('.ts');
  // In the bundle, this module is dist/calendula.mjs and the worker is its neighbour.
  const beside = join(dirname(here), WORKER_BUNDLE);
  if (!fromSources && existsSync(beside)) return beside;
  const root = fromSources ? join(dirname(here), '..', '..') : join(dirname(here), '..');
  const src = join(root, 'src');
  const out = join(root, 'dist', WORKER_BUNDLE);
  if (existsSync(out) && statSync(out).mtimeMs >= newest(src)) return out;
  const esbuild = await import('esbuild');
  mkdirSync(dirname(out), { recursive: true });
  // Built aside and renamed, so that processes starting together never load half a file.
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  await esbuild.build({
    entryPoints: [join(src, 'compute', 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: tmp,
    logLevel: 'silent',
  });
  await esbuild.stop();
  renameSync(tmp, out);
  return out;
}
