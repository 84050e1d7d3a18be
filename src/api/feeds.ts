// The public feed: GET/HEAD /calendars/{id} with no authentication (the 32-character id is the
// secret). text/calendar, a strong ETag with 304, Content-Disposition, and the headers calendar
// apps use to decide how often to refresh.
import { Router, type Request, type Response } from 'express';
import { escapeText } from '../ical/export.ts';
import type { Domain } from '../domain/index.ts';
import { streamBody } from '../http/streamBody.ts';

const REFRESH = ['REFRESH-INTERVAL;VALUE=DURATION:PT1H', 'X-PUBLISHED-TTL:PT1H'];

function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return [...header.matchAll(/(?:W\/)?"([^"]*)"/g)].some((m) => m[1] === etag);
}

export function feedsRouter(domain: Domain): Router {
  const r = Router();
  const serve = async (req: Request, res: Response) => {
    const view = await domain.feeds.calendarOf(String(req.params.id ?? ''));
    if (!view) {
      res.status(404).type('text/plain').send('Not Found\n');
      return;
    }
    const name = domain.exports.nameOf(view);
    const request = { extraHeader: [...(view.description ? [`X-WR-CALDESC:${escapeText(view.description)}`] : []), ...REFRESH] };
    const etag = domain.exports.etag(view, request);
    res.setHeader('ETag', `"${etag}"`);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    const file = name.replace(/[^A-Za-z0-9 ._-]/g, '_') || 'calendar';
    res.setHeader('Content-Disposition', `attachment; filename="${file}.ics"; filename*=UTF-8''${encodeURIComponent(`${name}.ics`)}`);
    if (ifNoneMatchHits(req.get('if-none-match'), etag)) {
      res.status(304).end();
      return;
    }
    res.status(200);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await streamBody(res, domain.exports.stream(view, request));
  };
  r.get('/calendars/:id', serve);
  r.head('/calendars/:id', serve);
  return r;
}
