#!/usr/bin/env node
// Runs the TypeScript sources as one bundle made by esbuild into dist/ (rebuilt, in about 0.1 s,
// whenever a source file is newer). Loading the sources through tsx instead costs each process
// some 75 MB of memory for the loader; it remains the fallback when dist/ cannot be written.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'calendula.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

async function bundle() {
  try {
    if (existsSync(out) && statSync(out).mtimeMs >= newestSource(join(root, 'src'))) return out;
    const esbuild = await import('esbuild');
    mkdirSync(join(root, 'dist'), { recursive: true });
    // Written aside and renamed, so that processes starting together never load half a file.
    const tmp = `${out}.${process.pid}.tmp`;
    await esbuild.build({
      entryPoints: [join(root, 'src', 'cli.ts')],
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
  } catch {
    return null;
  }
}

const bundled = await bundle();
let cli;
if (bundled) {
  cli = await import(bundled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
await cli.main();
