// The committed corpus (test/fixtures/corpus/) split into CalDAV objects, and its lists of
// settled outcomes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitCalendarFile, type CorpusObject } from './split.ts';

export const CORPUS_DIR = fileURLToPath(new URL('../../fixtures/corpus/', import.meta.url));

/** One entry of refusals.json, known-open.json or disagreements.json. */
export interface ListedOutcome {
  /** An object id, or "*" for every object whose outcome matches `match`. */
  id: string;
  /** A regular expression the outcome's detail must match (with id "*": a bug that depends on load, not on the object). */
  match?: string;
  /** Which check it settles: put (refused), 5xx, roundtrip, query, expand; all when absent. */
  kind?: string;
  /** Window index (0: the first week, 1: four weeks a year later, 2: June 2035); all when absent. */
  window?: number;
  reason: string;
  rfc?: string;
  item?: string;
  issue23?: boolean;
}

export interface Corpus {
  files: string[];
  sources: string[];
  objects: CorpusObject[];
  skippedComponents: Map<string, number>;
  undecodable: string[];
}

/** Every .ics file under `dir` (the corpus by default), in a stable order. */
export function corpusIcsFiles(dir: string = CORPUS_DIR): string[] {
  return walk(dir);
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : p.toLowerCase().endsWith('.ics') ? [p] : [];
    });
}

export function loadCorpus(): Corpus {
  const files = walk(CORPUS_DIR).map((p) => relative(CORPUS_DIR, p).split(sep).join('/'));
  const objects: CorpusObject[] = [];
  const skippedComponents = new Map<string, number>();
  const undecodable: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(join(CORPUS_DIR, file)));
    } catch {
      undecodable.push(file);
      continue;
    }
    const r = splitCalendarFile(file, text);
    objects.push(...r.objects);
    for (const c of r.skippedComponents) skippedComponents.set(c, (skippedComponents.get(c) ?? 0) + 1);
  }
  const sources = [...new Set(files.map((f) => f.split('/')[0]!))];
  return { files, sources, objects, skippedComponents, undecodable };
}

export function loadList(name: string): ListedOutcome[] {
  return JSON.parse(readFileSync(join(CORPUS_DIR, name), 'utf8')) as ListedOutcome[];
}

export function listed(list: ListedOutcome[], id: string, kind: string, window?: number, detail = ''): ListedOutcome | undefined {
  const fits = (e: ListedOutcome) =>
    (e.kind === undefined || e.kind === kind) && (e.window === undefined || e.window === window) && (e.match === undefined || new RegExp(e.match).test(detail));
  // An entry for this very object wins over a "*" entry that matches by reason.
  return list.find((e) => e.id === id && fits(e)) ?? list.find((e) => e.id === '*' && e.match !== undefined && fits(e));
}
