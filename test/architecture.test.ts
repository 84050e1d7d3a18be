// The layering docs/architecture.md promises, checked on the source tree: faces never reach the
// database, SQL is written only in src/db (one module per table in src/db/tables), and the
// iCalendar logic imports nothing of ours.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', 'src');

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [{ path: relative(ROOT, p), text: readFileSync(p, 'utf8') }] : [];
  });
}

const ALL = sources(ROOT);
const importsOf = (text: string) => [...text.matchAll(/^import[^;]*?from '([^']+)'/gms)].map((m) => m[1]!);

describe('architecture rules', () => {
  it('runs SQL only in src/db: no other module calls execute()', () => {
    const offenders = ALL.filter((f) => !f.path.startsWith('db/') && /\.execute(<[^(]*>)?\(/.test(f.text)).map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('keeps the faces (CalDAV, JSON APIs, sync worker) away from src/db', () => {
    const faces = ALL.filter((f) => /^(dav|api|sync)\//.test(f.path));
    expect(faces.length).toBeGreaterThan(20);
    const offenders = faces.filter((f) => importsOf(f.text).some((i) => /(^|\/)db\//.test(i))).map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('keeps src/ical free of our other modules (pure iCalendar logic, no I/O)', () => {
    const offenders = ALL.filter((f) => f.path.startsWith('ical/'))
      .filter((f) => importsOf(f.text).some((i) => i.startsWith('..') || /^node:(fs|net|http|child_process)/.test(i)))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });
});
