// Signing in to the web UI over plain HTTP, as a browser does: the sign-in form's token goes back
// in the form and in its cookie; the answer sets the session cookie.
import { expect } from 'vitest';

/** The session cookie (`calendula_session=…`) of a fresh sign-in. */
export async function webSignIn(base: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${base}/sign-in`);
  const token = /name="_signin" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `calendula_signin=${token}` },
    body: new URLSearchParams({ _signin: token, username, password }),
  });
  expect(res.status).toBe(303);
  return `calendula_session=${/calendula_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))![1]}`;
}

/** The CSRF token the session's forms carry. */
export async function webCsrf(base: string, cookie: string): Promise<string> {
  const page = await (await fetch(`${base}/my/account`, { headers: { cookie } })).text();
  return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
}
