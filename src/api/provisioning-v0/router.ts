// /api/v0/users and /api/v0/synchronizations: the provisioning API (MyTimetable-compatible;
// specs/provisioning-v0.md). Admin only: the API_KEY in `apiToken` or `X-Davis-API-Token`.
// Bodies are form-encoded or JSON; DELETE takes `unlinkMode` from the query (or the body).
// Errors are {"error", "error_description"} like the other /api/v0 APIs.
import { randomBytes } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { checkAdminKey } from '../../auth/adminKey.ts';
import type { Config } from '../../config.ts';
import { isDomainError } from '../../domain/errors.ts';
import type { Domain } from '../../domain/index.ts';
import { isUnlinkMode, UNLINK_MODES, type SyncView, type UnlinkMode } from '../../domain/synchronizations.ts';
import type { UserInfo } from '../../domain/users.ts';
import { readFields, type BodyFields } from '../../http/formOrJson.ts';
import type { Logger } from '../../logger.ts';
import { SecretKeyMissingError } from '../../sync/secrets.ts';
import { sendV0Error, V0Error, v0ErrorOf } from '../v0Errors.ts';

export interface ProvisioningDeps {
  domain: Domain;
  config: Config;
  log: Logger;
}

const USER_FIELDS = ['displayName', 'email', 'locale', 'password'] as const;

export function userJson(u: UserInfo): Record<string, unknown> {
  return {
    username: u.username,
    displayName: u.displayName,
    locale: u.locale,
    attributes: u.email ? [{ name: 'email', values: [u.email] }] : [],
    roles: ['user'],
  };
}

export function synchronizationJson(s: SyncView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: s.id,
    type: s.type,
    username: s.username,
    description: s.description,
    enabled: s.enabled,
    status: s.status,
    lastResync: s.lastResync ? s.lastResync.getTime() : null,
  };
  // Only GET /synchronizations/{id} shows one being unlinked (the lists leave it out at once).
  if (s.unlinkMode) out.unlinkMode = s.unlinkMode;
  return out;
}

function stringField(fields: BodyFields, name: string): string | undefined {
  const v = fields[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new V0Error(400, 'invalid_request', `${name} must be a string`);
  return v;
}

function unlinkModeOf(req: Request, fields: BodyFields, required: boolean): UnlinkMode | undefined {
  const q = req.query.unlinkMode;
  const v = q !== undefined ? q : fields.unlinkMode;
  if (v === undefined || v === '') {
    if (required) throw new V0Error(400, 'invalid_request', `unlinkMode is required: one of ${UNLINK_MODES.join(', ')}`);
    return undefined;
  }
  if (!isUnlinkMode(v)) throw new V0Error(400, 'invalid_request', `unlinkMode must be one of ${UNLINK_MODES.join(', ')}`);
  return v;
}

/** The 422 answers of PUT /synchronizations come from the domain's Invalid errors with these codes. */
const UNPROCESSABLE = new Set(['unknown_type', 'unknown_user']);

function errorOf(e: unknown): V0Error | undefined {
  if (e instanceof SecretKeyMissingError) return new V0Error(503, 'server_misconfigured', e.message);
  if (isDomainError(e) && e.kind === 'Invalid' && UNPROCESSABLE.has(String(e.details.code))) {
    return new V0Error(422, String(e.details.code), e.message);
  }
  return v0ErrorOf(e);
}

export function provisioningRouter(deps: ProvisioningDeps): Router {
  const r = Router();
  const { domain, config } = deps;

  const handle =
    (fn: (req: Request, res: Response, fields: BodyFields) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const check = checkAdminKey(req.get('apitoken') ?? req.get('x-davis-api-token'), config.apiKey);
        if (check === 'disabled') throw new V0Error(503, 'disabled', 'the provisioning API is disabled: set API_KEY');
        if (check === 'missing') throw new V0Error(401, 'invalid_token', 'the admin key is required (apiToken or X-Davis-API-Token header)');
        if (check === 'invalid') throw new V0Error(401, 'invalid_token', 'the admin key is wrong');
        const fields = await readFields(req, config.limits.maxJsonBytes);
        await fn(req, res, fields);
      } catch (e) {
        const err = errorOf(e);
        if (err) {
          if (err.status === 401) {
            res.status(401).json({ error: err.code, error_description: err.message });
            return;
          }
          return sendV0Error(res, err);
        }
        deps.log.error({ err: e, reqId: res.locals.requestId }, 'provisioning API request failed');
        if (!res.headersSent) res.status(500).json({ error: 'server_error', error_description: 'internal error' });
      }
    };

  const param = (req: Request, name: string) => String(req.params[name] ?? '');

  async function requireUser(username: string): Promise<UserInfo> {
    const user = await domain.users.get(username);
    if (!user) throw new V0Error(404, 'not_found', `no user ${username}`);
    return user;
  }

  // --- users ------------------------------------------------------------------------------------

  r.get(
    '/api/v0/users',
    handle(async (_req, res) => {
      res.json({ users: (await domain.users.list()).map((u) => u.username) });
    }),
  );

  r.get(
    '/api/v0/users/:username',
    handle(async (req, res) => {
      res.json(userJson(await requireUser(param(req, 'username'))));
    }),
  );

  r.put(
    '/api/v0/users/:username',
    handle(async (req, res, fields) => {
      const username = param(req, 'username');
      const given: Partial<Record<(typeof USER_FIELDS)[number], string>> = {};
      for (const f of USER_FIELDS) {
        const v = stringField(fields, f);
        if (v !== undefined) given[f] = v;
      }
      const hasBody = Object.keys(given).length > 0;
      const existing = await domain.users.get(username);
      let user: UserInfo;
      let created = false;
      if (!existing) {
        // Without a password the user cannot log in with one until it is set; tokens still work.
        user = await domain.users.create({
          username,
          password: given.password ?? randomBytes(24).toString('base64url'),
          displayName: given.displayName,
          email: given.email,
          locale: given.locale,
        });
        created = true;
      } else {
        user = await domain.users.update(username, { displayName: given.displayName, email: given.email, locale: given.locale, password: given.password });
      }
      if (!hasBody) {
        res.status(204).end();
        return;
      }
      res.status(created ? 201 : 200).json(userJson(user));
    }),
  );

  r.delete(
    '/api/v0/users/:username',
    handle(async (req, res, fields) => {
      const username = param(req, 'username');
      const mode = unlinkModeOf(req, fields, false);
      // The seed: 204 also when the user does not exist.
      if (await domain.users.get(username)) {
        if (mode && mode !== 'UNLINK_ONLY') await domain.synchronizations.removeForUser(username, mode);
        await domain.users.delete(username).catch((e: unknown) => {
          if (!(isDomainError(e) && e.kind === 'NotFound')) throw e;
        });
      }
      res.status(204).end();
    }),
  );

  // --- synchronizations -------------------------------------------------------------------------

  r.get(
    '/api/v0/users/:username/synchronizations',
    handle(async (req, res) => {
      const user = await requireUser(param(req, 'username'));
      res.json({ synchronizations: (await domain.synchronizations.listForUser(user.username)).map(synchronizationJson) });
    }),
  );

  r.delete(
    '/api/v0/users/:username/synchronizations',
    handle(async (req, res, fields) => {
      const mode = unlinkModeOf(req, fields, true) as UnlinkMode;
      const user = await requireUser(param(req, 'username'));
      await domain.synchronizations.removeForUser(user.username, mode);
      res.status(204).end();
    }),
  );

  r.delete(
    '/api/v0/users/:username/synchronizations/:type',
    handle(async (req, res, fields) => {
      const mode = unlinkModeOf(req, fields, true) as UnlinkMode;
      const user = await requireUser(param(req, 'username'));
      const n = await domain.synchronizations.removeForUser(user.username, mode, param(req, 'type'));
      if (n === 0) throw new V0Error(422, 'no_synchronizations', `${user.username} has no synchronizations of type ${param(req, 'type')}`);
      res.status(204).end();
    }),
  );

  r.get(
    '/api/v0/synchronizations',
    handle(async (_req, res) => {
      res.json({ synchronizations: (await domain.synchronizations.listAll()).map(synchronizationJson) });
    }),
  );

  r.put(
    '/api/v0/synchronizations',
    handle(async (_req, res, fields) => {
      const username = stringField(fields, 'username');
      const type = stringField(fields, 'type');
      if (!username) throw new V0Error(400, 'invalid_request', 'username is required');
      if (!type) throw new V0Error(400, 'invalid_request', 'type is required');
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(fields)) {
        if (k === 'username' || k === 'type') continue;
        if (typeof v !== 'string') throw new V0Error(400, 'invalid_request', `${k} must be a string`);
        params[k] = v;
      }
      const sync = await domain.synchronizations.setUp(username, type, params);
      res.status(200).json({ synchronization: synchronizationJson(sync) });
    }),
  );

  r.get(
    '/api/v0/synchronizations/:id',
    handle(async (req, res) => {
      const sync = await domain.synchronizations.get(/^\d{1,10}$/.test(param(req, 'id')) ? Number(param(req, 'id')) : NaN);
      if (!sync) throw new V0Error(404, 'not_found', 'no such synchronization');
      res.json({ synchronization: synchronizationJson(sync) });
    }),
  );

  r.delete(
    '/api/v0/synchronizations/:id',
    handle(async (req, res, fields) => {
      const mode = unlinkModeOf(req, fields, true) as UnlinkMode;
      const id = /^\d{1,10}$/.test(param(req, 'id')) ? Number(param(req, 'id')) : NaN;
      const sync = await domain.synchronizations.get(id);
      if (!sync || sync.unlinkMode !== null) throw new V0Error(404, 'not_found', 'no such synchronization');
      await domain.synchronizations.remove(sync.id, mode);
      res.status(204).end();
    }),
  );

  // Errors Express raises before a handler runs (a malformed percent-encoding in the path).
  r.use(['/api/v0/users', '/api/v0/synchronizations'], (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    res.status(400).json({ error: 'invalid_request', error_description: 'the request path is malformed' });
  });
  return r;
}
