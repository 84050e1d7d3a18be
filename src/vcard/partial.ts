// The address-data of a REPORT that names properties (RFC 6352 §10.4.2): the card cut down to
// the properties asked for, in the card's own version and as the card wrote them (lines are kept,
// never re-serialised, so a client sees the same text it would see in the whole card).
import { contentLines, foldLine, type ContentLine } from './contentLines.ts';

/** Always kept: the card's frame and what identifies it and how to read it. */
const ALWAYS = new Set(['BEGIN', 'END', 'VERSION', 'UID']);

export interface SelectOptions {
  /**
   * Names asked for with novalue="yes" (RFC 6352 §10.4.2): the property is returned with its
   * parameters and an empty value. Names here need not be repeated in `names`.
   */
  noValue?: string[];
}

interface Wanted {
  name: string;
  /** Null: any group or none. */
  group: string | null;
}

function wanted(names: string[]): Wanted[] {
  return names.map((n) => {
    const upper = n.trim().toUpperCase();
    const dot = upper.lastIndexOf('.');
    return { name: upper.slice(dot + 1), group: dot < 0 ? null : upper.slice(0, dot) };
  });
}

function asked(line: ContentLine, list: Wanted[]): boolean {
  return list.some((w) => w.name === line.name && (w.group === null || w.group === line.group));
}

function emit(line: ContentLine, noValue: boolean): string[] {
  if (!noValue || line.colon < 0) return [...line.raw, ...line.nested];
  return foldLine(line.text.slice(0, line.colon + 1));
}

/**
 * The card with BEGIN/END, VERSION, UID and the named properties only. A name without a group
 * ("EMAIL") takes the property in any group; "item1.EMAIL" only that one. Apple's clients label a
 * grouped property with X-ABLabel (and ADR's country format with X-ABADR) in the same group, so the
 * X-AB properties of a kept property's group are kept with it. Line breaks come out as CRLF.
 */
export function selectProperties(cardText: string, names: string[], options: SelectOptions = {}): string {
  const full = wanted(names);
  const bare = wanted(options.noValue ?? []);
  const lines = contentLines(cardText);
  const keptGroups = new Set<string>();
  for (const line of lines) {
    if (line.group !== null && (asked(line, full) || asked(line, bare))) keptGroups.add(line.group);
  }
  const out: string[] = [];
  for (const line of lines) {
    if (ALWAYS.has(line.name) || asked(line, full)) out.push(...emit(line, false));
    else if (asked(line, bare)) out.push(...emit(line, true));
    else if (line.group !== null && keptGroups.has(line.group) && line.name.startsWith('X-AB')) out.push(...emit(line, false));
  }
  return out.length === 0 ? '' : `${out.join('\r\n')}\r\n`;
}
