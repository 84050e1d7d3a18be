// /api/v0/users and /api/v0/synchronizations: the provisioning API (MyTimetable-compatible;
// specs/provisioning-v0.md). Admin only: the API_KEY in `apiToken` or `X-Davis-API-Token`.
// Bodies are form-encoded or JSON; DELETE takes `unlinkMode` from the query (or the body).
// Errors are {"error", "error_description"} like the other /api/v0 APIs.
import { randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import { checkAdminKey } from '../../auth/adminKey.ts';
import { isDomainError } from '../../domain/errors.ts';
import { isUnlinkMode, UNLINK_MODES, type SyncView, type UnlinkMode } from '../../domain/synchronizations.ts';
import type { UserInfo } from '../../domain/users.ts';
import type { BodyFields } from '../../http/formOrJson.ts';
import { SecretKeyMissingError } from '../../domain/secrets.ts';
import { V0Error, v0ErrorOf } from '../v0Errors.ts';
import { mountV0, param, type V0Call, type V0Deps, type V0Handler, type V0Route } from '../v0Routes.ts';

export type ProvisioningDeps = V0Deps;

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

/** The admin key, before anything else is read. */
function adminKeyGate(req: Request, deps: V0Deps): void {
  const check = checkAdminKey(req.get('apitoken') ?? req.get('x-davis-api-token'), deps.config.apiKey);
  if (check === 'disabled') throw new V0Error(503, 'disabled', 'the provisioning API is disabled: set API_KEY');
  if (check === 'missing') throw new V0Error(401, 'invalid_token', 'the admin key is required (apiToken or X-Davis-API-Token header)');
  if (check === 'invalid') throw new V0Error(401, 'invalid_token', 'the admin key is wrong');
}

async function requireUser(call: V0Call, username: string): Promise<UserInfo> {
  const user = await call.deps.domain.users.get(username);
  if (!user) throw new V0Error(404, 'not_found', `no user ${username}`);
  return user;
}

/** A synchronization id from the path (NaN when it is not one, which finds nothing). */
const syncId = (call: V0Call) => (/^\d{1,10}$/.test(param(call.req, 'id')) ? Number(param(call.req, 'id')) : NaN);

export const handlers = {
  async listUsers(call: V0Call) {
    call.res.json({ users: (await call.deps.domain.users.list()).map((u) => u.username) });
  },

  async getUser(call: V0Call) {
    call.res.json(userJson(await requireUser(call, param(call.req, 'username'))));
  },

  /** Creates (201, or 204 without a body) or updates (200, or 204) a user. */
  async putUser(call: V0Call) {
    const { domain } = call.deps;
    const username = param(call.req, 'username');
    const given: Partial<Record<(typeof USER_FIELDS)[number], string>> = {};
    for (const f of USER_FIELDS) {
      const v = stringField(call.fields, f);
      if (v !== undefined) given[f] = v;
    }
    const hasBody = Object.keys(given).length > 0;
    const existing = await domain.users.get(username);
    let user: UserInfo;
    if (!existing) {
      // Without a password the user cannot log in with one until it is set; tokens still work.
      user = await domain.users.create({
        username,
        password: given.password ?? randomBytes(24).toString('base64url'),
        displayName: given.displayName,
        email: given.email,
        locale: given.locale,
      });
    } else {
      user = await domain.users.update(username, { displayName: given.displayName, email: given.email, locale: given.locale, password: given.password });
    }
    if (!hasBody) {
      call.res.status(204).end();
      return;
    }
    call.res.status(existing ? 200 : 201).json(userJson(user));
  },

  async deleteUser(call: V0Call) {
    const { domain } = call.deps;
    const username = param(call.req, 'username');
    const mode = unlinkModeOf(call.req, call.fields, false);
    // The seed: 204 also when the user does not exist.
    if (await domain.users.get(username)) {
      if (mode && mode !== 'UNLINK_ONLY') await domain.synchronizations.removeForUser(username, mode);
      await domain.users.delete(username).catch((e: unknown) => {
        if (!(isDomainError(e) && e.kind === 'NotFound')) throw e;
      });
    }
    call.res.status(204).end();
  },

  async listUserSynchronizations(call: V0Call) {
    const user = await requireUser(call, param(call.req, 'username'));
    call.res.json({ synchronizations: (await call.deps.domain.synchronizations.listForUser(user.username)).map(synchronizationJson) });
  },

  async removeUserSynchronizations(call: V0Call) {
    const mode = unlinkModeOf(call.req, call.fields, true) as UnlinkMode;
    const user = await requireUser(call, param(call.req, 'username'));
    await call.deps.domain.synchronizations.removeForUser(user.username, mode);
    call.res.status(204).end();
  },

  async removeUserSynchronizationsOfType(call: V0Call) {
    const mode = unlinkModeOf(call.req, call.fields, true) as UnlinkMode;
    const user = await requireUser(call, param(call.req, 'username'));
    const type = param(call.req, 'type');
    const n = await call.deps.domain.synchronizations.removeForUser(user.username, mode, type);
    if (n === 0) throw new V0Error(422, 'no_synchronizations', `${user.username} has no synchronizations of type ${type}`);
    call.res.status(204).end();
  },

  async listSynchronizations(call: V0Call) {
    call.res.json({ synchronizations: (await call.deps.domain.synchronizations.listAll()).map(synchronizationJson) });
  },

  async setUpSynchronization(call: V0Call) {
    const username = stringField(call.fields, 'username');
    const type = stringField(call.fields, 'type');
    if (!username) throw new V0Error(400, 'invalid_request', 'username is required');
    if (!type) throw new V0Error(400, 'invalid_request', 'type is required');
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.fields)) {
      if (k === 'username' || k === 'type') continue;
      if (typeof v !== 'string') throw new V0Error(400, 'invalid_request', `${k} must be a string`);
      params[k] = v;
    }
    const sync = await call.deps.domain.synchronizations.setUp(username, type, params);
    call.res.status(200).json({ synchronization: synchronizationJson(sync) });
  },

  async getSynchronization(call: V0Call) {
    const sync = await call.deps.domain.synchronizations.get(syncId(call));
    if (!sync) throw new V0Error(404, 'not_found', 'no such synchronization');
    call.res.json({ synchronization: synchronizationJson(sync) });
  },

  async removeSynchronization(call: V0Call) {
    const mode = unlinkModeOf(call.req, call.fields, true) as UnlinkMode;
    const sync = await call.deps.domain.synchronizations.get(syncId(call));
    if (!sync || sync.unlinkMode !== null) throw new V0Error(404, 'not_found', 'no such synchronization');
    await call.deps.domain.synchronizations.remove(sync.id, mode);
    call.res.status(204).end();
  },
} satisfies Record<string, V0Handler>;

export const ROUTES: readonly V0Route[] = [
  ['get', '/api/v0/users', handlers.listUsers],
  ['get', '/api/v0/users/:username', handlers.getUser],
  ['put', '/api/v0/users/:username', handlers.putUser],
  ['delete', '/api/v0/users/:username', handlers.deleteUser],
  ['get', '/api/v0/users/:username/synchronizations', handlers.listUserSynchronizations],
  ['delete', '/api/v0/users/:username/synchronizations', handlers.removeUserSynchronizations],
  ['delete', '/api/v0/users/:username/synchronizations/:type', handlers.removeUserSynchronizationsOfType],
  ['get', '/api/v0/synchronizations', handlers.listSynchronizations],
  ['put', '/api/v0/synchronizations', handlers.setUpSynchronization],
  ['get', '/api/v0/synchronizations/:id', handlers.getSynchronization],
  ['delete', '/api/v0/synchronizations/:id', handlers.removeSynchronization],
];

export function provisioningRouter(deps: ProvisioningDeps): Router {
  return mountV0(
    { name: 'provisioning API', routes: ROUTES, gate: adminKeyGate, errorOf, bearerChallenge: false, paths: ['/api/v0/users', '/api/v0/synchronizations'] },
    deps,
  );
}
