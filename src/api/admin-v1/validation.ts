// Davis's input rules (read from its code), with the fixes listed in specs/admin-api-v1.md:
// names and descriptions also accept ".", "0" is a valid name, a trailing newline is refused.

export const NAME = /^[a-zA-Z0-9 ._-]{1,64}$/;
export const URI = /^[a-z0-9_-]{1,128}$/;
export const DESCRIPTION = /^[a-zA-Z0-9 ._-]{1,256}$/;
export const SHAREE = /^[a-zA-Z0-9_.@-]+$/;

export type Body = Record<string, unknown>;

/** Davis's json_decode: anything that is not a JSON object leaves every field missing. */
export function fieldsOf(parsed: unknown): Body {
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Body) : {};
}

export function validName(v: unknown): v is string {
  return typeof v === 'string' && NAME.test(v);
}

/** A description is optional; missing or "" are stored as "". */
export function descriptionOf(v: unknown): { ok: true; value: string } | { ok: false } {
  if (v === undefined || v === null || v === '') return { ok: true, value: '' };
  if (typeof v === 'string' && DESCRIPTION.test(v)) return { ok: true, value: v };
  return { ok: false };
}

/** *_support: only true or "true" enable; a missing or null field takes the default. */
export function supportFlag(v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  return v === true || v === 'true';
}

export function writeAccessOf(v: unknown): boolean | undefined {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return undefined;
}
