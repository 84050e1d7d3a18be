#!/usr/bin/env node
// Runs the TypeScript sources as one bundle made by esbuild into dist/ (rebuilt, in about 0.1 s,
// whenever a source file is newer). Loading the sources through tsx instead costs each process
// some 75 MB of memory for the loader; it remains the fallback when dist/ cannot be written.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'calendula.mjs');
// The compute pool's threads run their own bundle (src/compute/workerScript.ts finds it beside this one).
const entries = {
  calendula: join(root, 'src', 'boot', 'cli.ts'),
  'compute-worker': join(root, 'src', 'compute', 'worker.ts'),
  'pglite-worker': join(root, 'src', 'db', 'pgliteThread.ts'),
};

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const requireFromRoot = createRequire(join(root, 'package.json'));

/** Whether `require(spec)` loads CommonJS (a .cjs file, or a .js file of a package not "type": "module"). */
function requiresCommonJs(spec) {
  let file;
  try {
    file = requireFromRoot.resolve(spec);
  } catch {
    return false; // ESM only
  }
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, type } = JSON.parse(readFileSync(manifest, 'utf8'));
    if (name || type) return type !== 'module';
  }
  return true;
}

// Packages that ship CommonJS (MikroORM, knex, express and most others) are loaded with require(),
// not import: Node imports a CommonJS module by first scanning its source, and every module it
// re-exports, for the names it exports (cjs-module-lexer), then loading it again; that scan was
// about a fifth of a start's CPU. Packages that ship only ESM, and those a module imports on first
// use with import(), are imported as before.
const requireCommonJs = {
  name: 'require-commonjs',
  setup(build) {
    const cache = new Map();
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const spec = args.path;
      if (args.namespace === 'commonjs' || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return { path: spec, external: true };
      // import('pkg') stays an import: its names are known only when Node reads the package, and
      // a module made here could give it no more than a default export.
      if (args.kind === 'dynamic-import') return { path: spec, external: true };
      if (!cache.has(spec)) cache.set(spec, requiresCommonJs(spec));
      return cache.get(spec) ? { path: spec, namespace: 'commonjs' } : { path: spec, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'commonjs' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

async function bundle() {
  try {
    // The bundle holds src/ and the root ORM configuration.
    const newest = Math.max(newestSource(join(root, 'src')), statSync(join(root, 'mikro-orm.config.ts')).mtimeMs);
    const fresh = (name) => existsSync(join(root, 'dist', `${name}.mjs`)) && statSync(join(root, 'dist', `${name}.mjs`)).mtimeMs >= newest;
    if (Object.keys(entries).every(fresh)) return out;
    const esbuild = await import('esbuild');
    // Written aside and renamed, so that processes starting together never load half a file.
    const tmp = join(root, 'dist', `.build-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    // Split at every dynamic import(): what a command or a page loads on first use is a chunk of its
    // own (dist/chunks/), with the packages it imports, instead of code and imports every process
    // parses and loads at start (an unsplit ESM bundle hoists every package import to its top).
    await esbuild.build({
      entryPoints: entries,
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      plugins: [requireCommonJs],
      // The require() of the packages above, in an ESM bundle.
      banner: { js: "import { createRequire as __calendulaCreateRequire } from 'node:module'; const require = __calendulaCreateRequire(import.meta.url);" },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      logLevel: 'silent',
    });
    await esbuild.stop();
    // Chunks are named by their content, so a chunk of the same name is the same file: chunks first,
    // then the threads, then the main bundle, so that a process loading a new bundle finds all it needs.
    const chunks = join(root, 'dist', 'chunks');
    mkdirSync(chunks, { recursive: true });
    const built = new Set();
    for (const name of existsSync(join(tmp, 'chunks')) ? readdirSync(join(tmp, 'chunks')) : []) {
      built.add(name);
      if (!existsSync(join(chunks, name))) renameSync(join(tmp, 'chunks', name), join(chunks, name));
    }
    for (const name of ['compute-worker', 'pglite-worker', 'calendula']) renameSync(join(tmp, `${name}.mjs`), join(root, 'dist', `${name}.mjs`));
    rmSync(tmp, { recursive: true, force: true });
    // Chunks of earlier builds go after a day: only a process still running a build from before the
    // sources changed (development) could load one, on the first use of what it holds.
    for (const name of readdirSync(chunks)) {
      if (!built.has(name) && statSync(join(chunks, name)).mtimeMs < Date.now() - 86_400_000) rmSync(join(chunks, name), { force: true });
    }
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
  cli = await import('../src/boot/cli.ts');
}
await cli.main();
