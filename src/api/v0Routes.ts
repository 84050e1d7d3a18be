// The /api/v0 faces as tables of named handlers. A handler is a function of one call (request,
// response, body fields, the face's dependencies), so it can be read, reused and tested alone;
// mountV0 reads the body, runs the face's gate, and sends every error through the face's one
// funnel (an error the funnel does not know is logged and answered 500: a bug, never a shape).
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config.ts';
import type { Domain } from '../domain/index.ts';
import { readFields, type BodyFields } from '../http/formOrJson.ts';
import type { Logger } from '../logger.ts';
import { sendV0Error, v0ErrorOf, type V0Error } from './v0Errors.ts';

export interface V0Deps {
  domain: Domain;
  config: Config;
  log: Logger;
}

export interface V0Call {
  req: Request;
  res: Response;
  fields: BodyFields;
  deps: V0Deps;
}

export type V0Handler = (call: V0Call) => Promise<void>;
export type V0Route = readonly ['get' | 'post' | 'put' | 'delete', string, V0Handler];

export interface V0Face {
  /** For logs: "<name> request failed". */
  name: string;
  routes: readonly V0Route[];
  /** Runs before the body is read (the provisioning API's admin key); throws a V0Error. */
  gate?: (req: Request, deps: V0Deps) => void;
  /** The face's error funnel; v0ErrorOf unless the face maps more. */
  errorOf?: (e: unknown) => V0Error | undefined;
  /** Whether a 401 carries `WWW-Authenticate: Bearer` (not for the admin-key API). */
  bearerChallenge?: boolean;
  /** Paths whose malformed percent-encodings Express rejects before a handler: 400 JSON there. */
  paths: string[];
}

export function mountV0(face: V0Face, deps: V0Deps): Router {
  const r = Router();
  const errorOf = face.errorOf ?? v0ErrorOf;
  for (const [method, path, handler] of face.routes) {
    r[method](path, async (req: Request, res: Response): Promise<void> => {
      try {
        face.gate?.(req, deps);
        const fields = await readFields(req, deps.config.limits.maxJsonBytes);
        await handler({ req, res, fields, deps });
      } catch (e) {
        const err = errorOf(e);
        if (err) return sendV0Error(res, err, face.bearerChallenge ?? true);
        deps.log.error({ err: e, reqId: res.locals.requestId }, `${face.name} request failed`);
        if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'internal error' });
      }
    });
  }
  r.use(face.paths, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    res.status(400).json({ error: 'invalid_request', error_description: 'the request path is malformed' });
  });
  return r;
}

/** A path parameter as a string ('' when absent). */
export function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}
