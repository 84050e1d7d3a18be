// The provisioning API over HTTP: every request of the seed (specs/seeds/002) verbatim, form-encoded,
// with the documented answers; users; errors; every answer checked against the OpenAPI document.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/database.ts';
import { OpenApi } from '../helpers/openapi.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';

const doc = new OpenApi(resolve(import.meta.dirname, '../../docs/openapi/provisioning-v0.yaml'), '/api/v0');
const KEY = 'provisioning-admin-key-for-tests';
const SECRET_KEY = 'a'.repeat(64);

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

async function call(server: TestServer, method: string, path: string, opts: { form?: string; json?: object; key?: string | null; header?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? KEY : opts.key;
  if (key !== null) headers[opts.header ?? 'apiToken'] = key;
  let body: string | undefined;
  if (opts.form !== undefined) {
    body = opts.form;
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (opts.json) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
  const parsed = isJson && text ? (JSON.parse(text) as Record<string, unknown>) : {};
  doc.check(method, path, res.status, isJson ? parsed : undefined);
  return { status: res.status, body: parsed, text };
}

const caldavForm = (user: string, extra = '') =>
  `username=${user}&type=caldav&provisioning_url=${encodeURIComponent('http://127.0.0.1:9/dav/calendars/x/default/')}&provisioning_username=x&provisioning_password=target-secret-pw${extra}`;

describe('provisioning API /api/v0', () => {
  let server: TestServer;

  beforeAll(async () => {
    // No worker: these tests look at the API alone (the push engine has its own tests).
    server = await startTestServer({ API_KEY: KEY, SECRET_KEY, SYNC_WORKER: 'false' });
  });
  afterAll(async () => server?.close());
  /** A user of the case's own (the API's PUT without a body), so that cases run in any order. */
  const person = async (name: string) => expect((await call(server, 'PUT', `/api/v0/users/${name}`)).status).toBe(204);
  const syncFor = async (name: string, extra = '') => {
    const res = await call(server, 'PUT', '/api/v0/synchronizations', { form: caldavForm(name, extra) });
    expect(res.status).toBe(200);
    return (res.body.synchronization as { id: number }).id;
  };

  describe('admin key', () => {
    it('refuses a missing or wrong key with 401 JSON and accepts apiToken and X-Davis-API-Token', async () => {
      const none = await call(server, 'GET', '/api/v0/users', { key: null });
      expect(none.status).toBe(401);
      expect(none.body.error).toBe('invalid_token');
      expect((await call(server, 'GET', '/api/v0/users', { key: 'wrong' })).status).toBe(401);
      expect((await call(server, 'GET', '/api/v0/synchronizations', { key: 'wrong' })).status).toBe(401);
      expect((await call(server, 'GET', '/api/v0/users')).status).toBe(200);
      expect((await call(server, 'GET', '/api/v0/users', { header: 'X-Davis-API-Token' })).status).toBe(200);
    });

    it('a user’s password (Basic) does not open the API', async () => {
      const res = await fetch(`${server.url}/api/v0/users`, { headers: { authorization: basic('admin', 'admin-password-for-tests') } });
      expect(res.status).toBe(401);
    });
  });

  describe('users', () => {
    it('PUT without a body creates the user (204), GET shows it, a second PUT changes nothing (204)', async () => {
      expect((await call(server, 'PUT', '/api/v0/users/alice')).status).toBe(204);
      const got = await call(server, 'GET', '/api/v0/users/alice');
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ username: 'alice', displayName: null, locale: null, attributes: [], roles: ['user'] });
      expect((await call(server, 'PUT', '/api/v0/users/alice')).status).toBe(204);
      expect((await call(server, 'GET', '/api/v0/users')).body.users).toContain('alice');
      // Created without a password: no password logs in (the random one is never shown).
      const dav = await fetch(`${server.url}/dav/`, { method: 'PROPFIND', headers: { authorization: basic('alice', ''), depth: '0' } });
      expect(dav.status).toBe(401);
    });

    it('PUT with a body answers 201 when it creates and 200 when it updates, with the user', async () => {
      const created = await call(server, 'PUT', '/api/v0/users/bob', { form: 'displayName=Bob%20B&email=bob@example.org&locale=nl-NL&password=bob-password-1' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        username: 'bob',
        displayName: 'Bob B',
        locale: 'nl-NL',
        attributes: [{ name: 'email', values: ['bob@example.org'] }],
        roles: ['user'],
      });
      const dav = await fetch(`${server.url}/dav/`, { method: 'PROPFIND', headers: { authorization: basic('bob', 'bob-password-1'), depth: '0' } });
      expect(dav.status).toBe(207);
      const updated = await call(server, 'PUT', '/api/v0/users/bob', { json: { displayName: 'Robert', locale: 'en' } });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ displayName: 'Robert', locale: 'en', attributes: [{ name: 'email', values: ['bob@example.org'] }] });
    });

    it('answers 400 to invalid input and changes nothing', async () => {
      expect((await call(server, 'PUT', '/api/v0/users/bea', { form: 'displayName=Robert&email=bea@example.org&password=bea-password-1' })).status).toBe(201);
      expect((await call(server, 'PUT', '/api/v0/users/bea', { form: 'email=not-an-address' })).status).toBe(400);
      expect((await call(server, 'PUT', '/api/v0/users/bea', { form: 'locale=%3Cscript%3E' })).status).toBe(400);
      expect((await call(server, 'PUT', '/api/v0/users/bea', { form: 'password=short' })).status).toBe(400);
      expect((await call(server, 'PUT', '/api/v0/users/bea', { form: 'displayName=Changed&password=short' })).status).toBe(400);
      expect((await call(server, 'PUT', '/api/v0/users/carol', { form: 'password=short' })).status).toBe(400);
      expect((await call(server, 'PUT', '/api/v0/users/bad%20name', { form: 'displayName=x' })).status).toBe(400);
      expect((await call(server, 'PUT', '/api/v0/users/bea', { form: '{"displayName":' })).status).toBe(400);
      expect((await call(server, 'GET', '/api/v0/users/carol')).status).toBe(404);
      expect((await call(server, 'GET', '/api/v0/users/bea')).body).toMatchObject({ displayName: 'Robert', attributes: [{ values: ['bea@example.org'] }] });
      // The password did not change either: the old one still opens CalDAV.
      const dav = await fetch(`${server.url}/dav/`, { method: 'PROPFIND', headers: { authorization: basic('bea', 'bea-password-1'), depth: '0' } });
      expect(dav.status).toBe(207);
    });

    it('GET of an unknown user is 404', async () => {
      const res = await call(server, 'GET', '/api/v0/users/nobody');
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    });
  });

  describe('the seed, verbatim', () => {
    // The seed's requests, each case with a user of its own in place of the seed's alice.

    it('PUT /synchronizations username=alice&type=ews&provisioning_smtpAddress=alice@example.org → 422 (no ews provider here)', async () => {
      await person('ews-alice');
      const res = await call(server, 'PUT', '/api/v0/synchronizations', { form: 'username=ews-alice&type=ews&provisioning_smtpAddress=alice@example.org' });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ error: 'unknown_type', error_description: 'synchronization type is not known' });
      for (const type of ['o365', 'googlecalendar']) {
        expect((await call(server, 'PUT', '/api/v0/synchronizations', { form: `username=ews-alice&type=${type}` })).status).toBe(422);
      }
      expect((await call(server, 'GET', '/api/v0/users/ews-alice/synchronizations')).body.synchronizations).toEqual([]);
    });

    it('PUT /synchronizations for a caldav target answers 200 with the stored synchronization', async () => {
      await person('put-alice');
      const res = await call(server, 'PUT', '/api/v0/synchronizations', { form: caldavForm('put-alice', '&description=Work%20timetable') });
      expect(res.status).toBe(200);
      const sync = res.body.synchronization as Record<string, unknown>;
      expect(sync).toMatchObject({ type: 'caldav', username: 'put-alice', description: 'Work timetable', enabled: true, status: 'PENDING', lastResync: null });
      // The target password is stored encrypted, never in clear.
      const rows = await server.running.db.em().execute<{ settings: unknown }[]>('select settings from synchronizations');
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain('target-secret-pw');
    });

    it('GET /users/alice/synchronizations lists {id, type, username, …}', async () => {
      await person('list-alice');
      const id = await syncFor('list-alice');
      const res = await call(server, 'GET', '/api/v0/users/list-alice/synchronizations');
      expect(res.status).toBe(200);
      expect(res.body.synchronizations).toEqual([expect.objectContaining({ id, type: 'caldav', username: 'list-alice' })]);
    });

    it('GET /synchronizations lists every user’s with {id, username, type}', async () => {
      await person('every-alice');
      await person('every-bob');
      const alices = await syncFor('every-alice');
      const bobs = await syncFor('every-bob');
      const res = await call(server, 'GET', '/api/v0/synchronizations');
      expect(res.body.synchronizations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: alices, username: 'every-alice', type: 'caldav' }),
          expect.objectContaining({ id: bobs, username: 'every-bob', type: 'caldav' }),
        ]),
      );
    });

    it('DELETE /users/alice/synchronizations/ews?unlinkMode=DELETE_ALL_EVENTS → 422 (none of that type)', async () => {
      await person('ews-none');
      await syncFor('ews-none');
      const res = await call(server, 'DELETE', '/api/v0/users/ews-none/synchronizations/ews?unlinkMode=DELETE_ALL_EVENTS');
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('no_synchronizations');
      expect((await call(server, 'GET', '/api/v0/users/ews-none/synchronizations')).body.synchronizations).toHaveLength(1);
    });

    it('DELETE /users/alice/synchronizations/caldav?unlinkMode=UNLINK_ONLY → 204; the list is empty at once', async () => {
      await person('unlink-alice');
      await syncFor('unlink-alice');
      expect((await call(server, 'DELETE', '/api/v0/users/unlink-alice/synchronizations/caldav?unlinkMode=UNLINK_ONLY')).status).toBe(204);
      expect((await call(server, 'GET', '/api/v0/users/unlink-alice/synchronizations')).body.synchronizations).toEqual([]);
      expect((await call(server, 'DELETE', '/api/v0/users/unlink-alice/synchronizations/caldav?unlinkMode=UNLINK_ONLY')).status).toBe(422);
    });

    it('DELETE /users/alice/synchronizations?unlinkMode=DELETE_ALL_EVENTS → 204', async () => {
      await person('all-alice');
      await syncFor('all-alice');
      await syncFor('all-alice');
      expect((await call(server, 'GET', '/api/v0/users/all-alice/synchronizations')).body.synchronizations).toHaveLength(2);
      expect((await call(server, 'DELETE', '/api/v0/users/all-alice/synchronizations?unlinkMode=DELETE_ALL_EVENTS')).status).toBe(204);
      expect((await call(server, 'GET', '/api/v0/users/all-alice/synchronizations')).body.synchronizations).toEqual([]);
    });

    it('DELETE /synchronizations/{id}?unlinkMode=… → 204, then 404; unknown ids 404', async () => {
      await person('id-alice');
      const made = await call(server, 'PUT', '/api/v0/synchronizations', { json: { username: 'id-alice', type: 'caldav', provisioning_url: 'https://cal.example.com/c/', provisioning_token: 'tok' } });
      expect(made.status).toBe(200);
      const id = (made.body.synchronization as { id: number }).id;
      expect((await call(server, 'GET', `/api/v0/synchronizations/${id}`)).status).toBe(200);
      expect((await call(server, 'DELETE', `/api/v0/synchronizations/${id}?unlinkMode=DELETE_FUTURE_EVENTS`)).status).toBe(204);
      expect((await call(server, 'DELETE', `/api/v0/synchronizations/${id}?unlinkMode=DELETE_FUTURE_EVENTS`)).status).toBe(404);
      // Gone from the lists at once; its own URL shows the unlink until the worker has done it.
      expect(((await call(server, 'GET', '/api/v0/synchronizations')).body.synchronizations as { id: number }[]).map((s) => s.id)).not.toContain(id);
      const unlinking = await call(server, 'GET', `/api/v0/synchronizations/${id}`);
      expect(unlinking.body.synchronization).toMatchObject({ id, status: 'PENDING', enabled: false, unlinkMode: 'DELETE_FUTURE_EVENTS' });
      expect((await call(server, 'DELETE', '/api/v0/synchronizations/999999?unlinkMode=CLEANUP')).status).toBe(404);
      expect((await call(server, 'DELETE', '/api/v0/synchronizations/abc?unlinkMode=CLEANUP')).status).toBe(404);
    });

    it('DELETE /users/{username} → 204, also when the user does not exist; the user’s synchronizations go', async () => {
      await call(server, 'PUT', '/api/v0/users/dave');
      await call(server, 'PUT', '/api/v0/synchronizations', { form: caldavForm('dave') });
      expect((await call(server, 'DELETE', '/api/v0/users/dave')).status).toBe(204);
      expect((await call(server, 'GET', '/api/v0/users/dave')).status).toBe(404);
      expect(((await call(server, 'GET', '/api/v0/synchronizations')).body.synchronizations as { username: string }[]).map((s) => s.username)).not.toContain('dave');
      expect((await call(server, 'DELETE', '/api/v0/users/dave')).status).toBe(204);
      expect((await call(server, 'DELETE', '/api/v0/users/never-existed')).status).toBe(204);
    });
  });

  describe('bad input changes nothing', () => {
    it('unlinkMode is required on the synchronization DELETEs and must be known (400)', async () => {
      await person('bud');
      const id = await syncFor('bud');
      const before = (await call(server, 'GET', '/api/v0/synchronizations')).body.synchronizations as { id: number }[];
      for (const path of [`/api/v0/synchronizations/${id}`, '/api/v0/users/bud/synchronizations', '/api/v0/users/bud/synchronizations/caldav']) {
        const missing = await call(server, 'DELETE', path);
        expect(missing.status).toBe(400);
        expect(missing.body.error_description).toContain('unlinkMode');
        expect((await call(server, 'DELETE', `${path}?unlinkMode=EVERYTHING`)).status).toBe(400);
      }
      expect((await call(server, 'DELETE', '/api/v0/users/bud?unlinkMode=EVERYTHING')).status).toBe(400);
      expect((await call(server, 'GET', '/api/v0/users/bud')).status).toBe(200);
      expect((await call(server, 'GET', '/api/v0/synchronizations')).body.synchronizations).toEqual(before);
    });

    it('PUT /synchronizations: 422 for an unknown user, 400 for missing or bad parameters', async () => {
      await person('bart');
      const before = (await call(server, 'GET', '/api/v0/synchronizations')).body.synchronizations;
      const unknownUser = await call(server, 'PUT', '/api/v0/synchronizations', { form: caldavForm('nobody') });
      expect(unknownUser.status).toBe(422);
      expect(unknownUser.body.error).toBe('unknown_user');
      const bad: [string, string][] = [
        ['type=caldav', 'username'],
        ['username=bart', 'type'],
        ['username=bart&type=caldav', 'provisioning_url'],
        ['username=bart&type=caldav&provisioning_url=ftp%3A%2F%2Fx%2F&provisioning_token=t', 'provisioning_url'],
        ['username=bart&type=caldav&provisioning_url=not%20a%20url&provisioning_token=t', 'provisioning_url'],
        ['username=bart&type=caldav&provisioning_url=https%3A%2F%2Fu%3Ap%40x%2Fc%2F&provisioning_token=t', 'provisioning_url'],
        ['username=bart&type=caldav&provisioning_url=https%3A%2F%2Fx%2Fc%2F', 'provisioning_password'],
        ['username=bart&type=caldav&provisioning_url=https%3A%2F%2Fx%2Fc%2F&provisioning_token=t&provisioning_source=nope', 'provisioning_source'],
      ];
      for (const [form, word] of bad) {
        const res = await call(server, 'PUT', '/api/v0/synchronizations', { form });
        expect(res.status, form).toBe(400);
        expect(res.body.error_description, form).toContain(word);
      }
      expect((await call(server, 'PUT', '/api/v0/synchronizations', { form: '{"username": ["bart"], "type": "caldav"}' })).status).toBe(400);
      expect((await call(server, 'GET', '/api/v0/synchronizations')).body.synchronizations).toEqual(before);
    });

    it('a malformed path is 400 JSON, not a 500', async () => {
      const res = await fetch(`${server.url}/api/v0/users/%E0%A4%A`, { headers: { apiToken: KEY } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    });
  });
});

describe('provisioning API without API_KEY', () => {
  it('answers 503: the API is disabled', async () => {
    const server = await startTestServer({ SYNC_WORKER: 'false' });
    try {
      const res = await call(server, 'GET', '/api/v0/users', { key: 'anything' });
      expect(res.status).toBe(503);
    } finally {
      await server.close();
    }
  });
});

describe('the key that encrypts target credentials', () => {
  it.runIf(testEngine() === 'postgres')('with PostgreSQL and no SECRET_KEY, setting up a synchronization is refused with a clear error (503)', async () => {
    const server = await startTestServer({ API_KEY: KEY, SYNC_WORKER: 'false' });
    try {
      await call(server, 'PUT', '/api/v0/users/alice');
      const res = await call(server, 'PUT', '/api/v0/synchronizations', { form: caldavForm('alice') });
      expect(res.status).toBe(503);
      expect(res.body.error_description).toContain('SECRET_KEY');
      expect((await call(server, 'GET', '/api/v0/synchronizations')).body.synchronizations).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it.runIf(testEngine() === 'pglite')('with the embedded database and no SECRET_KEY, a key is generated once into DATA_DIR (mode 0600) and kept', async () => {
    const server = await startTestServer({ API_KEY: KEY, SYNC_WORKER: 'false' });
    try {
      const file = join(server.config.dataDir, 'secret.key');
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
      await call(server, 'PUT', '/api/v0/users/alice');
      expect((await call(server, 'PUT', '/api/v0/synchronizations', { form: caldavForm('alice') })).status).toBe(200);
      const before = readFileSync(file, 'utf8');
      // The same key after a restart: the stored credentials still open.
      await server.running.close();
      const { startServer } = await import('../../src/boot/server.ts');
      const { createLogger } = await import('../../src/logger.ts');
      const again = await startServer(server.config, createLogger('silent'));
      try {
        expect(readFileSync(file, 'utf8')).toBe(before);
        const [sync] = await again.domain.synchronizations.listAll();
        const work = await again.domain.synchronizations.work(sync!.id);
        expect(work?.secrets).toEqual({ password: 'target-secret-pw' });
      } finally {
        await again.close();
      }
    } finally {
      await server.database.drop();
    }
  });
});
