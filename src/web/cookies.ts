// The UI's cookies: the session (HttpOnly, SameSite=Lax, Secure behind https), the sign-in form's
// token, and the language chosen before signing in. (The time zone is kept on the user.)
import type { Request, Response } from 'express';
import type { Config } from '../config.ts';

export const SESSION_COOKIE = 'calendula_session';
export const SIGN_IN_COOKIE = 'calendula_signin';
export const LANG_COOKIE = 'calendula_lang';

/** A cookie's value from the request (the last one of that name wins, as browsers send them). */
export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      found = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      found = undefined;
    }
  }
  return found;
}

export function setCookie(res: Response, config: Config, name: string, value: string, maxAgeSeconds: number, httpOnly = true): void {
  const secure = config.publicUrl.startsWith('https:') ? '; Secure' : '';
  const path = config.basePath || '/';
  const attrs = `Path=${path}; Max-Age=${maxAgeSeconds}; SameSite=Lax${httpOnly ? '; HttpOnly' : ''}${secure}`;
  res.append('Set-Cookie', `${name}=${encodeURIComponent(value)}; ${attrs}`);
}

export function setSessionCookie(res: Response, config: Config, secret: string): void {
  setCookie(res, config, SESSION_COOKIE, secret, config.web.sessionMaxDays * 86400);
}

export function clearSessionCookie(res: Response, config: Config): void {
  setCookie(res, config, SESSION_COOKIE, '', 0);
}
