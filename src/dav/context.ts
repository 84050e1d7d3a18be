// What one DAV request carries into its method handler, and the header parsing they share.
import type { Request, Response } from 'express';
import type { BasicAuthenticator } from '../auth/basic.ts';
import type { Config } from '../config.ts';
import type { Actor } from '../domain/calendars.ts';
import type { Domain } from '../domain/index.ts';
import type { WriteConditions } from '../domain/objects.ts';
import { readBody } from '../http/body.ts';
import { NotTextError, xmlText } from '../http/text.ts';
import { DavError } from './errors.ts';
import { segmentsOfHref } from './paths.ts';
import type { Resource } from './resources.ts';
import { parseXml, type XmlElement } from '../xml/parse.ts';

export interface DavDeps {
  domain: Domain;
  config: Config;
  auth: BasicAuthenticator;
}

export interface DavCtx {
  req: Request;
  res: Response;
  deps: DavDeps;
  viewer: Actor | null;
  /** The resource at the request path, or null when nothing visible is there. */
  resource: Resource | null;
  /** Decoded path segments below the DAV root. */
  segments: string[];
  /** e.g. "/dav" or "/calendula/dav" */
  davRoot: string;
}

export async function bodyBytes(ctx: DavCtx, limit = ctx.deps.config.limits.maxRequestBytes): Promise<Buffer> {
  return readBody(ctx.req, limit);
}

/** The XML body, or null when the body is empty. */
export async function xmlBody(ctx: DavCtx): Promise<XmlElement | null> {
  const bytes = await bodyBytes(ctx, ctx.deps.config.limits.maxXmlBytes);
  let text: string;
  try {
    text = xmlText(bytes);
  } catch (e) {
    throw e instanceof NotTextError ? new DavError(400, `unreadable XML body: ${e.message}`) : e;
  }
  if (text.trim() === '') return null;
  return parseXml(text, { maxBytes: ctx.deps.config.limits.maxXmlBytes, maxDepth: ctx.deps.config.limits.maxXmlDepth });
}

export type Depth = '0' | '1' | 'infinity';

export function depthOf(req: Request, fallback: Depth): Depth {
  const v = req.get('depth')?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  if (v === '0' || v === '1' || v === 'infinity') return v;
  throw new DavError(400, `bad Depth header "${v}"`);
}

/** RFC 7240 return=minimal, or Apple's older Brief: t — leave out 404 propstats. */
export function wantsMinimal(req: Request): boolean {
  const prefer = req.get('prefer') ?? '';
  if (/(^|[,;\s])return\s*=\s*"?minimal"?/i.test(prefer)) return true;
  return (req.get('brief') ?? '').trim().toLowerCase() === 't';
}

function etagList(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  if (v === '*') return ['*'];
  const out: string[] = [];
  for (const m of v.matchAll(/(W\/)?"([^"]*)"/g)) {
    // Weak tags never match in strong comparison; keep them out of If-Match.
    if (!m[1]) out.push(m[2] ?? '');
    else out.push(`W/${m[2] ?? ''}`);
  }
  if (!out.length) throw new DavError(400, `bad entity tag list "${v}"`);
  return out;
}

export function conditionsOf(req: Request): WriteConditions {
  const cond: WriteConditions = {};
  const ifMatch = etagList(req.get('if-match'));
  if (ifMatch) cond.ifMatch = ifMatch.filter((t) => !t.startsWith('W/'));
  const ifNoneMatch = etagList(req.get('if-none-match'));
  if (ifNoneMatch) cond.ifNoneMatch = ifNoneMatch.map((t) => t.replace(/^W\//, ''));
  const scheduleTag = scheduleTagOf(req.get('if-schedule-tag-match'));
  if (scheduleTag !== undefined) cond.ifScheduleTagMatch = scheduleTag;
  return cond;
}

/**
 * If-Schedule-Tag-Match (RFC 6638 §8.3) holds one opaque-tag: a quoted string. A bare token is
 * taken as the tag too (a client that forgot the quotes means the same tag).
 */
function scheduleTagOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  const quoted = /^"([^"]*)"$/.exec(v);
  if (quoted) return quoted[1] ?? '';
  if (/^[\x21\x23-\x7e]+$/.test(v)) return v;
  throw new DavError(400, `bad If-Schedule-Tag-Match "${v.slice(0, 80)}"`);
}

export function overwriteOf(req: Request): boolean {
  const v = (req.get('overwrite') ?? 'T').trim().toUpperCase();
  if (v !== 'T' && v !== 'F') throw new DavError(400, 'the Overwrite header must be T or F');
  return v === 'T';
}

export function destinationOf(ctx: DavCtx): string[] {
  const dest = ctx.req.get('destination');
  if (!dest) throw new DavError(400, 'a Destination header is required');
  const segs = segmentsOfHref(dest, ctx.davRoot);
  if (!segs) throw new DavError(502, 'the Destination is not on this server');
  return segs;
}
