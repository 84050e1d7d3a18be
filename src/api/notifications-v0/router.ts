// /api/v0/notifications/calendars: feed calendars (mytoken-compatible; specs/notifications-calendars-v0.md).
// The token comes from the body field `mytoken`, then the Bearer header, then the `mytoken` cookie.
// Reading needs read@calendars:notify, changing calendars:notify. Errors are {error, error_description}.
import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { FeedInfo } from '../../domain/feeds.ts';
import type { Domain } from '../../domain/index.ts';
import { listField, readFields, type BodyFields } from '../../http/formOrJson.ts';
import type { Logger } from '../../logger.ts';
import { grantFrom, need, sendV0Error, V0Error, v0ErrorOf } from '../v0Errors.ts';

export interface NotificationsDeps {
  domain: Domain;
  config: Config;
  log: Logger;
}

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

export function notificationsRouter(deps: NotificationsDeps): Router {
  const r = Router();
  const { domain, config } = deps;
  const base = '/api/v0/notifications/calendars';

  const handle =
    (fn: (req: Request, res: Response, fields: BodyFields) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const fields = await readFields(req, config.limits.maxJsonBytes);
        await fn(req, res, fields);
      } catch (e) {
        const err = v0ErrorOf(e);
        if (err) return sendV0Error(res, err);
        deps.log.error({ err: e, reqId: res.locals.requestId }, 'notifications API request failed');
        if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'internal error' });
      }
    };

  const json = (feed: FeedInfo) => calendarJson(feed, config.publicUrl);
  const feedParam = (req: Request) => String(req.params.id ?? '');

  r.get(
    base,
    handle(async (req, res, fields) => {
      const grant = await grantFrom(domain, req, fields);
      need(grant, READ);
      res.json({ calendars: (await domain.feeds.list(grant.username)).map(json) });
    }),
  );

  r.post(
    base,
    handle(async (req, res, fields) => {
      const grant = await grantFrom(domain, req, fields);
      need(grant, WRITE);
      const feed = await domain.feeds.create(grant.token.userId, grant.username, {
        description: optionalString(fields.description, 'description'),
        tags: tagsField(fields.tags),
      });
      res.status(201).json(json(feed));
    }),
  );

  r.get(
    `${base}/:id`,
    handle(async (req, res, fields) => {
      const grant = await grantFrom(domain, req, fields);
      need(grant, READ);
      const feed = await domain.feeds.get(grant.username, feedParam(req));
      res.redirect(302, `${config.publicUrl}/calendars/${feed.feedId}`);
    }),
  );

  r.put(
    `${base}/:id`,
    handle(async (req, res, fields) => {
      const grant = await grantFrom(domain, req, fields);
      need(grant, WRITE);
      const description = optionalString(fields.description, 'description');
      const tags = tagsField(fields.tags);
      if (description === undefined && tags === undefined) throw new V0Error(400, 'invalid_request', 'give description and/or tags');
      res.json(json(await domain.feeds.update(grant.token.userId, grant.username, feedParam(req), { description, tags })));
    }),
  );

  r.post(
    `${base}/:id`,
    handle(async (req, res, fields) => {
      const grant = await grantFrom(domain, req, fields);
      need(grant, WRITE);
      if (typeof fields.mom_id !== 'string' || fields.mom_id === '') throw new V0Error(400, 'invalid_request', 'mom_id is required');
      const comment = optionalString(fields.comment, 'comment') ?? null;
      res.json(json(await domain.feeds.addToken(grant.token.userId, grant.username, feedParam(req), fields.mom_id, comment)));
    }),
  );

  r.delete(
    `${base}/:id`,
    handle(async (req, res, fields) => {
      const grant = await grantFrom(domain, req, fields);
      need(grant, WRITE);
      await domain.feeds.delete(grant.username, feedParam(req));
      res.status(204).end();
    }),
  );

  for (const method of ['post', 'delete'] as const) {
    r[method](
      `${base}/:id/tags`,
      handle(async (req, res, fields) => {
        const grant = await grantFrom(domain, req, fields);
        need(grant, WRITE);
        const tag = fields.tag;
        if (typeof tag !== 'string' || tag.trim() === '') throw new V0Error(400, 'invalid_request', 'tag must not be empty');
        if (method === 'post') await domain.feeds.addTag(grant.token.userId, grant.username, feedParam(req), tag);
        else await domain.feeds.removeTag(grant.token.userId, grant.username, feedParam(req), tag);
        res.status(204).end();
      }),
    );
  }
  return r;
}
