// Signing in and out. Sign-in takes the user's own password (never an app password), under the
// same throttle as Basic authentication, and starts a fresh session; sign-out ends it. The form
// carries the browser's time zone (40-forms.js fills it from Intl): a user who has none yet gets
// it stored; one who has one keeps it and is told when this browser is elsewhere.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientAddress } from '../../http/basicAuthGate.ts';
import type { WebCall, WebDeps, WebHandler } from '../call.ts';
import { field } from '../call.ts';
import { html } from '../html.ts';
import type { Notice } from '../layout.ts';
import { canonicalTimezone } from '../../domain/users.ts';
import { clearSessionCookie, cookieOf, setCookie, setSessionCookie, SIGN_IN_COOKIE } from '../cookies.ts';

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The form, with a token that must come back both in the form and in a cookie (no login CSRF). */
function form(call: WebCall, deps: WebDeps, username: string, notices: Notice[], status = 200) {
  const t = call.frame.t;
  const token = randomBytes(24).toString('base64url');
  setCookie(call.res, deps.config, SIGN_IN_COOKIE, token, 3600);
  const body = html`<form method="post" action="${call.frame.href('/sign-in')}" class="card narrow">
    <input type="hidden" name="_signin" value="${token}">
    <input type="hidden" name="zone" value="" data-browser-zone>
    <label for="username">${t('signIn.username')}</label>
    <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${username}" autofocus>
    <label for="password">${t('signIn.password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">${t('signIn.submit')}</button>
  </form>`;
  return { kind: 'page' as const, title: t('signIn.title'), body, status, notices };
}

export const showSignIn: WebHandler = async (call, deps) => {
  if (call.user) return { kind: 'redirect', to: '/' };
  return form(call, deps, '', []);
};

export const signIn: WebHandler = async (call, deps) => {
  const t = call.frame.t;
  const username = field(call, 'username').trim().slice(0, 200);
  const retry = (key: 'signIn.failed' | 'error.csrf', status: number, text?: string) =>
    form(call, deps, username, [{ kind: 'error', text: text ?? t(key) }], status);
  if (!sameToken(field(call, '_signin'), cookieOf(call.req, SIGN_IN_COOKIE) ?? '')) return retry('error.csrf', 403);
  const outcome = await deps.auth.checkPassword(username, field(call, 'password'), clientAddress(call.req));
  if (outcome.kind === 'throttled') {
    call.res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
    return retry('signIn.failed', 429, t('signIn.throttled', { seconds: outcome.retryAfterSeconds }));
  }
  if (outcome.kind !== 'ok') {
    if (outcome.delayMs) await sleep(outcome.delayMs);
    return retry('signIn.failed', 401);
  }
  const started = await deps.domain.webSessions.start(outcome.user.id);
  setSessionCookie(call.res, deps.config, started.secret);
  setCookie(call.res, deps.config, SIGN_IN_COOKIE, '', 0);
  const browserZone = canonicalTimezone(field(call, 'zone'));
  const user = await deps.domain.users.getById(outcome.user.id);
  if (browserZone && user && user.timezone === null) {
    await deps.domain.users.update(user.username, { timezone: browserZone });
  } else if (browserZone && user?.timezone && user.timezone !== browserZone) {
    return { kind: 'redirect', to: '/my/view', notice: { key: 'zone.browserDiffers', params: { zone: user.timezone, browser: browserZone } } };
  }
  return { kind: 'redirect', to: '/' };
};

export const signOut: WebHandler = async (call, deps) => {
  if (call.sessionSecret) await deps.domain.webSessions.end(call.sessionSecret);
  clearSessionCookie(call.res, deps.config);
  return { kind: 'redirect', to: '/sign-in' };
};

export const home: WebHandler = async (call) => ({ kind: 'redirect', to: call.user ? '/my/view' : '/sign-in' });
