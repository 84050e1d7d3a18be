// The public feed: GET/HEAD /calendars/{id} with no authentication (the 32-character id is the
// secret), sent as an iCalendar download (src/http/icsDownload.ts) with the headers calendar apps
// use to decide how often to refresh.
import { Router, type Request, type Response } from 'express';
import { escapeText } from '../ical/export.ts';
import type { Domain } from '../domain/index.ts';
import { sendIcsDownload } from '../http/icsDownload.ts';

const REFRESH = ['REFRESH-INTERVAL;VALUE=DURATION:PT1H', 'X-PUBLISHED-TTL:PT1H'];

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
    const file = name.replace(/[^A-Za-z0-9 ._-]/g, '_') || 'calendar';
    await sendIcsDownload(req, res, {
      etag: domain.exports.etag(view, request),
      fileName: `${file}.ics`,
      unicodeName: `${name}.ics`,
      body: () => domain.exports.stream(view, request),
    });
  };
  r.get('/calendars/:id', serve);
  r.head('/calendars/:id', serve);
  return r;
}
