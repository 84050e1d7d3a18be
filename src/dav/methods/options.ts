// OPTIONS (no authentication needed): the DAV compliance classes and the methods a path allows.
// DAVx5 and Evolution drop a server whose OPTIONS lacks calendar-access; CardDAV clients look for
// addressbook (RFC 6352 §6.1) the same way.
import type { Response } from 'express';
import type { Resource } from '../resources.ts';

const CLASSES = ['1', '3', 'access-control', 'calendar-access', 'calendar-auto-schedule', 'extended-mkcol', 'addressbook'];

export function davHeader(): string {
  return CLASSES.join(', ');
}

const COMMON = ['OPTIONS', 'GET', 'HEAD', 'PROPFIND', 'PROPPATCH', 'REPORT'];

function allowedForDepth(segmentCount: number, top: string | undefined): string[] {
  if (top === 'calendars' && segmentCount === 4) return [...COMMON, 'PUT', 'DELETE', 'COPY', 'MOVE'];
  if (top === 'calendars' && segmentCount === 3) return [...COMMON, 'DELETE', 'MKCALENDAR', 'MKCOL', 'PUT', 'POST'];
  if (top === 'calendars' && segmentCount === 2) return [...COMMON, 'MKCALENDAR', 'MKCOL'];
  if (top === 'addressbooks' && segmentCount === 4) return [...COMMON, 'PUT', 'DELETE', 'COPY', 'MOVE'];
  if (top === 'addressbooks' && segmentCount === 3) return [...COMMON, 'DELETE', 'MKCOL'];
  if (top === 'addressbooks' && segmentCount === 2) return [...COMMON, 'MKCOL'];
  return COMMON;
}

export function allowedMethods(r: Resource | null): string[] {
  if (!r) return COMMON;
  switch (r.kind) {
    case 'object':
      return allowedForDepth(4, 'calendars');
    case 'calendar':
      return allowedForDepth(3, 'calendars');
    case 'home':
      return allowedForDepth(2, 'calendars');
    case 'outbox':
      return [...COMMON, 'POST'];
    case 'inbox-item':
      return [...COMMON, 'DELETE'];
    case 'card':
      return allowedForDepth(4, 'addressbooks');
    case 'addressbook':
      return allowedForDepth(3, 'addressbooks');
    case 'addressbook-home':
      return allowedForDepth(2, 'addressbooks');
    default:
      return COMMON;
  }
}

export function options(res: Response, segments: string[]): void {
  res.setHeader('Allow', allowedForDepth(segments.length, segments[0]).join(', '));
  res.setHeader('Content-Length', '0');
  res.status(200).end();
}
