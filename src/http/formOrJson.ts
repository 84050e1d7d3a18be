// Request bodies of the JSON APIs: JSON, or application/x-www-form-urlencoded (repeated keys and
// key[] become lists). A body that parses as a JSON object is read as JSON whatever its type,
// because curl's --data-raw labels JSON as form data.
import type { Request } from 'express';
import { holdsNul, readBody, UnstorableTextError } from './body.ts';
import { bodyText, NotTextError } from './text.ts';

export type BodyFields = Record<string, unknown>;

export class BodyError extends Error {}

export function parseFormOrJson(raw: string, contentType: string): BodyFields {
  const trimmed = raw.trim();
  if (trimmed === '') return {};
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || /json/i.test(contentType)) {
    let v: unknown;
    try {
      v = JSON.parse(trimmed);
    } catch {
      throw new BodyError('the body is not valid JSON');
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BodyError('the body must be a JSON object');
    if (holdsNul(v)) throw new BodyError(new UnstorableTextError().message);
    return v as BodyFields;
  }
  const out: BodyFields = {};
  for (const [k, v] of new URLSearchParams(trimmed)) {
    const key = k.endsWith('[]') ? k.slice(0, -2) : k;
    const prev = out[key];
    if (k.endsWith('[]')) out[key] = [...(Array.isArray(prev) ? prev : []), v];
    else if (prev === undefined) out[key] = v;
    else out[key] = [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  if (holdsNul(out)) throw new BodyError(new UnstorableTextError().message);
  return out;
}

export async function readFields(req: Request, limit: number): Promise<BodyFields> {
  const raw = await readBody(req, limit);
  let text: string;
  try {
    text = bodyText(raw);
  } catch (e) {
    throw e instanceof NotTextError ? new BodyError(e.message) : e;
  }
  return parseFormOrJson(text, req.get('content-type') ?? '');
}

/** A list field: a JSON array, repeated form keys, or a JSON array sent as one form value. */
export function listField(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(t);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        return [v];
      }
    }
    return t === '' ? [] : [v];
  }
  return [v];
}
