// /api/v0/tokens: a user's API tokens. Authenticated by the user's password (HTTP Basic) or by a
// token holding `tokens` (Bearer). A token can only grant capabilities its creator holds.
import { Router, type Request, type Response } from 'express';
import type { BasicAuthenticator } from '../../auth/basic.ts';
import { bearerToken } from '../../auth/bearer.ts';
import type { Config } from '../../config.ts';
import type { Domain } from '../../domain/index.ts';
import { clientAddress } from '../../http/basicAuthGate.ts';
import { listField, readFields, type BodyFields } from '../../http/formOrJson.ts';
import type { Logger } from '../../logger.ts';
import { grantFrom, need, sendV0Error, V0Error, v0ErrorOf } from '../v0Errors.ts';
import { tokenJson } from './json.ts';

export interface TokensDeps {
  domain: Domain;
  config: Config;
  log: Logger;
  auth: BasicAuthenticator;
}

interface Caller {
  userId: number;
  username: string;
  /** null: the password, which holds every capability. */
  capabilities: string[] | null;
}

export function tokensRouter(deps: TokensDeps): Router {
  const r = Router();
  const { domain } = deps;

  async function caller(req: Request, fields: BodyFields): Promise<Caller> {
    if (/^Basic /i.test(req.get('authorization') ?? '')) {
      const outcome = await deps.auth.authenticate(req.get('authorization'), clientAddress(req));
      if (outcome.kind === 'throttled') throw new V0Error(429, 'slow_down', `too many failed logins; retry in ${outcome.retryAfterSeconds} s`);
      if (outcome.kind !== 'ok') throw new V0Error(401, 'invalid_token', 'wrong user name or password');
      if (outcome.user.via !== 'password') throw new V0Error(403, 'insufficient_capabilities', 'use the password, or a token holding `tokens` as Bearer');
      return { userId: outcome.user.id, username: outcome.user.username, capabilities: null };
    }
    if (!bearerToken(req) && typeof fields.mytoken !== 'string') throw new V0Error(401, 'invalid_token', 'authenticate with the password (Basic) or a token holding `tokens` (Bearer)');
    const grant = await grantFrom(domain, req, fields);
    need(grant, 'tokens');
    return { userId: grant.token.userId, username: grant.username, capabilities: grant.token.capabilities };
  }

  const handle =
    (fn: (req: Request, res: Response, who: Caller, fields: BodyFields) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const fields = await readFields(req, deps.config.limits.maxJsonBytes);
        await fn(req, res, await caller(req, fields), fields);
      } catch (e) {
        const err = v0ErrorOf(e);
        if (err) {
          if (err.status === 401) res.setHeader('WWW-Authenticate', `Basic realm="${deps.config.authRealm}", Bearer`);
          return sendV0Error(res, err);
        }
        deps.log.error({ err: e, reqId: res.locals.requestId }, 'tokens API request failed');
        if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'internal error' });
      }
    };

  r.post(
    '/api/v0/tokens',
    handle(async (_req, res, who, fields) => {
      const { secret, token } = await domain.tokens.create(
        who.userId,
        { name: fields.name, capabilities: listField(fields.capabilities), expiresAt: fields.expires_at, tags: listField(fields.tags) },
        who.capabilities,
      );
      res.status(201).json({ token: secret, ...tokenJson(token, false) });
    }),
  );

  r.get(
    '/api/v0/tokens',
    handle(async (_req, res, who) => {
      res.json({ tokens: (await domain.tokens.list(who.userId)).map((t) => tokenJson(t, true)) });
    }),
  );

  r.delete(
    '/api/v0/tokens/:momId',
    handle(async (req, res, who) => {
      await domain.tokens.revoke(who.userId, String(req.params.momId ?? ''));
      res.status(204).end();
    }),
  );
  return r;
}
