// The layering docs/architecture.md promises, checked on the source tree: faces never reach the
// database nor each other, the domain never reaches a face, folders import each other without
// cycles, SQL is written only in src/db, and src/ical, src/vcard and src/xml import nothing of
// ours. The checker is itself tested on a small tree with one planted violation of each rule, so a
// rule that silently stopped matching would fail here too.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', 'src');

interface Source {
  /** Relative to src/, with forward slashes. */
  path: string;
  text: string;
}

function sources(dir: string): Source[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [{ path: relative(ROOT, p).split(sep).join('/'), text: readFileSync(p, 'utf8') }] : [];
  });
}

/** The faces: each speaks one wire format to the outside and calls the domain. */
const FACES = ['dav', 'api', 'web', 'sync'];
/** Folders of pure logic that import nothing of ours outside themselves. */
const LEAVES = ['ical', 'vcard', 'xml'];
/** The files at the top of src/ count as one folder. */
const TOP = '(top)';

// Every module specifier a file names: static imports and re-exports, with or without `type`,
// over several lines, side-effect imports, and dynamic import(). Comments are dropped first, so
// a commented-out import does not count.
const STATIC = /^[ \t]*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^[ \t]*\/\/.*$/gm, '');
}

export function specifiersOf(text: string): string[] {
  const code = withoutComments(text);
  return [...code.matchAll(STATIC), ...code.matchAll(DYNAMIC)].map((m) => m[1]!);
}

function folderOf(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? TOP : path.slice(0, i);
}

interface Import {
  from: Source;
  spec: string;
  /** The imported file relative to src/, or null for a package, a node: module or a file outside src/. */
  target: string | null;
}

function importsOf(file: Source): Import[] {
  return specifiersOf(file.text).map((spec) => {
    if (!spec.startsWith('.')) return { from: file, spec, target: null };
    const target = normalize(join(dirname(file.path), spec)).split(sep).join('/');
    return { from: file, spec, target: target.startsWith('..') ? null : target };
  });
}

/** The folder graph's strongly connected components with more than one folder (Tarjan). */
function folderCycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** Every broken rule, one line each; empty when the tree keeps them all. */
export function violations(files: Source[]): string[] {
  const out: string[] = [];
  const edges = new Map<string, Set<string>>();
  const why = new Map<string, string>();
  for (const file of files) {
    const from = folderOf(file.path);
    if (from !== 'db' && /\.execute(<[^(]*>)?\(/.test(withoutComments(file.text))) out.push(`SQL outside src/db: ${file.path} calls execute()`);
    for (const imp of importsOf(file)) {
      if (LEAVES.includes(from)) {
        if (imp.spec.startsWith('.') && (imp.target === null || folderOf(imp.target) !== from)) out.push(`leaf imports ours: ${file.path} imports ${imp.spec}`);
        if (/^node:(fs|net|http|https|child_process|worker_threads)/.test(imp.spec)) out.push(`leaf does I/O: ${file.path} imports ${imp.spec}`);
      }
      if (imp.target === null) continue;
      const to = folderOf(imp.target);
      if (from === to) continue;
      if (FACES.includes(from) && to === 'db') out.push(`face → db: ${file.path} imports ${imp.target}`);
      if (FACES.includes(from) && FACES.includes(to)) out.push(`face → face: ${file.path} imports ${imp.target}`);
      if (from === 'domain' && FACES.includes(to)) out.push(`domain → face: ${file.path} imports ${imp.target}`);
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      if (!why.has(`${from} ${to}`)) why.set(`${from} ${to}`, `${file.path} imports ${imp.target}`);
    }
  }
  for (const scc of folderCycles(edges)) {
    const examples = scc.flatMap((a) => scc.filter((b) => why.has(`${a} ${b}`)).map((b) => why.get(`${a} ${b}`)!));
    out.push(`cycle between folders ${scc.join(', ')}: ${examples.join('; ')}`);
  }
  return out;
}

describe('architecture rules', () => {
  const ALL = sources(ROOT);

  it('finds the faces and the domain where it looks', () => {
    for (const folder of [...FACES, 'domain', ...LEAVES]) expect(ALL.some((f) => folderOf(f.path) === folder), folder).toBe(true);
    expect(ALL.length).toBeGreaterThan(100);
  });

  it('holds on the source tree: no face reaches the database or another face, the domain reaches no face, no cycle between folders, SQL only in src/db, src/ical, src/vcard and src/xml pure', () => {
    expect(violations(ALL)).toEqual([]);
  });
});

describe('the architecture checker', () => {
  it('reads every form of import: multi-line, type-only, re-exports, side effects, dynamic; not comments', () => {
    const text = [
      `import {`,
      `  a,`,
      `  type B,`,
      `} from '../one.ts';`,
      `import type { C } from "./two.ts";`,
      `export { d } from './three.ts';`,
      `export type { E } from './four.ts';`,
      `export * from './five.ts';`,
      `import './six.ts';`,
      `const m = await import('./seven.ts');`,
      `// import { x } from './commented.ts';`,
      `/* import { y } from './blocked.ts'; */`,
      `export const s = 'from ./not-an-import.ts';`,
    ].join('\n');
    expect(specifiersOf(text).sort()).toEqual(['../one.ts', './five.ts', './four.ts', './seven.ts', './six.ts', './three.ts', './two.ts']);
  });

  it('reports one planted violation of each rule', () => {
    const tree: Source[] = [
      { path: 'dav/router.ts', text: `import { rows } from '../db/tables/x.ts';\nimport type { Page } from '../web/page.ts';` },
      { path: 'web/page.ts', text: `export type Page = string;` },
      { path: 'domain/users.ts', text: `import {\n  Sync,\n} from '../sync/worker.ts';\nexport const u = 1;` },
      { path: 'sync/worker.ts', text: `export class Sync {}` },
      { path: 'db/tables/x.ts', text: `export const rows = (em: { execute(s: string): void }) => em.execute('SELECT 1');` },
      { path: 'domain/calendars.ts', text: `export const all = (em: { execute(s: string): void }) => em.execute('SELECT 2');` },
      { path: 'ical/parse.ts', text: `import { readFileSync } from 'node:fs';\nimport { u } from '../domain/users.ts';` },
      { path: 'xml/parse.ts', text: `import { something } from '../config.ts';` },
      { path: 'config.ts', text: `export type { Helper } from './http/helper.ts';` },
      { path: 'http/helper.ts', text: `import type { Conf } from '../config.ts';\nexport type Helper = Conf;` },
    ];
    const found = violations(tree);
    expect(found).toEqual(
      expect.arrayContaining([
        'face → db: dav/router.ts imports db/tables/x.ts',
        'face → face: dav/router.ts imports web/page.ts',
        'domain → face: domain/users.ts imports sync/worker.ts',
        'SQL outside src/db: domain/calendars.ts calls execute()',
        'leaf imports ours: ical/parse.ts imports ../domain/users.ts',
        'leaf does I/O: ical/parse.ts imports node:fs',
        'leaf imports ours: xml/parse.ts imports ../config.ts',
        expect.stringMatching(/^cycle between folders \(top\), http: /),
      ]),
    );
    // Only the planted ones: db's own execute(), web's and sync's files and the ical → domain
    // edge (not a cycle) are fine.
    expect(found).toHaveLength(8);
  });
});
