// /api/v0/notifications/calendars: feed calendars (mytoken-compatible; specs/notifications-calendars-v0.md).
// The token comes from the body field `mytoken`, then the Bearer header, then the `mytoken` cookie.
// Reading needs read@calendars:notify, changing calendars:notify. Errors are {error, error_description}.
import type { Router } from 'express';
import type { FeedInfo } from '../../domain/feeds.ts';
import type { TokenGrant } from '../../domain/tokens.ts';
import { listField } from '../../http/formOrJson.ts';
import { grantFrom, need, V0Error } from '../v0Errors.ts';
import { mountV0, param, type V0Call, type V0Deps, type V0Handler, type V0Route } from '../v0Routes.ts';

export type NotificationsDeps = V0Deps;

const READ = 'read@calendars:notify';
const WRITE = 'calendars:notify';

function optionalString(v: unknown, field: string): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string') return v;
  throw new V0Error(400, 'invalid_request', `${field} must be a string`);
}

function tagsField(v: unknown): string[] | undefined {
  const list = listField(v);
  if (list === undefined) return undefined;
  if (!list.every((t) => typeof t === 'string')) throw new V0Error(400, 'invalid_request', 'tags must be a list of tag names');
  return list as string[];
}

export function calendarJson(feed: FeedInfo, publicUrl: string): Record<string, unknown> {
  const out: Record<string, unknown> = { id: feed.feedId, ics_path: `${publicUrl}/calendars/${feed.feedId}` };
  if (feed.description) out.description = feed.description;
  if (feed.tags.length) out.tags = feed.tags;
  if (feed.subscribedTokens.length) out.subscribed_tokens = feed.subscribedTokens;
  return out;
}

const BASE = '/api/v0/notifications/calendars';
const json = (call: V0Call, feed: FeedInfo) => calendarJson(feed, call.deps.config.publicUrl);

/** The caller's grant, holding `capability`. */
async function granted(call: V0Call, capability: string): Promise<TokenGrant> {
  const grant = await grantFrom(call.deps.domain, call.req, call.fields);
  need(grant, capability);
  return grant;
}

export const handlers = {
  async listFeeds(call: V0Call) {
    const grant = await granted(call, READ);
    call.res.json({ calendars: (await call.deps.domain.feeds.list(grant.username)).map((f) => json(call, f)) });
  },

  async createFeed(call: V0Call) {
    const grant = await granted(call, WRITE);
    const feed = await call.deps.domain.feeds.create(grant.token.userId, grant.username, {
      description: optionalString(call.fields.description, 'description'),
      tags: tagsField(call.fields.tags),
    });
    call.res.status(201).json(json(call, feed));
  },

  async redirectToFeed(call: V0Call) {
    const grant = await granted(call, READ);
    const feed = await call.deps.domain.feeds.get(grant.username, param(call.req, 'id'));
    call.res.redirect(302, `${call.deps.config.publicUrl}/calendars/${feed.feedId}`);
  },

  async replaceFeed(call: V0Call) {
    const grant = await granted(call, WRITE);
    const description = optionalString(call.fields.description, 'description');
    const tags = tagsField(call.fields.tags);
    if (description === undefined && tags === undefined) throw new V0Error(400, 'invalid_request', 'give description and/or tags');
    call.res.json(json(call, await call.deps.domain.feeds.update(grant.token.userId, grant.username, param(call.req, 'id'), { description, tags })));
  },

  async addToken(call: V0Call) {
    const grant = await granted(call, WRITE);
    const momId = call.fields.mom_id;
    if (typeof momId !== 'string' || momId === '') throw new V0Error(400, 'invalid_request', 'mom_id is required');
    const comment = optionalString(call.fields.comment, 'comment') ?? null;
    call.res.json(json(call, await call.deps.domain.feeds.addToken(grant.token.userId, grant.username, param(call.req, 'id'), momId, comment)));
  },

  async deleteFeed(call: V0Call) {
    const grant = await granted(call, WRITE);
    await call.deps.domain.feeds.delete(grant.username, param(call.req, 'id'));
    call.res.status(204).end();
  },

  async addTag(call: V0Call) {
    const grant = await granted(call, WRITE);
    await call.deps.domain.feeds.addTag(grant.token.userId, grant.username, param(call.req, 'id'), tagOf(call));
    call.res.status(204).end();
  },

  async removeTag(call: V0Call) {
    const grant = await granted(call, WRITE);
    await call.deps.domain.feeds.removeTag(grant.token.userId, grant.username, param(call.req, 'id'), tagOf(call));
    call.res.status(204).end();
  },
} satisfies Record<string, V0Handler>;

function tagOf(call: V0Call): string {
  const tag = call.fields.tag;
  if (typeof tag !== 'string' || tag.trim() === '') throw new V0Error(400, 'invalid_request', 'tag must not be empty');
  return tag;
}

export const ROUTES: readonly V0Route[] = [
  ['get', BASE, handlers.listFeeds],
  ['post', BASE, handlers.createFeed],
  ['get', `${BASE}/:id`, handlers.redirectToFeed],
  ['put', `${BASE}/:id`, handlers.replaceFeed],
  ['post', `${BASE}/:id`, handlers.addToken],
  ['delete', `${BASE}/:id`, handlers.deleteFeed],
  ['post', `${BASE}/:id/tags`, handlers.addTag],
  ['delete', `${BASE}/:id/tags`, handlers.removeTag],
];

export function notificationsRouter(deps: NotificationsDeps): Router {
  return mountV0({ name: 'notifications API', routes: ROUTES, paths: [BASE] }, deps);
}
