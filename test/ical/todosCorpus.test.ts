// The task form on tasks other software wrote: every VTODO of the real-world corpus (ical.js,
// python-icalendar, libical and python-recurring-ical-events test data, test/fixtures/corpus)
// that our parser takes is read for the form and saved back with the form's values unchanged;
// the VTODO's own lines must come back as they were, apart from the stamps every change writes.
// This is the web face's "what the form does not show is kept" on data we did not write.
import { describe, expect, it } from 'vitest';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { applyTask, readTaskFields } from '../../src/ical/todos.ts';
import { loadCorpus } from '../helpers/corpus/load.ts';

const NOW = Date.UTC(2026, 11, 7, 12) / 1000;
const ZONE = 'Europe/Berlin';

/** The master VTODO's own lines, unfolded, without the stamps a save rewrites. */
function todoLines(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let seen = false;
  for (const l of text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)) {
    if (l === 'BEGIN:VTODO' && !seen) depth = 1;
    else if (l === 'END:VTODO' && depth === 1) (depth = 0), (seen = true);
    else if (depth && l.startsWith('BEGIN:')) depth++;
    else if (depth && l.startsWith('END:')) depth--;
    else if (depth === 1 && !/^(DTSTAMP|LAST-MODIFIED|SEQUENCE)[:;]/i.test(l)) out.push(l);
  }
  return out;
}

/**
 * What a line means to a reader: its name, its parameters in any order with quotes taken off
 * (`CN="X"` and `CN=X` are one value, RFC 5545 §3.2), and its value.
 */
function meaning(line: string): string {
  const colon = line.search(/:(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const [name = '', ...params] = line.slice(0, colon).split(';');
  return `${name.toUpperCase()};${params.map((p) => p.toUpperCase().replace(/="([^"]*)"$/, '=$1')).sort().join(';')}:${line.slice(colon + 1)}`;
}

const todos = loadCorpus().objects.filter((o) => o.type === 'VTODO' && !o.file.startsWith('own/'));
const readable = todos.filter((o) => {
  try {
    parseCalendarObject(o.ics);
    return true;
  } catch {
    return false;
  }
});

describe('the task form on real VTODOs from other projects', () => {
  it('finds real tasks in the corpus', () => {
    expect(readable.length).toBeGreaterThanOrEqual(10);
  });

  it.each(readable.map((o) => [o.id, o.ics] as const))('%s: saving the form unchanged keeps every line of the task', (_id, ics) => {
    const fields = readTaskFields(ics, ZONE);
    const saved = applyTask(ics, fields, ZONE, NOW);
    expect(readTaskFields(saved, ZONE)).toEqual(fields);
    expect(todoLines(saved).map(meaning).sort()).toEqual(todoLines(ics).map(meaning).sort());
  });
});
