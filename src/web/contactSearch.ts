// The Contacts page's search: a contact matches when every word of the query is found in its
// name, organisation or e-mail addresses (case and accents ignored), or when the query's digits
// are found in one of its phone numbers (spaces, dashes and brackets ignored on both sides, so
// "30 1234" finds "+49-30-1234").
import type { Contact } from '../vcard/build.ts';

/** Lower case, without accents, so "élodie" finds "Elodie". */
export function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

const digits = (s: string) => s.replace(/\D/g, '');

export function matchesContact(c: Contact, query: string): boolean {
  const q = query.trim();
  if (!q) return true;
  const text = fold([c.formattedName, c.givenName, c.familyName, c.organization, ...c.emails].join('\n'));
  if (fold(q).split(/\s+/).every((word) => text.includes(word))) return true;
  // A phone search: the query is mostly digits (with + ( ) - . / and spaces).
  const d = digits(q);
  return d.length >= 3 && /^[\d\s+().\/-]+$/.test(q) && c.phones.some((p) => digits(p).includes(d));
}
