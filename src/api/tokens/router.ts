// /api/v0/tokens: a user's API tokens. Authenticated by the user's password (HTTP Basic) or by a
// token holding `tokens` (Bearer). A token can only grant capabilities its creator holds.
import type { Router } from 'express';
import type { BasicAuthenticator } from '../../auth/basic.ts';
import { bearerToken } from '../../auth/bearer.ts';
import { clientAddress } from '../../http/basicAuthGate.ts';
import { listField } from '../../http/formOrJson.ts';
import { grantFrom, need, V0Error } from '../v0Errors.ts';
import { mountV0, param, type V0Call, type V0Deps, type V0Handler, type V0Route } from '../v0Routes.ts';
import { tokenJson } from './json.ts';

export interface TokensDeps extends V0Deps {
  auth: BasicAuthenticator;
}

interface Caller {
  userId: number;
  username: string;
  /** null: the password, which holds every capability. */
  capabilities: string[] | null;
}

/** Who is calling: the password (Basic, every capability) or a token holding `tokens` (Bearer). */
async function caller(call: V0Call, auth: BasicAuthenticator): Promise<Caller> {
  const { req, fields } = call;
  if (/^Basic /i.test(req.get('authorization') ?? '')) {
    const outcome = await auth.authenticate(req.get('authorization'), clientAddress(req));
    if (outcome.kind === 'throttled') throw new V0Error(429, 'slow_down', `too many failed logins; retry in ${outcome.retryAfterSeconds} s`);
    if (outcome.kind !== 'ok') throw new V0Error(401, 'invalid_token', 'wrong user name or password');
    if (outcome.user.via !== 'password') throw new V0Error(403, 'insufficient_capabilities', 'use the password, or a token holding `tokens` as Bearer');
    return { userId: outcome.user.id, username: outcome.user.username, capabilities: null };
  }
  if (!bearerToken(req) && typeof fields.mytoken !== 'string') throw new V0Error(401, 'invalid_token', 'authenticate with the password (Basic) or a token holding `tokens` (Bearer)');
  const grant = await grantFrom(call.deps.domain, req, fields);
  need(grant, 'tokens');
  return { userId: grant.token.userId, username: grant.username, capabilities: grant.token.capabilities };
}

export function tokensRouter(deps: TokensDeps): Router {
  const { auth } = deps;
  const handlers = {
    async createToken(call: V0Call) {
      const who = await caller(call, auth);
      const { fields } = call;
      const { secret, token } = await call.deps.domain.tokens.create(
        who.userId,
        { name: fields.name, capabilities: listField(fields.capabilities), expiresAt: fields.expires_at, tags: listField(fields.tags) },
        who.capabilities,
      );
      call.res.status(201).json({ token: secret, ...tokenJson(token, false) });
    },

    async listTokens(call: V0Call) {
      const who = await caller(call, auth);
      call.res.json({ tokens: (await call.deps.domain.tokens.list(who.userId)).map((t) => tokenJson(t, true)) });
    },

    async revokeToken(call: V0Call) {
      const who = await caller(call, auth);
      await call.deps.domain.tokens.revoke(who.userId, param(call.req, 'momId'));
      call.res.status(204).end();
    },
  } satisfies Record<string, V0Handler>;
  const routes: readonly V0Route[] = [
    ['post', '/api/v0/tokens', handlers.createToken],
    ['get', '/api/v0/tokens', handlers.listTokens],
    ['delete', '/api/v0/tokens/:momId', handlers.revokeToken],
  ];
  return mountV0({ name: 'tokens API', routes, paths: ['/api/v0/tokens'] }, deps);
}
