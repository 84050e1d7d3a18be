// The CalDAV and CardDAV face: /.well-known/caldav, /.well-known/carddav and everything under /dav. Requests are authenticated with
// HTTP Basic (401 challenge, never 403); anonymous requests reach only public calendars, read-only.
import { Router, type Request, type Response } from 'express';
import type { Logger } from '../logger.ts';
import { authenticateBasic, challenge } from '../http/basicAuthGate.ts';
import type { DavCtx, DavDeps } from './context.ts';
import { errorBody, sendDavError } from './errors.ts';
import { copyMove } from './methods/copyMove.ts';
import { deleteMethod } from './methods/delete.ts';
import { getOrHead } from './methods/get.ts';
import { mkcalendar } from './methods/mkcalendar.ts';
import { options, allowedMethods, davHeader } from './methods/options.ts';
import { post } from './methods/post.ts';
import { propfind } from './methods/propfind.ts';
import { proppatch } from './methods/proppatch.ts';
import { put } from './methods/put.ts';
import { report } from './methods/report.ts';
import { parseDavPath } from './paths.ts';
import { resolveResource } from './resources.ts';

export type { DavDeps };

const WITH_DATA = new Set(['GET', 'HEAD', 'PUT']);

type Handler = (ctx: DavCtx) => Promise<void>;

const HANDLERS: Record<string, Handler> = {
  PROPFIND: propfind,
  PROPPATCH: proppatch,
  MKCALENDAR: mkcalendar,
  MKCOL: mkcalendar,
  GET: getOrHead,
  HEAD: getOrHead,
  PUT: put,
  DELETE: deleteMethod,
  COPY: copyMove,
  MOVE: copyMove,
  REPORT: report,
  POST: post,
};

const READ_METHODS = new Set(['GET', 'HEAD', 'PROPFIND', 'REPORT', 'OPTIONS']);

/** Where a client that typed only the host should go (RFC 6764), honouring the proxy's scheme and host. */
function wellKnownLocation(req: Request, davRoot: string, trustProxy: boolean): string {
  if (!trustProxy) return `${davRoot}/`;
  const proto = req.get('x-forwarded-proto')?.split(',')[0]?.trim();
  const host = req.get('x-forwarded-host')?.split(',')[0]?.trim();
  return proto && host ? `${proto}://${host}${davRoot}/` : `${davRoot}/`;
}

export function davRouter(deps: DavDeps & { log: Logger }): Router {
  const r = Router();
  const davRoot = `${deps.config.basePath}/dav`;

  // Both lead to the same root (RFC 6764 §5): the principal names both homes.
  r.all(['/.well-known/caldav', '/.well-known/caldav/', '/.well-known/carddav', '/.well-known/carddav/'], (req, res) => {
    res.setHeader('Location', wellKnownLocation(req, davRoot, deps.config.trustProxy));
    res.status(301).end();
  });

  // Apple and Thunderbird try the host root when the given URL finds no principal.
  r.propfind('/', (req, res) => {
    res.setHeader('Location', wellKnownLocation(req, davRoot, deps.config.trustProxy));
    res.status(301).end();
  });

  r.all(['/dav', '/dav/{*path}'], async (req: Request, res: Response) => {
    try {
      const { segments } = parseDavPath(req.path.slice('/dav'.length));
      const method = req.method.toUpperCase();
      if (method === 'OPTIONS') {
        // The compliance classes travel on OPTIONS (RFC 4918 §10.1), as clients look for them there.
        res.setHeader('DAV', davHeader());
        options(res, segments);
        return;
      }
      const user = await authenticateBasic(req, res, deps.auth, deps.config.authRealm, true, (status, message) =>
        res.status(status).type('application/xml; charset=utf-8').send(errorBody(undefined, message)),
      );
      if (user === undefined) return;
      const viewer = user ? { userId: user.id, username: user.username, principaluri: `principals/${user.username}` } : null;
      // GET, HEAD and PUT need the object's content: read it along with the calendar.
      const resource = await resolveResource(segments, viewer, deps.domain, { withData: WITH_DATA.has(method) });
      if (!viewer) {
        const isPublic =
          resource && (resource.kind === 'calendar' || resource.kind === 'object') && deps.domain.calendars.isPublic(resource.cal);
        if (!isPublic || !READ_METHODS.has(method)) {
          challenge(res, deps.config.authRealm);
          res.status(401).type('application/xml; charset=utf-8').send(errorBody(undefined, 'Authentication required'));
          return;
        }
      }
      const handler = HANDLERS[method];
      if (!handler) {
        res.setHeader('Allow', allowedMethods(resource).join(', '));
        res.status(405).type('application/xml; charset=utf-8').send(errorBody(undefined, `${method} is not supported here`));
        return;
      }
      await handler({ req, res, deps, viewer, resource, segments, davRoot });
    } catch (err) {
      if (!sendDavError(res, err)) {
        deps.log.error({ err, reqId: res.locals.requestId, method: req.method }, 'DAV request failed');
        if (!res.headersSent) res.status(500).type('application/xml; charset=utf-8').send(errorBody(undefined, 'Internal Server Error'));
        else res.end();
      }
    }
  });
  // Errors Express raises before a handler runs (a malformed percent-encoding in the path).
  r.use(['/dav', '/dav/{*path}'], (err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(err);
    res.status(400).type('application/xml; charset=utf-8').send(errorBody(undefined, 'bad request path'));
  });
  return r;
}
