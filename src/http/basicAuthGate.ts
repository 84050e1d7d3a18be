// Express glue for HTTP Basic: challenge with 401 (never 403), slow down or 429 after failures.
import type { Request, Response } from 'express';
import type { AuthenticatedUser, BasicAuthenticator } from '../auth/basic.ts';

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function challenge(res: Response, realm: string): void {
  res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Authenticates the request. Returns the user, or null for an anonymous request (no credentials)
 * when `allowAnonymous` is true. Otherwise it answers the request itself (401/429) and returns
 * undefined.
 */
export async function authenticateBasic(
  req: Request,
  res: Response,
  auth: BasicAuthenticator,
  realm: string,
  allowAnonymous: boolean,
  sendError: (status: number, message: string) => void,
): Promise<AuthenticatedUser | null | undefined> {
  const outcome = await auth.authenticate(req.get('authorization'), clientAddress(req));
  switch (outcome.kind) {
    case 'ok':
      return outcome.user;
    case 'missing':
      if (allowAnonymous) return null;
      challenge(res, realm);
      sendError(401, 'Authentication required');
      return undefined;
    case 'invalid':
      if (outcome.delayMs > 0) await sleep(outcome.delayMs);
      challenge(res, realm);
      sendError(401, 'Wrong username or password');
      return undefined;
    case 'throttled':
      res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
      sendError(429, 'Too many failed logins; try again later');
      return undefined;
  }
}
