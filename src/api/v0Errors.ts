// What the /api/v0 APIs share: the OAuth-style error body {"error", "error_description"} and
// finding the caller's token (body `mytoken`, then Bearer, then the `mytoken` cookie).
import type { Request, Response } from 'express';
import { bearerToken, cookieToken } from '../auth/bearer.ts';
import { holds } from '../domain/capabilities.ts';
import { isDomainError, type DomainErrorKind } from '../domain/errors.ts';
import type { Domain } from '../domain/index.ts';
import type { TokenGrant } from '../domain/tokens.ts';
import { BodyTooLargeError } from '../http/body.ts';
import { BodyError, type BodyFields } from '../http/formOrJson.ts';

/** An OAuth-style error: {"error": code, "error_description": text}. */
export class V0Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description);
  }
}

export function sendV0Error(res: Response, e: V0Error, bearerChallenge = true): void {
  if (e.status === 401 && bearerChallenge) res.setHeader('WWW-Authenticate', `Bearer error="${e.code}"`);
  res.status(e.status).json({ error: e.code, error_description: e.message });
}

/** Domain errors as v0 errors. */
export function v0ErrorOf(e: unknown): V0Error | undefined {
  if (e instanceof V0Error) return e;
  if (e instanceof BodyError) return new V0Error(400, 'invalid_request', e.message);
  if (e instanceof BodyTooLargeError) return new V0Error(413, 'invalid_request', e.message);
  if (!isDomainError(e)) return undefined;
  if (e.kind === 'Forbidden' && e.details.code === 'insufficient_capabilities') return new V0Error(403, 'insufficient_capabilities', e.message);
  const [status, code] = V0_STATUS[e.kind];
  return new V0Error(status, code, e.message);
}

/** Every domain error kind, as the /api/v0 seeds answer it (the type makes a new kind a compile error here). */
const V0_STATUS: Record<DomainErrorKind, [number, string]> = {
  NotFound: [404, 'not_found'],
  Forbidden: [403, 'access_denied'],
  Unauthorized: [401, 'invalid_token'],
  Invalid: [400, 'invalid_request'],
  Conflict: [400, 'invalid_request'],
  PreconditionFailed: [400, 'invalid_request'],
  TooLarge: [400, 'invalid_request'],
};

export async function grantFrom(domain: Domain, req: Request, fields: BodyFields): Promise<TokenGrant> {
  const secret = typeof fields.mytoken === 'string' && fields.mytoken ? fields.mytoken : (bearerToken(req) ?? cookieToken(req));
  if (!secret) throw new V0Error(401, 'invalid_token', 'a token is required (mytoken, Bearer or cookie)');
  const grant = await domain.tokens.authenticate(secret);
  if (!grant) throw new V0Error(401, 'invalid_token', 'the token is unknown, revoked or expired');
  return grant;
}

export function need(grant: TokenGrant, capability: string): void {
  if (!holds(grant.token.capabilities, capability)) {
    throw new V0Error(403, 'insufficient_capabilities', `this needs the ${capability} capability`);
  }
}

