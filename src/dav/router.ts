// The CalDAV face under /dav. Every request is authenticated with HTTP Basic (401 challenge).
import { Router, type Request, type Response } from 'express';
import type { BasicAuthenticator } from '../auth/basic.ts';
import type { Config } from '../config.ts';
import type { Domain } from '../domain/index.ts';
import { authenticateBasic } from '../http/basicAuthGate.ts';

export interface DavDeps {
  domain: Domain;
  config: Config;
  auth: BasicAuthenticator;
}

export function davRouter(deps: DavDeps): Router {
  const r = Router();
  r.all('/dav{/*path}', async (req: Request, res: Response) => {
    const user = await authenticateBasic(req, res, deps.auth, deps.config.authRealm, false, (status, message) =>
      res.status(status).type('text/plain').send(`${message}\n`),
    );
    if (!user) return;
    res.status(200).type('text/plain').send(`Calendula CalDAV endpoint. Signed in as ${user.username}.\n`);
  });
  return r;
}
