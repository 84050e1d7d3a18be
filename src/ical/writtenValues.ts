// Stored dates and times ical.js cannot read, written back as they were stored. ical.js turns a
// DATE-TIME into its jCal form by character position when it parses (`garbage` becomes
// `garb-ag-eT::`) and writes that form back, so an object stored before the value checks (or by
// an import that had none) would come out of a REPORT's calendar-data changed. Only calendar-data
// that ical.js rebuilds needs this; the stored text is sent as is everywhere else.
import ICAL from 'ical.js';
import { contentLines } from './parse.ts';

/** What ical.js makes of a well-formed DATE or DATE-TIME (RFC 5545 §3.3.4, §3.3.5). */
const JCAL_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z?)?$/;

interface JCalProperty {
  name: string;
  type: unknown;
  values: unknown[];
  raw: unknown[];
}

function propertyOf(raw: unknown): JCalProperty | null {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') return null;
  return { name: raw[0], type: raw[2], values: raw.slice(3), raw };
}

function propertiesOf(comp: unknown[]): unknown[] {
  return Array.isArray(comp[1]) ? comp[1] : [];
}

function componentsOf(comp: unknown[]): unknown[] {
  return Array.isArray(comp[2]) ? comp[2] : [];
}

/** A single DATE-TIME value that ical.js read by position into something no date looks like. */
function unreadable(p: JCalProperty | null): p is JCalProperty {
  return p !== null && p.type === 'date-time' && p.values.length === 1 && typeof p.values[0] === 'string' && !JCAL_TIME.test(p.values[0]);
}

function holdsUnreadable(comp: unknown[]): boolean {
  return propertiesOf(comp).some((p) => unreadable(propertyOf(p))) || componentsOf(comp).some((c) => Array.isArray(c) && holdsUnreadable(c));
}

/** The name and value of a content line as written (a colon inside a quoted parameter value is no separator). */
function splitLine(line: string): { name: string; value: string } | null {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) return { name: (/^[^;:]*/.exec(line)?.[0] ?? '').toLowerCase(), value: line.slice(i + 1) };
  }
  return null;
}

/**
 * Puts the stored text of every single DATE-TIME value ical.js could not read back into `root`
 * (parsed from `text`, nothing read from it yet), where ical.js will write it unchanged. The lines
 * are walked beside the parsed components; where the two part (which a text that parsed should
 * not allow), the rest is left as ical.js has it.
 */
export function keepUnreadableTimesAsWritten(text: string, root: ICAL.Component): void {
  const top: unknown[] = root.jCal;
  if (!holdsUnreadable(top)) return;
  const stack: { comp: unknown[]; props: number; comps: number }[] = [];
  for (const line of contentLines(text)) {
    if (line.trim() === '') continue;
    const m = /^(BEGIN|END):([^;:]*)$/i.exec(line.trimEnd());
    if (m) {
      if ((m[1] ?? '').toUpperCase() === 'END') {
        stack.pop();
        continue;
      }
      const parent = stack[stack.length - 1];
      const comp: unknown = parent ? componentsOf(parent.comp)[parent.comps++] : top;
      if (!Array.isArray(comp) || comp[0] !== (m[2] ?? '').toLowerCase()) return;
      stack.push({ comp, props: 0, comps: 0 });
      continue;
    }
    const at = stack[stack.length - 1];
    if (!at) return;
    const prop = propertyOf(propertiesOf(at.comp)[at.props++]);
    const written = splitLine(line);
    if (!prop || !written || prop.name !== written.name) return;
    if (!unreadable(prop)) continue;
    // Only where ical.js writes the stored text unchanged (it rewrites values of 10 and of 19 or more characters by position).
    if (ICAL.stringify.value(written.value, 'date-time', ICAL.design.icalendar, false) === written.value) prop.raw[3] = written.value;
  }
}
