// /api/v2/calendars/events (specs/events-v2.md): JSON CRUD over the caller's events, with filters,
// sorting and paging done in SQL. Errors are RFC 9457 problem documents in the caller's language.
import { Router, type Request, type Response } from 'express';
import { bearerToken } from '../../auth/bearer.ts';
import type { Config } from '../../config.ts';
import { holds } from '../../domain/capabilities.ts';
import { isDomainError, type DomainErrorKind } from '../../domain/errors.ts';
import type { EventInput, EventQuery, EventView, SortField } from '../../domain/events.ts';
import { parseDateTime } from '../../domain/events.ts';
import type { Domain } from '../../domain/index.ts';
import type { UserInfo } from '../../domain/users.ts';
import { BodyTooLargeError, parseJsonBody, readBody, UnstorableTextError } from '../../http/body.ts';
import { bodyText, NotTextError } from '../../http/text.ts';
import type { Logger } from '../../logger.ts';
import { DETAILS, FIELD, fill, pickLanguage, TITLES, type DetailKey, type FieldKey, type Lang, type TitleKey } from './messages.ts';

export interface EventsDeps {
  domain: Domain;
  config: Config;
  log: Logger;
}

interface FieldError {
  field: string;
  key: FieldKey;
  params?: Record<string, string | number>;
}

/** A problem to answer with (RFC 9457), worded when sent. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: TitleKey,
    readonly detail: DetailKey,
    readonly params: Record<string, string | number> = {},
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

const BASE = '/api/v2/calendars/events';
const MAX_LIMIT = 100;

function sendProblem(res: Response, lang: Lang, p: Problem): void {
  const body: Record<string, unknown> = {
    type: `https://calendula.dev/problems/${p.title.replace(/_/g, '-')}`,
    title: TITLES[p.title][lang],
    status: p.status,
    detail: fill(DETAILS[p.detail][lang], p.params),
  };
  if (p.errors.length) body.errors = p.errors.map((e) => ({ field: e.field, message: fill(FIELD[e.key][lang], e.params) }));
  if (p.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(p.status).setHeader('Content-Language', lang).type('application/problem+json').send(JSON.stringify(body));
}

function iso(epoch: number | null): string | null {
  return epoch === null ? null : new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export function eventJson(e: EventView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: e.id,
    caption: e.caption,
    description: e.description,
    startDate: iso(e.start),
    endDate: iso(e.end),
    notifications: e.notifications.map((n) => ('before' in n ? n.before : iso(n.at))),
    recipients: e.recipients,
    organizer: e.organizer,
    calendar: e.calendar,
    createTime: iso(e.createTime),
    updateTime: iso(e.updateTime),
  };
  if (e.rrule) out.rrule = e.rrule;
  return out;
}

/** JSON types of the body (400 when wrong); the rules are the domain's (422). */
function inputOf(raw: Buffer): EventInput {
  let body: unknown;
  try {
    body = parseJsonBody(bodyText(raw));
  } catch (e) {
    if (e instanceof NotTextError) throw new Problem(400, 'bad_request', 'not_text', { reason: e.message });
    throw new Problem(400, 'bad_request', e instanceof UnstorableTextError ? 'bad_characters' : 'bad_json');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Problem(400, 'bad_request', 'bad_json');
  const b = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  const str = (k: string, nullable = false) => {
    const v = b[k];
    if (v === undefined || typeof v === 'string' || (nullable && v === null)) return;
    errors.push({ field: k, key: 'wrong_type', params: { expected: nullable ? 'string or null' : 'string' } });
  };
  const strList = (k: string) => {
    const v = b[k];
    if (v === undefined) return;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) errors.push({ field: k, key: 'wrong_type', params: { expected: 'array of strings' } });
  };
  str('caption');
  str('description', true);
  str('startDate');
  str('endDate');
  strList('notifications');
  strList('recipients');
  if (b.calendar !== undefined && !(Number.isSafeInteger(b.calendar) && (b.calendar as number) > 0)) {
    errors.push({ field: 'calendar', key: 'wrong_type', params: { expected: 'positive integer' } });
  }
  if (errors.length) throw new Problem(400, 'bad_request', 'bad_type', {}, errors);
  return {
    caption: b.caption as string | undefined,
    description: b.description as string | null | undefined,
    startDate: b.startDate as string | undefined,
    endDate: b.endDate as string | undefined,
    notifications: b.notifications as string[] | undefined,
    recipients: b.recipients as string[] | undefined,
    calendar: b.calendar as number | undefined,
  };
}

const SORTS: Record<string, SortField> = { startTime: 'start', startDate: 'start', endTime: 'end', name: 'name', createTime: 'created', updateTime: 'updated' };
const FILTERS = new Set(['startDate', 'endDate', 'recipients', 'name', 'description']);

function queryOf(query: Record<string, unknown>): EventQuery {
  const errors: FieldError[] = [];
  const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const int = (name: string, fallback: number, min: number, max: number, key: FieldKey): number => {
    const v = query[name];
    if (v === undefined) return fallback;
    const s = one(v);
    if (s === undefined || !/^\d{1,9}$/.test(s) || Number(s) < min || Number(s) > max) {
      errors.push({ field: name, key, params: { max } });
      return fallback;
    }
    return Number(s);
  };
  const limit = int('limit', 20, 1, MAX_LIMIT, 'bad_limit');
  const offset = int('offset', 0, 0, 2 ** 31 - 1, 'bad_offset');
  const sortName = query.sort_by === undefined ? 'startTime' : one(query.sort_by);
  const sortBy = sortName !== undefined ? SORTS[sortName] : undefined;
  if (!sortBy) errors.push({ field: 'sort_by', key: 'unknown_sort' });
  const order = query.sort_order === undefined ? 'asc' : one(query.sort_order)?.toLowerCase();
  if (order !== 'asc' && order !== 'desc') errors.push({ field: 'sort_order', key: 'bad_order' });
  const q: EventQuery = { sortBy: sortBy ?? 'start', order: order === 'desc' ? 'desc' : 'asc', limit, offset };
  const filter = query.filter;
  if (filter !== undefined) {
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) errors.push({ field: 'filter', key: 'unknown_filter' });
    else {
      for (const [k, v] of Object.entries(filter as Record<string, unknown>)) {
        const s = one(v);
        if (!FILTERS.has(k)) errors.push({ field: `filter[${k}]`, key: 'unknown_filter' });
        else if (s === undefined) errors.push({ field: `filter[${k}]`, key: 'wrong_type', params: { expected: 'string' } });
        else if (k === 'startDate' || k === 'endDate') {
          const t = parseDateTime(s);
          if (t === null) errors.push({ field: `filter[${k}]`, key: 'bad_date' });
          else if (k === 'startDate') q.start = t;
          else q.end = t;
        } else if (k === 'recipients') q.recipients = s.split(',').map((x) => x.trim()).filter(Boolean);
        else if (k === 'name') q.name = s;
        else q.description = s;
      }
    }
  }
  if (errors.length) throw new Problem(400, 'bad_request', 'bad_query', {}, errors);
  return q;
}

/**
 * Whether a write mails recipients elsewhere: `sendUpdates=all` (Google Calendar's name; its
 * `externalOnly` means the same here, recipients here always get the event); `none` or absent: no.
 */
function sendUpdatesOf(query: Record<string, unknown>): boolean {
  const v = query.sendUpdates;
  if (v === undefined || v === 'none') return false;
  if (v === 'all' || v === 'externalOnly') return true;
  throw new Problem(400, 'bad_request', 'bad_query', {}, [{ field: 'sendUpdates', key: 'bad_send_updates' }]);
}

function etagList(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return ['*'];
  return [...header.matchAll(/(?:W\/)?"([^"]*)"/g)].map((m) => m[1] as string);
}

/** One request to the events API: what every handler gets. */
export interface EventsCall {
  req: Request;
  res: Response;
  deps: EventsDeps;
}
type EventsHandler = (call: EventsCall) => Promise<void>;

async function caller(call: EventsCall, capability: string): Promise<UserInfo> {
  const { domain } = call.deps;
  const secret = bearerToken(call.req);
  if (!secret) throw new Problem(401, 'unauthorized', 'no_token');
  const grant = await domain.tokens.authenticate(secret);
  if (!grant) throw new Problem(401, 'unauthorized', 'bad_token');
  if (!holds(grant.token.capabilities, capability)) throw new Problem(403, 'forbidden', 'capability', { capability });
  const user = await domain.users.get(grant.username);
  if (!user) throw new Problem(401, 'unauthorized', 'bad_token');
  return user;
}

function idOf(req: Request): number {
  const raw = String(req.params.id ?? '');
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : 0;
  if (id < 1 || id > 2 ** 31 - 1) throw new Problem(404, 'not_found', 'no_event', { id: raw });
  return id;
}

async function body(call: EventsCall): Promise<EventInput> {
  const max = call.deps.config.limits.maxJsonBytes;
  try {
    return inputOf(await readBody(call.req, max));
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw new Problem(413, 'too_large', 'too_large', { max });
    throw e;
  }
}

function send(res: Response, status: number, e: EventView): void {
  res.setHeader('ETag', `"${e.etag}"`);
  res.status(status).json(eventJson(e));
}

/**
 * The events API's one error funnel: a Problem as it is, every domain error kind as its problem;
 * undefined for anything else (a bug: logged and answered 500).
 */
export function problemOf(e: unknown, id: string): Problem | undefined {
  if (e instanceof Problem) return e;
  if (!isDomainError(e)) return undefined;
  const kind: DomainErrorKind = e.kind;
  switch (kind) {
    case 'NotFound':
      return new Problem(404, 'not_found', 'no_event', { id });
    case 'PreconditionFailed':
      return new Problem(412, 'precondition', 'changed');
    case 'Forbidden':
      // A calendar limit (max-resource-size, max-instances) is no question of access.
      if (e.details.precondition) return new Problem(403, 'forbidden', 'limit', { reason: e.message });
      return new Problem(403, 'forbidden', 'read_only');
    case 'Conflict':
      return new Problem(409, 'conflict', 'conflict', { reason: e.message });
    case 'TooLarge':
      return new Problem(413, 'too_large', 'limit', { reason: e.message });
    case 'Unauthorized':
      return new Problem(401, 'unauthorized', 'bad_token');
    case 'Invalid': {
      const problems = e.details.problems ?? [{ field: e.details.field ?? 'body', code: 'bad_calendar' }];
      const errors = problems.map((p) => ({ field: p.field, key: (p.code in FIELD ? p.code : 'bad_calendar') as FieldKey, params: p.params }));
      return new Problem(422, 'validation', 'rules', { count: errors.length }, errors);
    }
    default: {
      const unhandled: never = kind;
      return unhandled;
    }
  }
}

export const handlers = {
  async listEvents(call: EventsCall) {
    const { req, res, deps } = call;
    const user = await caller(call, 'read@events');
    const q = queryOf(req.query as Record<string, unknown>);
    const { items, total } = await deps.domain.events.list(user, q);
    res.setHeader('X-Total-Count', String(total));
    const link = (offset: number, rel: string) => {
      const u = new URL(`${deps.config.publicUrl}${BASE}`);
      for (const [k, v] of new URLSearchParams(req.originalUrl.split('?')[1] ?? '')) if (k !== 'offset') u.searchParams.append(k, v);
      u.searchParams.set('offset', String(offset));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (q.offset + q.limit < total) links.push(link(q.offset + q.limit, 'next'));
    if (q.offset > 0) links.push(link(Math.max(0, q.offset - q.limit), 'prev'));
    if (links.length) res.setHeader('Link', links.join(', '));
    res.json(items.map(eventJson));
  },

  async getEvent(call: EventsCall) {
    const user = await caller(call, 'read@events');
    send(call.res, 200, await call.deps.domain.events.get(user, idOf(call.req)));
  },

  async createEvent(call: EventsCall) {
    const user = await caller(call, 'events');
    const notify = sendUpdatesOf(call.req.query as Record<string, unknown>);
    const e = await call.deps.domain.events.create(user, await body(call), notify);
    call.res.setHeader('Location', `${call.deps.config.publicUrl}${BASE}/${e.id}`);
    send(call.res, 201, e);
  },

  /** PUT and PATCH alike: the fields given replace those stored. */
  async updateEvent(call: EventsCall) {
    const user = await caller(call, 'events');
    const id = idOf(call.req);
    const notify = sendUpdatesOf(call.req.query as Record<string, unknown>);
    send(call.res, 200, await call.deps.domain.events.update(user, id, await body(call), etagList(call.req.get('if-match')), notify));
  },

  async deleteEvent(call: EventsCall) {
    const user = await caller(call, 'events');
    const notify = sendUpdatesOf(call.req.query as Record<string, unknown>);
    await call.deps.domain.events.delete(user, idOf(call.req), etagList(call.req.get('if-match')), notify);
    call.res.status(204).end();
  },

  async noRoute({ req }: EventsCall) {
    if (/^\/api\/v2\/calendars\/events(\/\d+)?\/?$/.test(req.path)) throw new Problem(405, 'method', 'method');
    throw new Problem(404, 'not_found', 'no_route');
  },
} satisfies Record<string, EventsHandler>;

const ROUTES: readonly (readonly ['get' | 'post' | 'put' | 'patch' | 'delete' | 'all', string | string[], EventsHandler])[] = [
  ['get', BASE, handlers.listEvents],
  ['get', `${BASE}/:id`, handlers.getEvent],
  ['post', BASE, handlers.createEvent],
  ['put', `${BASE}/:id`, handlers.updateEvent],
  ['patch', `${BASE}/:id`, handlers.updateEvent],
  ['delete', `${BASE}/:id`, handlers.deleteEvent],
  ['all', [BASE, `${BASE}/{*rest}`], handlers.noRoute],
];

export function eventsRouter(deps: EventsDeps): Router {
  const r = Router();
  for (const [method, path, handler] of ROUTES) {
    r[method](path, async (req: Request, res: Response): Promise<void> => {
      const lang = pickLanguage(req.get('accept-language'));
      try {
        await handler({ req, res, deps });
      } catch (e) {
        const problem = problemOf(e, String(req.params.id ?? ''));
        if (problem) return sendProblem(res, lang, problem);
        deps.log.error({ err: e, reqId: res.locals.requestId }, 'events API request failed');
        if (!res.headersSent) sendProblem(res, lang, new Problem(500, 'server', 'server'));
      }
    });
  }
  return r;
}
