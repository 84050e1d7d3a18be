// Token capabilities: ':'-separated paths (calendars:notify), where a held path covers its
// children, and a 'read@' prefix that grants only reading. A held 'calendars:notify' satisfies
// 'read@calendars:notify'; a held 'read@calendars:notify' does not satisfy 'calendars:notify'.

export const KNOWN_CAPABILITIES = ['calendars:notify', 'events', 'tokens', 'dav'] as const;

const PATH = /^(read@)?[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$/;

export function isCapability(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 100 && PATH.test(v);
}

interface Parsed {
  readOnly: boolean;
  path: string[];
}

function parse(c: string): Parsed {
  const readOnly = c.startsWith('read@');
  return { readOnly, path: (readOnly ? c.slice(5) : c).split(':') };
}

function covers(held: string[], wanted: string[]): boolean {
  return held.length <= wanted.length && held.every((seg, i) => seg === wanted[i]);
}

/** Whether one held capability satisfies a required one. */
export function satisfies(held: string, required: string): boolean {
  const h = parse(held);
  const r = parse(required);
  if (h.readOnly && !r.readOnly) return false;
  return covers(h.path, r.path);
}

/** Whether a set of held capabilities satisfies a required one; null means "everything" (a password). */
export function holds(held: readonly string[] | null, required: string): boolean {
  return held === null || held.some((h) => satisfies(h, required));
}
