// The addressbook-query filter and partial address-data on every vCard of the corpus in
// test/fixtures/vcard/ (other projects' test data, see its README): neither throws, and both
// answer what the card says, whatever the card (2.1, 3.0, 4.0, odd or broken).
import ICAL from 'ical.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cardMatcher, matchesCard, type AddressFilter, type PropFilter, type TextMatch } from '../../src/vcard/filter.ts';
import { selectProperties } from '../../src/vcard/partial.ts';
import { withNamedParameters } from '../../src/vcard/properties.ts';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'vcard');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.vcf') ? [p] : [];
  });
}

/** The top-level cards of a file, each as its own text (a 2.1 AGENT card stays inside its card). */
function cardsOf(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let depth = 0;
  for (const line of text.split(/\r\n|\n|\r/)) {
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') depth++;
    if (depth > 0) current.push(line);
    if (upper === 'END:VCARD' && depth > 0 && --depth === 0) {
      out.push(`${current.join('\r\n')}\r\n`);
      current = [];
    }
  }
  return out;
}

/** Unfolded logical lines, as the card wrote them (and vCard 2.1 quoted-printable soft breaks joined). */
function logicalLines(card: string): string[] {
  const out: string[] = [];
  for (const line of card.replace(/\r\n[ \t]|\n[ \t]/g, '').split(/\r\n|\n/)) {
    const last = out[out.length - 1];
    if (last !== undefined && last.endsWith('=') && /QUOTED-PRINTABLE/i.test(last.split(':')[0]!)) out[out.length - 1] = last.slice(0, -1) + line;
    else if (line !== '') out.push(line);
  }
  return out;
}

/** Upper-case property names (with the group) of the card's own top-level lines. */
function propertyNames(card: string): string[] {
  let depth = 0;
  const names: string[] = [];
  for (const line of logicalLines(card)) {
    const upper = line.toUpperCase();
    if (upper === 'BEGIN:VCARD' && depth++ > 0) continue;
    if (upper === 'END:VCARD' && --depth > 0) continue;
    if (depth !== 1 || upper === 'BEGIN:VCARD') continue;
    const name = /^([^;:]+)[^:]*:/.exec(line)?.[1]; // a line without a value is no property
    if (name) names.push(name.toUpperCase());
  }
  return names;
}

/** Whether ical.js reads the card (what the server's validation asks of a stored card). */
function readable(card: string): boolean {
  try {
    const parsed: unknown = ICAL.parse(card);
    return Array.isArray(parsed) && parsed[0] === 'vcard';
  } catch {
    return false;
  }
}

const text = (value: string, o: Partial<TextMatch> = {}): TextMatch => ({ value, collation: 'i;unicode-casemap', matchType: 'contains', negate: false, ...o });
const prop = (name: string, o: Partial<PropFilter> = {}): PropFilter => ({ name, test: 'anyof', isNotDefined: false, textMatches: [], paramFilters: [], ...o });
const anyof = (...propFilters: PropFilter[]): AddressFilter => ({ test: 'anyof', propFilters });

const corpus = files(ROOT).flatMap((file) =>
  cardsOf(readFileSync(file, 'utf8')).map((card, i) => ({ name: `${relative(ROOT, file)}#${i + 1}`, card })),
);

describe('the vCard corpus', () => {
  it('has the cards of the three sources; which 3.0 and 4.0 cards ical.js cannot read', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(80);
    for (const source of ['caldavtester/', 'ical.js/', 'sabre-vobject/']) expect(corpus.some((c) => c.name.startsWith(source))).toBe(true);
    const modern = corpus.filter((c) => /^VERSION:(3\.0|4\.0)\s*$/m.test(c.card));
    const unread = modern.filter((c) => !readable(c.card)).map((c) => c.name);
    // What ical.js refuses: Apple's PHOTO;BASE64 (a parameter without "=", also sabre/vobject's
    // issue 153), which the filter reads, and sabre's broken card with a line that has no value.
    expect(unread.sort()).toEqual(
      ['11', '12', '14', '15', '6', '7']
        .map((n) => `caldavtester/put/${n}.vcf#1`)
        .concat('sabre-vobject/IssueUndefinedIndexTest-1.vcf#1', 'sabre-vobject/issue153.vcf#1'),
    );
    // With the bare parameters named, ical.js reads all of them but the broken one.
    expect(unread.filter((name) => !readable(withNamedParameters(corpus.find((c) => c.name === name)!.card)))).toEqual([
      'sabre-vobject/IssueUndefinedIndexTest-1.vcf#1',
    ]);
  });

  it.each(corpus)('filter: $name', ({ card }) => {
    const names = propertyNames(card);
    expect(matchesCard(anyof(), card)).toBe(true);
    expect(matchesCard(anyof(prop('X-CALENDULA-NOT-THERE')), card)).toBe(false);
    expect(matchesCard(anyof(prop('X-CALENDULA-NOT-THERE', { isNotDefined: true })), card)).toBe(true);
    for (const full of new Set(names)) {
      const bare = full.slice(full.lastIndexOf('.') + 1);
      if (bare === 'VERSION' && names.length === 0) continue;
      // every property is found by its name, with its group and without; is-not-defined says no
      expect(matchesCard(anyof(prop(bare)), card), bare).toBe(true);
      expect(matchesCard(anyof(prop(full.toLowerCase())), card), full).toBe(true);
      expect(matchesCard(anyof(prop(bare, { isNotDefined: true })), card), bare).toBe(false);
      // the empty string is in every value, under every collation and match type; negated, in none
      for (const collation of ['i;unicode-casemap', 'i;ascii-casemap', 'i;octet'] as const) {
        for (const matchType of ['equals', 'contains', 'starts-with', 'ends-with'] as const) {
          const t = text('', { collation, matchType });
          if (matchType === 'equals') continue; // only an empty value equals ""
          expect(matchesCard(anyof(prop(bare, { textMatches: [t] })), card)).toBe(true);
          expect(matchesCard(anyof(prop(bare, { textMatches: [{ ...t, negate: true }] })), card)).toBe(false);
        }
      }
    }
    // FN as the card wrote it (unescaped) equals itself under every collation
    const fn = logicalLines(card).find((l) => /^FN[;:]/i.test(l));
    if (fn && !/[\\"]/.test(fn) && !/QUOTED-PRINTABLE/i.test(fn)) {
      const value = fn.slice(fn.indexOf(':') + 1);
      for (const collation of ['i;unicode-casemap', 'i;ascii-casemap', 'i;octet'] as const) {
        expect(cardMatcher(anyof(prop('FN', { textMatches: [text(value, { collation, matchType: 'equals' })] })))(card)).toBe(true);
      }
    }
  });

  it.each(corpus)('named parameters: $name', ({ card }) => {
    // Naming the bare parameters never makes a card ical.js reads unreadable, nor changes what it
    // reads (vCard 3.0 and 4.0: ical.js does not join vCard 2.1's quoted-printable soft breaks).
    if (!readable(card) || !/^VERSION:(3\.0|4\.0)\s*$/m.test(card)) return;
    const before = ICAL.parse(card) as unknown;
    const after = ICAL.parse(withNamedParameters(card)) as unknown;
    expect(after).toEqual(before);
  });

  it.each(corpus)('partial address-data: $name', ({ card }) => {
    const names = propertyNames(card);
    const original = new Set(logicalLines(card));
    // every property asked for: the card's lines come back, in order, nothing else
    const all = logicalLines(selectProperties(card, names));
    expect(all.every((l) => original.has(l))).toBe(true);
    expect(all.length).toBe(logicalLines(card).filter((l) => l.includes(':')).length); // a line without a value goes
    // nothing asked for: the frame, VERSION and UID
    const none = logicalLines(selectProperties(card, []));
    expect(none[0]?.toUpperCase()).toBe('BEGIN:VCARD');
    expect(none[none.length - 1]?.toUpperCase()).toBe('END:VCARD');
    expect(none.every((l) => /^(BEGIN|END|VERSION|UID)[;:]/i.test(l))).toBe(true);
    // one property asked for: its instances are there, and the filter finds them in the cut card
    for (const full of new Set(names)) {
      const bare = full.slice(full.lastIndexOf('.') + 1);
      const cut = selectProperties(card, [bare]);
      const kept = propertyNames(cut).map((n) => n.slice(n.lastIndexOf('.') + 1));
      expect(kept.filter((n) => n === bare).length).toBe(names.filter((n) => n.endsWith(`.${bare}`) || n === bare).length);
      if (readable(card)) expect(readable(cut)).toBe(true);
      if (readable(cut)) expect(matchesCard(anyof(prop(bare)), cut)).toBe(true);
    }
  });
});
