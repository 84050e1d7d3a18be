// An iCalendar file download (a CalDAV calendar export and the public feed): its headers, 304 when
// the client already has this ETag, no body for HEAD, else the body streamed as it is read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { streamBody } from './streamBody.ts';

/** Whether If-None-Match names this (strong) ETag, weakly compared as RFC 9110 §13.1.2 says, or is `*`. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return [...header.matchAll(/(?:W\/)?"([^"]*)"/g)].some((m) => m[1] === etag);
}

export interface IcsDownload {
  /** The strong ETag, unquoted. */
  etag: string;
  /** The file name in ASCII, for clients that do not read filename*. */
  fileName: string;
  /** The file name as the user named the calendar (UTF-8, RFC 6266 filename*). */
  unicodeName: string;
  /** The text, in chunks; called only when a body is sent. */
  body(): AsyncIterable<string>;
}

export async function sendIcsDownload(req: IncomingMessage, res: ServerResponse, d: IcsDownload): Promise<void> {
  res.setHeader('ETag', `"${d.etag}"`);
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${d.fileName}"; filename*=UTF-8''${encodeURIComponent(d.unicodeName)}`);
  if (ifNoneMatchHits(req.headers['if-none-match'], d.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await streamBody(res, d.body());
}
