// Reading a request body with a size limit: a body over the limit is refused before it is stored.
import type { Request } from 'express';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new BodyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A request body (JSON or form) holds text PostgreSQL cannot store (U+0000). */
export class UnstorableTextError extends Error {
  constructor() {
    super('text in the request cannot hold U+0000 (NUL)');
    this.name = 'UnstorableTextError';
  }
}

/** Whether any string in a parsed body (keys included) holds U+0000; iterative, for any nesting. */
export function holdsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(x);
      }
    }
  }
  return false;
}

/**
 * JSON.parse for request bodies: a syntax error is a SyntaxError; a NUL anywhere is an
 * UnstorableTextError (faces answer both with their own 400).
 */
export function parseJsonBody(text: string): unknown {
  const v: unknown = JSON.parse(text);
  if (holdsNul(v)) throw new UnstorableTextError();
  return v;
}
