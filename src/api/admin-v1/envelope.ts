// The Davis envelope: {"status":"success","data":…,"timestamp":…} or {"status":"error","message":…},
// encoded as Symfony's JsonResponse does (slashes, non-ASCII and <>'&" escaped), so clients that
// compare bytes with Davis see the same bytes.
import type { Response } from 'express';
import { isoWithOffset } from '../../http/timestamps.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function encodeString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '/') out += '\\/';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '"' || ch === '<' || ch === '>' || ch === "'" || ch === '&' || code < 0x20 || code > 0x7e) {
      for (const unit of ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [code]) {
        out += `\\u${unit.toString(16).toUpperCase().padStart(4, '0')}`;
      }
    } else out += ch;
  }
  return `${out}"`;
}

/** JSON as PHP's json_encode with Symfony's default flags (JSON_HEX_TAG|APOS|AMP|QUOT). */
export function phpJson(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return JSON.stringify(v);
  if (typeof v === 'string') return encodeString(v);
  if (Array.isArray(v)) return `[${v.map(phpJson).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${encodeString(k)}:${phpJson(x)}`)
    .join(',')}}`;
}

export class Envelope {
  constructor(
    private readonly timezone: string,
    private readonly now: () => Date,
  ) {}

  timestamp(): string {
    return isoWithOffset(this.now(), this.timezone);
  }

  send(res: Response, status: number, body: { [key: string]: Json }): void {
    res.status(status).type('application/json').send(phpJson({ ...body, timestamp: this.timestamp() }));
  }

  success(res: Response, data?: Json): void {
    this.send(res, 200, data === undefined ? { status: 'success' } : { status: 'success', data });
  }

  error(res: Response, status: number, message: string): void {
    this.send(res, status, { status: 'error', message });
  }
}
