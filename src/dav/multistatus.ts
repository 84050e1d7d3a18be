// A multistatus answer (RFC 4918 §13) as PROPFIND and the reports build it: which properties a
// request asks for, the answer for one resource as propstats, and the streamed 207 response.
import type { Response } from 'express';
import { DavError } from './errors.ts';
import { allProps, answerProps, LIVE, propNames, type PropAnswer, type PropContext } from './properties.ts';
import type { Resource } from './resources.ts';
import { child, type XmlElement } from '../xml/parse.ts';
import { d } from '../xml/names.ts';
import { MultistatusWriter, type Propstat } from '../xml/write.ts';

export type PropRequest = { kind: 'allprop'; include: string[] } | { kind: 'propname' } | { kind: 'prop'; names: string[] };

export function parsePropRequest(root: XmlElement | null): PropRequest {
  if (!root) return { kind: 'allprop', include: [] };
  if (root.name !== d('propfind')) throw new DavError(400, 'the body must be a DAV:propfind element');
  // RFC 4918 §14.20: exactly one of prop, propname and allprop.
  const kinds = root.children.filter((x) => x.name === d('prop') || x.name === d('propname') || x.name === d('allprop'));
  if (kinds.length > 1) throw new DavError(400, 'propfind takes one of prop, propname and allprop');
  const prop = child(root, d('prop'));
  if (prop) return { kind: 'prop', names: [...new Set(prop.children.map((c) => c.name))] };
  if (child(root, d('propname'))) return { kind: 'propname' };
  if (child(root, d('allprop'))) {
    const include = child(root, d('include'));
    return { kind: 'allprop', include: include ? include.children.map((c) => c.name) : [] };
  }
  throw new DavError(400, 'propfind needs prop, propname or allprop');
}

export function propstatsOf(answer: PropAnswer, minimal: boolean): Propstat[] {
  const out: Propstat[] = [];
  if (answer.found.length || minimal || !answer.missing.length) out.push({ status: 200, props: answer.found });
  if (answer.missing.length && !minimal) out.push({ status: 404, props: answer.missing });
  return out;
}

export function answerFor(r: Resource, request: PropRequest, ctx: PropContext): PropAnswer {
  switch (request.kind) {
    case 'prop':
      return answerProps(r, request.names, ctx);
    case 'propname':
      return propNames(r, ctx);
    case 'allprop':
      return allProps(r, ctx, request.include);
  }
}

/** Whether answering needs dead properties from the database. */
export function needsDead(request: PropRequest): boolean {
  return request.kind !== 'prop' || request.names.some((n) => !LIVE.has(n));
}

export function startMultistatus(res: Response): MultistatusWriter {
  res.status(207);
  res.setHeader('Content-Type', 'application/xml; charset=utf-8');
  return new MultistatusWriter(res);
}
