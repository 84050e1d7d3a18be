// Text matching for CalDAV text-match (RFC 4791 §9.7.5) with the collations of RFC 4790/5051.

export type Collation = 'i;ascii-casemap' | 'i;octet' | 'i;unicode-casemap';

export const COLLATIONS: readonly Collation[] = ['i;ascii-casemap', 'i;octet', 'i;unicode-casemap'];

export function isCollation(v: string): v is Collation {
  return (COLLATIONS as readonly string[]).includes(v);
}

function fold(s: string, collation: Collation): string {
  switch (collation) {
    case 'i;octet':
      return s;
    case 'i;ascii-casemap':
      return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    case 'i;unicode-casemap':
      // RFC 5051: canonical decomposition and case folding (upper then lower folds ß to ss).
      return s.normalize('NFKD').toUpperCase().toLowerCase();
  }
}

/** Substring match under a collation. */
export function textContains(haystack: string, needle: string, collation: Collation): boolean {
  return fold(haystack, collation).includes(fold(needle, collation));
}
