// The web UI face: security headers, the session behind the cookie, language and zone, body
// parsing with limits, the CSRF check of every change, the routes table, and one error funnel
// that turns domain and web errors into a page with the right status.
import { timingSafeEqual } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router, type Request, type Response } from 'express';
import busboy from 'busboy';
import { DomainError, type DomainErrorKind } from '../domain/errors.ts';
import { BodyTooLargeError, readBody } from '../http/body.ts';
import { streamBody } from '../http/streamBody.ts';
import { WebError, type WebAnswer, type WebCall, type WebDeps } from './call.ts';
import { cookieOf, LANG_COOKIE, SESSION_COOKIE, setCookie } from './cookies.ts';
import { html } from './html.ts';
import { en } from './i18n/en.ts';
import { fromAcceptLanguage, isLang, translator, type Lang, type MessageKey } from './i18n/index.ts';
import { page, type Notice, type PageFrame } from './layout.ts';
import { readFlashFor, flashFor } from './flash.ts';
import { WEB_ROUTES, type WebRoute } from './routes.ts';
import { PROJECT_ROOT } from '../version.ts';
import { redactPath } from '../logger.ts';

/** The Content Security Policy, with the image origins one page adds (a contact's photo). */
function csp(imageOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data:", ...imageOrigins.filter((o) => IMAGE_ORIGIN.test(o))].join(' '),
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** An origin as URL.origin writes it; nothing that could end the directive (space, `;`, `,`). */
const IMAGE_ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const NOTICE_COOKIE = 'calendula_notice';

function securityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', csp());
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

/** The status and words for each kind of domain error (the compiler checks every kind has one). */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  NotFound: 404,
  Forbidden: 403,
  Conflict: 409,
  Invalid: 400,
  PreconditionFailed: 409,
  TooLarge: 413,
  Unauthorized: 401,
};

export function webErrorOf(err: unknown): { status: number; key: MessageKey; params: Record<string, string> } | null {
  if (err instanceof WebError) return { status: err.status, key: err.key, params: err.params };
  if (err instanceof BodyTooLargeError) return { status: 413, key: 'error.tooLarge', params: {} };
  if (err instanceof DomainError) {
    const status = DOMAIN_STATUS[err.kind];
    const key: MessageKey =
      err.kind === 'NotFound' ? 'error.notFound' : err.kind === 'Forbidden' || err.kind === 'Unauthorized' ? 'error.forbidden' : err.kind === 'TooLarge' ? 'error.tooLarge' : err.kind === 'Conflict' || err.kind === 'PreconditionFailed' ? (err.details.field ? 'error.invalid' : 'error.conflict') : 'error.invalid';
    return { status, key, params: { message: err.message } };
  }
  return null;
}

/** A POST's Origin, when the browser sends one, must be this host (an unreadable one is foreign). */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || origin === 'null') return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Fields of a url-encoded form (the last of a repeated name wins). */
async function readForm(req: Request, limit: number): Promise<Record<string, string>> {
  const type = req.get('content-type') ?? '';
  const raw = await readBody(req, limit);
  if (!/^application\/x-www-form-urlencoded/i.test(type)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) out[k] = v.replace(/\u0000/g, '');
  return out;
}

/** Fields and the one file of a multipart form, with the import's size limit. */
function readMultipart(req: Request, fieldLimit: number, fileLimit: number): Promise<{ form: Record<string, string>; file: { name: string; data: Buffer } | null }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fields: 20, fieldSize: fieldLimit, files: 1, fileSize: fileLimit, parts: 25 } });
    } catch {
      reject(new WebError(400, 'import.noFile'));
      return;
    }
    const form: Record<string, string> = {};
    let file: { name: string; data: Buffer } | null = null;
    let tooLarge = false;
    bb.on('field', (name, value) => {
      form[name] = value.replace(/\u0000/g, '');
    });
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        tooLarge = true;
      });
      stream.on('end', () => {
        file = { name: info.filename ?? 'import.ics', data: Buffer.concat(chunks) };
      });
    });
    bb.on('error', () => reject(new WebError(400, 'import.noFile')));
    bb.on('close', () => (tooLarge ? reject(new BodyTooLargeError(fileLimit)) : resolve({ form, file })));
    req.pipe(bb);
  });
}

function pickLang(req: Request, res: Response, deps: WebDeps, userLocale: string | null): Lang {
  const asked = req.query.lang;
  if (isLang(asked)) {
    setCookie(res, deps.config, LANG_COOKIE, asked, 400 * 86400);
    return asked;
  }
  const locale = userLocale?.slice(0, 2).toLowerCase();
  if (isLang(locale)) return locale;
  const cookie = cookieOf(req, LANG_COOKIE);
  if (isLang(cookie)) return cookie;
  return fromAcceptLanguage(req.get('accept-language'));
}

function render(call: WebCall, res: Response, title: string, body: Parameters<typeof page>[2], notices: Notice[], status: number): void {
  res.status(status).type('text/html; charset=utf-8').send(page(call.frame, title, body, notices).value);
}

function errorPage(call: WebCall, res: Response, status: number, key: MessageKey, params: Record<string, string>): void {
  const t = call.frame.t;
  const back = call.user ? '/my/view' : '/sign-in';
  render(call, res, t('error.title'), html`<p><a href="${call.frame.href(back)}">${t('app.name')}</a></p>`, [{ kind: 'error', text: t(key, params) }], status);
}

export function webRouter(deps: WebDeps): Router {
  const r = Router();
  const base = deps.config.basePath;
  const href = (path: string) => `${base}${path}`;

  // The style sheet and the script are each one file for the browser, kept as several files by
  // concern (src/web/assets/css/*.css, js/*.js, joined in name order), read once.
  const assetDir = join(PROJECT_ROOT, 'src', 'web', 'assets');
  const ASSETS: Record<string, { dir: string; ext: string; type: string }> = {
    'app.css': { dir: 'css', ext: '.css', type: 'text/css; charset=utf-8' },
    'app.js': { dir: 'js', ext: '.js', type: 'text/javascript; charset=utf-8' },
  };
  const joined = new Map<string, Promise<string>>();
  const assetText = (name: string, a: { dir: string; ext: string }): Promise<string> => {
    let text = joined.get(name);
    if (!text) {
      const dir = join(assetDir, a.dir);
      text = readdir(dir).then(async (files) => (await Promise.all(files.filter((f) => f.endsWith(a.ext)).sort().map((f) => readFile(join(dir, f), 'utf8')))).join('\n'));
      joined.set(name, text);
    }
    return text;
  };
  r.get('/assets/:file', async (req, res) => {
    const name = String(req.params.file);
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) {
      res.status(404).type('text/plain').send('Not Found\n');
      return;
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(asset.type).send(await assetText(name, asset));
  });

  const handle = (route: WebRoute) => async (req: Request, res: Response) => {
    securityHeaders(res);
    const secret = cookieOf(req, SESSION_COOKIE) ?? null;
    const session = secret ? await deps.domain.webSessions.find(secret) : null;
    const user = session?.user ?? null;
    const lang = pickLang(req, res, deps, user?.locale ?? null);
    // The user's own zone (stored on the user, so every browser shows the same); before one is
    // chosen, and on public pages, the server's.
    const zone = user?.timezone ?? deps.config.appTimezone;
    const frame: PageFrame = { t: translator(lang), lang, href, user: user ? { username: user.username, isAdmin: user.isAdmin } : null, csrf: session?.csrf ?? null, path: req.path, zone };
    const call: WebCall = {
      req,
      res,
      frame,
      user,
      actor: user ? { userId: user.id, username: user.username, principaluri: user.principalUri } : null,
      zone,
      sessionSecret: session ? secret : null,
      form: {},
      file: null,
      notices: [],
      flash: null,
    };
    try {
      if (route.access !== 'public' && !user) {
        if (route.method === 'GET') {
          res.redirect(303, href('/sign-in'));
          return;
        }
        throw new WebError(401, 'error.csrf');
      }
      if (route.access === 'admin' && !user?.isAdmin) throw new WebError(403, 'error.forbidden');
      // Names in the path are calendar, object, user and token names: none holds a control character.
      if (Object.values(req.params).some((v) => typeof v !== 'string' || v.length > (route.maxParamLength ?? 512) || /[\u0000-\u001f]/.test(v))) throw new WebError(404, 'error.notFound');
      if (route.method === 'POST') {
        if (!sameOrigin(req.get('origin'), req.get('host'))) throw new WebError(403, 'error.csrf');
        if (route.multipart) {
          const parsed = await readMultipart(req, deps.config.limits.maxFormBytes, deps.config.limits.maxImportBytes);
          call.form = parsed.form;
          call.file = parsed.file;
        } else {
          call.form = await readForm(req, deps.config.limits.maxFormBytes);
        }
        if (route.access !== 'public' && !sameSecret(call.form._csrf ?? '', session?.csrf ?? '')) throw new WebError(403, 'error.csrf');
      } else {
        const flash = cookieOf(req, NOTICE_COOKIE);
        if (flash) {
          setCookie(res, deps.config, NOTICE_COOKIE, '', 0);
          const notice = readFlash(flash);
          if (notice) call.notices.push({ kind: 'ok', text: frame.t(notice.key, notice.params) });
        }
        // The session's flash is for the next page only: taken (and cleared) by whichever page
        // comes next, and given to it only when it is the page it was kept for.
        if (session?.hasFlash && secret) call.flash = readFlashFor(await deps.domain.webSessions.takeFlash(secret), req.path);
      }
      const answer = await route.run(call, deps);
      await send(call, res, answer);
    } catch (err) {
      const mapped = webErrorOf(err);
      if (!mapped) {
        deps.log.error({ err, reqId: res.locals.requestId, path: redactPath(req.path) }, 'web UI handler failed');
        if (!res.headersSent) errorPage(call, res, 500, 'error.title', {});
        return;
      }
      if (res.headersSent) {
        res.end();
        return;
      }
      errorPage(call, res, mapped.status, mapped.key, mapped.params);
    }
  };

  const send = async (call: WebCall, res: Response, answer: WebAnswer) => {
    if (answer.kind === 'redirect') {
      if (answer.notice) setCookie(res, deps.config, NOTICE_COOKIE, JSON.stringify(answer.notice), 60);
      if (answer.flash !== undefined && call.sessionSecret) await deps.domain.webSessions.setFlash(call.sessionSecret, flashFor(answer.to, answer.flash));
      res.redirect(303, href(answer.to));
      return;
    }
    if (answer.kind === 'page') {
      if (answer.imageOrigins?.length) res.setHeader('Content-Security-Policy', csp(answer.imageOrigins));
      render(call, res, answer.title, answer.body, [...call.notices, ...(answer.notices ?? [])], answer.status ?? 200);
      return;
    }
    const ascii = answer.filename.replace(/[^A-Za-z0-9 ._-]/g, '_');
    res.setHeader('Content-Type', answer.type);
    res.setHeader('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(answer.filename)}`);
    if (typeof answer.body === 'string') {
      res.send(answer.body);
      return;
    }
    // The same sender as the CalDAV and feed exports: a client that goes away stops the export.
    streamBody(res, answer.body).catch((err: unknown) => {
      deps.log.warn({ err }, 'export stream failed');
      res.destroy();
    });
  };

  for (const route of WEB_ROUTES) {
    if (route.method === 'GET') r.get(route.path, handle(route));
    else r.post(route.path, handle(route));
  }
  return r;
}

function readFlash(value: string): { key: MessageKey; params: Record<string, string> } | null {
  try {
    const v = JSON.parse(value) as { key?: unknown; params?: unknown };
    if (typeof v.key !== 'string' || !Object.hasOwn(en, v.key)) return null;
    const params: Record<string, string> = {};
    if (v.params && typeof v.params === 'object') for (const [k, x] of Object.entries(v.params)) if (typeof x === 'string') params[k] = x.slice(0, 300);
    return { key: v.key as MessageKey, params };
  } catch {
    return null;
  }
}
