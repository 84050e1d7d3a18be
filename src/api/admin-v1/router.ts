// /api/v1: the Davis-compatible admin API (specs/admin-api-v1.md). Routing happens before
// authentication (unknown paths 404, wrong methods 405, whatever the token), then the
// X-Davis-API-Token check, then the user, then each route's own checks in Davis's order.
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.ts';
import { checkAdminKey } from '../../auth/adminKey.ts';
import { canAdminister, owns } from '../../domain/access.ts';
import { isCalendarColor, type CalendarView } from '../../domain/calendars.ts';
import type { ComponentType } from '../../domain/components.ts';
import { isDomainError, type DomainErrorKind } from '../../domain/errors.ts';
import type { Domain } from '../../domain/index.ts';
import type { UserInfo } from '../../domain/users.ts';
import { BodyTooLargeError, parseJsonBody, readBody, UnstorableTextError } from '../../http/body.ts';
import { bodyText, NotTextError } from '../../http/text.ts';
import type { Logger } from '../../logger.ts';
import { tokenJson } from '../tokens/json.ts';
import { Envelope, type Json } from './envelope.ts';
import { descriptionOf, fieldsOf, SHAREE, supportFlag, URI, validName, writeAccessOf, type Body } from './validation.ts';

export interface AdminDeps {
  domain: Domain;
  config: Config;
  log: Logger;
}

/** An error that becomes {"status":"error","message":…} with its status. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  NotFound: 404,
  Conflict: 409,
  Invalid: 400,
  Forbidden: 403,
  PreconditionFailed: 412,
  TooLarge: 413,
  Unauthorized: 401,
};

/**
 * A domain error as this API's error, with its own status and the domain's reason; anything else
 * is a bug (the router logs it) answered with Davis's wording for the failed operation.
 */
function fromDomain(e: unknown, failure: string): unknown {
  if (isDomainError(e)) return new ApiError(DOMAIN_STATUS[e.kind], `${failure}: ${e.message}`);
  return unexpected(e, failure);
}

/**
 * What a handler rethrows after mapping the errors it knows: a domain error or an ApiError as it
 * is (the funnel gives it its status), anything else marked with Davis's wording for the failed
 * operation, which the funnel logs and answers with 500.
 */
function unexpected(e: unknown, failure: string): unknown {
  if (isDomainError(e) || e instanceof ApiError) return e;
  return Object.assign(e instanceof Error ? e : new Error(String(e)), { failure });
}

interface Ctx {
  req: Request;
  res: Response;
  params: string[];
  deps: AdminDeps;
  env: Envelope;
}

type Handler = (ctx: Ctx) => Promise<void>;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
  open?: boolean;
}

const ID = '(\\d+)';
const USER = '([^/]+)';

/** A user by id or name; 404 User Not Found / Principal Not Found as Davis answers. */
async function user(ctx: Ctx, idOrName: string): Promise<UserInfo> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(idOrName);
  } catch {
    throw new ApiError(404, 'User Not Found');
  }
  const found = await ctx.deps.domain.users.lookup(decoded);
  if ('missing' in found) throw new ApiError(404, found.missing === 'user' ? 'User Not Found' : 'Principal Not Found');
  return found.user;
}

async function jsonBody(ctx: Ctx): Promise<Body> {
  let raw: Buffer;
  try {
    raw = await readBody(ctx.req, ctx.deps.config.limits.maxJsonBytes);
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw new ApiError(413, 'Request Body Too Large');
    throw e;
  }
  try {
    return fieldsOf(parseJsonBody(bodyText(raw)));
  } catch (e) {
    if (e instanceof NotTextError) throw new ApiError(400, `Invalid JSON: ${e.message}`);
    throw new ApiError(400, e instanceof UnstorableTextError ? 'Invalid JSON: text cannot hold U+0000' : 'Invalid JSON');
  }
}

/** The user's instance with that id (owned or shared), or undefined. */
async function instanceOf(ctx: Ctx, u: UserInfo, id: string): Promise<CalendarView | undefined> {
  const view = await ctx.deps.domain.calendars.getByInstanceId(Number(id));
  return view && view.principaluri === u.principalUri ? view : undefined;
}

function componentsOf(body: Body): ComponentType[] {
  const out: ComponentType[] = [];
  if (supportFlag(body.events_support, true)) out.push('VEVENT');
  if (supportFlag(body.notes_support, false)) out.push('VJOURNAL');
  if (supportFlag(body.tasks_support, false)) out.push('VTODO');
  return out;
}

const NO_COMPONENTS = 'At least one calendar component must be enabled (events, notes, or tasks)';

/** The extensions color and public: undefined when absent. */
function extensions(ctx: Ctx, body: Body): { color?: string | null; isPublic?: boolean } {
  const out: { color?: string | null; isPublic?: boolean } = {};
  if (body.color !== undefined && body.color !== null) {
    if (typeof body.color !== 'string' || !isCalendarColor(body.color)) throw new ApiError(400, 'Invalid Calendar Color');
    out.color = body.color;
  }
  if (body.public !== undefined && body.public !== null) {
    if (typeof body.public !== 'boolean') throw new ApiError(400, 'Invalid Public Value');
    if (body.public && !ctx.deps.config.publicCalendarsEnabled) throw new ApiError(400, 'Public Calendars Are Disabled');
    out.isPublic = body.public;
  }
  return out;
}

function userJson(u: UserInfo, detail: boolean): { [key: string]: Json } {
  const base = { user_id: u.id, principal_id: u.principalId, uri: u.principalUri, username: u.username };
  return detail ? { ...base, displayname: u.displayName, email: u.email } : base;
}

const handlers = {
  async health({ res, env }: Ctx) {
    env.send(res, 200, { status: 'OK' });
  },

  async listUsers({ res, env, deps }: Ctx) {
    const list = await deps.domain.users.listPrincipals();
    env.success(
      res,
      list.map((p) => ({ user_id: p.userId, principal_id: p.principalId, uri: p.uri, username: p.username ?? p.uri.replace(/^principals\//, '') })),
    );
  },

  async getUser(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    ctx.env.success(ctx.res, userJson(u, true));
  },

  async createUser(ctx: Ctx) {
    const body = await jsonBody(ctx);
    const { username, password, displayname, email } = body;
    if (typeof username !== 'string') throw new ApiError(400, 'Invalid Username');
    if (typeof password !== 'string') throw new ApiError(400, 'Invalid Password');
    if (displayname !== undefined && displayname !== null && typeof displayname !== 'string') throw new ApiError(400, 'Invalid Display Name');
    if (email !== undefined && email !== null && typeof email !== 'string') throw new ApiError(400, 'Invalid Email');
    try {
      const u = await ctx.deps.domain.users.create({ username, password, displayName: displayname ?? null, email: email ?? null });
      ctx.env.success(ctx.res, userJson(u, true));
    } catch (e) {
      if (isDomainError(e)) {
        if (e.kind === 'Conflict') throw new ApiError(400, 'User Already Exists');
        const field = e.details.field;
        throw new ApiError(400, field === 'password' ? 'Invalid Password' : field === 'email' ? 'Invalid Email' : field === 'displayName' ? 'Invalid Display Name' : 'Invalid Username');
      }
      throw e;
    }
  },

  async updateUser(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const body = await jsonBody(ctx);
    const { password, displayname, email } = body;
    if (password !== undefined && typeof password !== 'string') throw new ApiError(400, 'Invalid Password');
    if (displayname !== undefined && displayname !== null && typeof displayname !== 'string') throw new ApiError(400, 'Invalid Display Name');
    if (email !== undefined && email !== null && typeof email !== 'string') throw new ApiError(400, 'Invalid Email');
    try {
      await ctx.deps.domain.users.update(u.username, {
        ...(displayname !== undefined ? { displayName: displayname } : {}),
        ...(email !== undefined ? { email } : {}),
        ...(typeof password === 'string' ? { password } : {}),
      });
    } catch (e) {
      if (isDomainError(e) && e.kind === 'Invalid') {
        const field = e.details.field;
        throw new ApiError(400, field === 'password' ? 'Invalid Password' : field === 'email' ? 'Invalid Email' : 'Invalid Display Name');
      }
      throw e;
    }
    ctx.env.success(ctx.res);
  },

  async deleteUser(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    await ctx.deps.domain.users.delete(u.username);
    ctx.env.success(ctx.res);
  },

  async listTokens(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const tokens = await ctx.deps.domain.tokens.list(u.id);
    ctx.env.success(ctx.res, tokens.map((t) => tokenJson(t, false)));
  },

  async createToken(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const body = await jsonBody(ctx);
    try {
      const { secret, token } = await ctx.deps.domain.tokens.create(
        u.id,
        { name: body.name, capabilities: body.capabilities, expiresAt: body.expires_at, tags: body.tags },
        null,
      );
      ctx.env.success(ctx.res, { token: secret, ...tokenJson(token, false) });
    } catch (e) {
      if (isDomainError(e) && e.kind === 'Invalid') throw new ApiError(400, `Invalid Token: ${e.message}`);
      throw e;
    }
  },

  async revokeToken(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    let momId: string;
    try {
      momId = decodeURIComponent(ctx.params[1] as string);
    } catch {
      throw new ApiError(404, 'Token Not Found');
    }
    try {
      await ctx.deps.domain.tokens.revoke(u.id, momId);
    } catch (e) {
      if (isDomainError(e) && e.kind === 'NotFound') throw new ApiError(404, 'Token Not Found');
      throw e;
    }
    ctx.env.success(ctx.res);
  },

  async listCalendars(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const { calendars } = ctx.deps.domain;
    const views = await calendars.listForPrincipal(u.principalUri);
    const counts = await calendars.countsByComponent(views.map((v) => v.calendarId));
    const item = (v: CalendarView) => {
      const c = counts.get(v.calendarId) ?? { VEVENT: 0, VTODO: 0, VJOURNAL: 0 };
      const n = (t: ComponentType) => (v.components.includes(t) ? c[t] : null);
      return { id: v.instanceId, uri: v.uri, displayname: v.displayname, events: n('VEVENT'), notes: n('VJOURNAL'), tasks: n('VTODO') };
    };
    const subs = await calendars.subscriptions(u.principalUri);
    ctx.env.success(ctx.res, {
      user_calendars: views.filter(owns).map(item),
      shared_calendars: views.filter((v) => !owns(v)).map(item),
      subscriptions: subs.map((s) => ({ id: s.id, uri: s.uri, displayname: s.displayname, source: s.source })),
    });
  },

  async calendarDetails(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const v = await instanceOf(ctx, u, ctx.params[1] as string);
    if (!v || !owns(v)) {
      ctx.env.success(ctx.res, []);
      return;
    }
    const c = (await ctx.deps.domain.calendars.countsByComponent([v.calendarId])).get(v.calendarId) ?? { VEVENT: 0, VTODO: 0, VJOURNAL: 0 };
    const comp = (t: ComponentType) => ({ enabled: v.components.includes(t), count: c[t] });
    ctx.env.success(ctx.res, {
      id: v.instanceId,
      uri: v.uri,
      displayname: v.displayname,
      description: v.description ?? '',
      events: comp('VEVENT'),
      notes: comp('VJOURNAL'),
      tasks: comp('VTODO'),
      color: v.color,
      public: v.isPublic,
    });
  },

  async createCalendar(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const body = await jsonBody(ctx);
    if (!validName(body.name)) throw new ApiError(400, 'Invalid Calendar Name');
    if (typeof body.uri !== 'string' || !URI.test(body.uri)) throw new ApiError(400, 'Invalid Calendar URI');
    const existing = await ctx.deps.domain.calendars.get(u.principalUri, body.uri);
    if (existing) throw new ApiError(400, 'Calendar URI Already Exists');
    const description = descriptionOf(body.description);
    if (!description.ok) throw new ApiError(400, 'Invalid Calendar Description');
    const components = componentsOf(body);
    if (!components.length) throw new ApiError(400, NO_COMPONENTS);
    const ext = extensions(ctx, body);
    let view: CalendarView;
    try {
      view = await ctx.deps.domain.calendars.createFor(u.principalUri, {
        uri: body.uri,
        displayname: body.name,
        description: description.value,
        components,
        color: ext.color ?? null,
        isPublic: ext.isPublic ?? false,
      });
    } catch (e) {
      if (isDomainError(e) && e.kind === 'Conflict') throw new ApiError(400, 'Calendar URI Already Exists');
      if (isDomainError(e) && e.kind === 'Invalid') throw new ApiError(400, 'Invalid Calendar URI');
      throw unexpected(e, 'Failed to Create Calendar');
    }
    ctx.env.success(ctx.res, { calendar_id: view.instanceId, calendar_uri: view.uri });
  },

  async editCalendar(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const v = await instanceOf(ctx, u, ctx.params[1] as string);
    if (!v) throw new ApiError(400, 'Invalid Calendar ID');
    const body = await jsonBody(ctx);
    if (!validName(body.name)) throw new ApiError(400, 'Invalid Calendar Name');
    const description = descriptionOf(body.description);
    if (!description.ok) throw new ApiError(400, 'Invalid Calendar Description');
    const components = componentsOf(body);
    if (!components.length) throw new ApiError(400, NO_COMPONENTS);
    const ext = extensions(ctx, body);
    const owner = canAdminister(v);
    try {
      // A sharee's edit touches only their instance (name, description, colour); Davis changed the owner's calendar.
      await ctx.deps.domain.calendars.updateInstance(v, {
        displayname: body.name,
        description: description.value,
        ...(owner ? { components } : {}),
        ...(ext.color !== undefined ? { color: ext.color } : {}),
        ...(owner && ext.isPublic !== undefined ? { isPublic: ext.isPublic } : {}),
      });
    } catch (e) {
      throw fromDomain(e, 'Failed to Edit Calendar');
    }
    ctx.env.success(ctx.res);
  },

  async deleteCalendar(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const v = await instanceOf(ctx, u, ctx.params[1] as string);
    if (!v) throw new ApiError(400, 'Invalid Instance Not Found');
    try {
      await ctx.deps.domain.calendars.deleteInstance(v);
    } catch (e) {
      throw fromDomain(e, 'Failed to Delete Calendar');
    }
    ctx.env.success(ctx.res);
  },

  async listShares(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const v = await instanceOf(ctx, u, ctx.params[1] as string);
    if (!v) throw new ApiError(400, 'Invalid Calendar ID/Username');
    const shares = await ctx.deps.domain.sharing.shares(v.instanceId);
    ctx.env.success(
      ctx.res,
      shares.map((s) => ({
        username: s.username,
        user_id: s.userId,
        principal_id: s.principalId,
        displayname: s.displayName,
        email: s.email,
        write_access: s.writeAccess,
      })),
    );
  },

  async addShare(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const v = await instanceOf(ctx, u, ctx.params[1] as string);
    // A sharee's instance cannot be shared on (Davis allowed it).
    if (!v || !canAdminister(v)) throw new ApiError(400, 'Invalid Calendar ID and User ID');
    const body = await jsonBody(ctx);
    const write = writeAccessOf(body.write_access);
    const username = body.username;
    if (typeof username !== 'string' || username === '' || !SHAREE.test(username) || write === undefined || username === u.username) {
      throw new ApiError(400, 'Invalid Sharee ID/Write Access Value');
    }
    if (!(await ctx.deps.domain.users.get(username))) throw new ApiError(404, 'Calendar Instance/User Not Found');
    try {
      await ctx.deps.domain.sharing.share(u.username, v.instanceId, username, write);
    } catch (e) {
      if (isDomainError(e) && e.kind === 'NotFound') throw new ApiError(404, 'Calendar Instance/User Not Found');
      throw unexpected(e, 'Failed to Edit Calendar');
    }
    ctx.env.success(ctx.res);
  },

  async removeShare(ctx: Ctx) {
    const u = await user(ctx, ctx.params[0] as string);
    const v = await instanceOf(ctx, u, ctx.params[1] as string);
    if (!v || !canAdminister(v)) throw new ApiError(400, 'Invalid Calendar ID');
    const body = await jsonBody(ctx);
    const username = body.username;
    if (typeof username !== 'string' || username === '' || !SHAREE.test(username)) throw new ApiError(400, 'Invalid Username');
    if (!(await ctx.deps.domain.users.get(username))) throw new ApiError(404, 'Calendar Instance/User Not Found');
    try {
      await ctx.deps.domain.sharing.unshare(u.username, v.instanceId, username);
    } catch (e) {
      if (isDomainError(e) && e.kind === 'NotFound') throw new ApiError(404, 'Calendar Instance/User Not Found');
      throw unexpected(e, 'Failed to Remove Share');
    }
    ctx.env.success(ctx.res);
  },
};

const ROUTES: Route[] = [
  { pattern: /^\/health$/, methods: { GET: handlers.health }, open: true },
  { pattern: /^\/users$/, methods: { GET: handlers.listUsers, POST: handlers.createUser } },
  { pattern: new RegExp(`^/users/${USER}/tokens$`), methods: { GET: handlers.listTokens, POST: handlers.createToken } },
  { pattern: new RegExp(`^/users/${USER}/tokens/([^/]+)$`), methods: { DELETE: handlers.revokeToken } },
  { pattern: new RegExp(`^/users/${USER}$`), methods: { GET: handlers.getUser, PUT: handlers.updateUser, PATCH: handlers.updateUser, DELETE: handlers.deleteUser } },
  { pattern: new RegExp(`^/calendars/${USER}/create$`), methods: { POST: handlers.createCalendar } },
  { pattern: new RegExp(`^/calendars/${USER}/shares/${ID}$`), methods: { GET: handlers.listShares } },
  { pattern: new RegExp(`^/calendars/${USER}/share/${ID}/add$`), methods: { POST: handlers.addShare } },
  { pattern: new RegExp(`^/calendars/${USER}/share/${ID}/remove$`), methods: { POST: handlers.removeShare } },
  {
    pattern: new RegExp(`^/calendars/${USER}/${ID}$`),
    methods: { GET: handlers.calendarDetails, PUT: handlers.editCalendar, PATCH: handlers.editCalendar, DELETE: handlers.deleteCalendar },
  },
  { pattern: new RegExp(`^/calendars/${USER}$`), methods: { GET: handlers.listCalendars } },
];

export function adminRouter(deps: AdminDeps): Router {
  const r = Router();
  const env = new Envelope(deps.config.appTimezone, () => deps.domain.clock.now());
  r.all(['/api/v1', '/api/v1/{*rest}'], async (req: Request, res: Response) => {
    const path = req.path.slice('/api/v1'.length).replace(/\/$/, '') || '/';
    const route = ROUTES.find((x) => x.pattern.test(path));
    if (!route) return env.error(res, 404, 'Not Found');
    const method = req.method.toUpperCase() === 'HEAD' ? 'GET' : req.method.toUpperCase();
    const handler = route.methods[method];
    if (!handler) {
      res.setHeader('Allow', Object.keys(route.methods).join(', '));
      return env.error(res, 405, 'Method Not Allowed');
    }
    if (!route.open) {
      const check = checkAdminKey(req.get('x-davis-api-token'), deps.config.apiKey);
      if (check === 'disabled') return env.error(res, 503, 'API endpoint is disabled.');
      if (check === 'missing') return env.error(res, 401, 'No API token provided');
      if (check === 'invalid') return env.error(res, 401, 'Invalid API token');
    }
    const params = (route.pattern.exec(path) ?? []).slice(1);
    try {
      await handler({ req, res, params, deps, env });
    } catch (e) {
      if (e instanceof ApiError) return env.error(res, e.status, e.message);
      if (isDomainError(e)) return env.error(res, DOMAIN_STATUS[e.kind], e.message);
      deps.log.error({ err: e, reqId: res.locals.requestId }, 'admin API request failed');
      const failure = e instanceof Error && 'failure' in e && typeof e.failure === 'string' ? e.failure : 'Internal Server Error';
      if (!res.headersSent) env.error(res, 500, failure);
    }
  });
  // Errors Express raises before a handler runs (a malformed percent-encoding in the path).
  r.use('/api/v1', (err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(err);
    env.error(res, 400, 'Bad Request');
  });
  return r;
}
