// Text comparison for CardDAV text-match (RFC 6352 §8.3, §10.5.4): the collations of RFC 4790
// (i;octet, i;ascii-casemap) and RFC 5051 (i;unicode-casemap) with the four match types.
// Kept apart from src/ical/collation.ts on purpose: src/vcard imports nothing of ours outside
// itself, CardDAV adds match types CalDAV does not have, and its unicode-casemap follows RFC 5051
// (simple titlecase, so "ß" is not "ss") where the CalDAV one folds more loosely.

export type Collation = 'i;ascii-casemap' | 'i;unicode-casemap' | 'i;octet';
export type MatchType = 'equals' | 'contains' | 'starts-with' | 'ends-with';

export const COLLATIONS: readonly Collation[] = ['i;ascii-casemap', 'i;unicode-casemap', 'i;octet'];
export const MATCH_TYPES: readonly MatchType[] = ['equals', 'contains', 'starts-with', 'ends-with'];

/**
 * RFC 6352 §10.5.4: a text-match without a collation attribute uses i;unicode-casemap, and one
 * without match-type uses contains. (RFC 4791 defaults CalDAV to i;ascii-casemap; CardDAV differs.)
 */
export const DEFAULT_COLLATION: Collation = 'i;unicode-casemap';
export const DEFAULT_MATCH_TYPE: MatchType = 'contains';

export function isCollation(v: string): v is Collation {
  return (COLLATIONS as readonly string[]).includes(v);
}

export function isMatchType(v: string): v is MatchType {
  return (MATCH_TYPES as readonly string[]).includes(v);
}

// The titlecase of a code point where it is not its simple uppercase (UnicodeData.txt field 14
// against field 12): the Latin digraphs, whose titlecase is the mixed form, and Georgian
// Mkhedruli, which has Mtavruli capitals (Unicode 11) but is its own titlecase.
const TITLECASE_EXCEPTIONS = new Map<number, number>([
  [0x01c4, 0x01c5], [0x01c5, 0x01c5], [0x01c6, 0x01c5], // DŽ Dž dž
  [0x01c7, 0x01c8], [0x01c8, 0x01c8], [0x01c9, 0x01c8], // LJ Lj lj
  [0x01ca, 0x01cb], [0x01cb, 0x01cb], [0x01cc, 0x01cb], // NJ Nj nj
  [0x01f1, 0x01f2], [0x01f2, 0x01f2], [0x01f3, 0x01f2], // DZ Dz dz
]);

function isMkhedruli(cp: number): boolean {
  return (cp >= 0x10d0 && cp <= 0x10fa) || (cp >= 0x10fd && cp <= 0x10ff);
}

/**
 * Simple (one code point to one code point) titlecase. String.prototype.toUpperCase applies the
 * full mappings of SpecialCasing.txt ("ß" → "SS", "ŉ" → "ʼN"); RFC 5051 uses only the
 * UnicodeData.txt mapping, so a result longer than one code point means "no simple mapping".
 */
function titlecase(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const exception = TITLECASE_EXCEPTIONS.get(cp);
    if (exception !== undefined) {
      out += String.fromCodePoint(exception);
      continue;
    }
    if (isMkhedruli(cp)) {
      out += ch;
      continue;
    }
    const up = ch.toUpperCase();
    out += [...up].length === 1 ? up : ch;
  }
  return out;
}

/**
 * The key a collation compares: RFC 5051 §2 is titlecase, then NFKD. The titlecase runs once more
 * after the decomposition because a compatibility decomposition can yield letters that fold further
 * ("ﬁ" → "fi"), so that "ﬁ" equals "FI" like it reads.
 */
export function collationKey(s: string, collation: Collation): string {
  switch (collation) {
    case 'i;octet':
      // Comparing UTF-16 code units decides the same as comparing UTF-8 octets for equality and
      // for the substring tests, since both encodings are self-synchronising.
      return s;
    case 'i;ascii-casemap':
      return s.replace(/[a-z]/g, (c) => c.toUpperCase());
    case 'i;unicode-casemap':
      return titlecase(titlecase(s).normalize('NFKD'));
  }
}

/** Tests `key` (already a collation key) against `needleKey` (ditto) by the match type. */
export function keysMatch(key: string, needleKey: string, matchType: MatchType): boolean {
  switch (matchType) {
    case 'equals':
      return key === needleKey;
    case 'contains':
      return key.includes(needleKey);
    case 'starts-with':
      return key.startsWith(needleKey);
    case 'ends-with':
      return key.endsWith(needleKey);
  }
}

/** Whether `text` matches `needle` under the collation and match type (negation is the caller's). */
export function textMatches(text: string, needle: string, collation: Collation, matchType: MatchType): boolean {
  return keysMatch(collationKey(text, collation), collationKey(needle, collation), matchType);
}
