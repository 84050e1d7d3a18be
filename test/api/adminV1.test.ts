import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { OpenApi } from '../helpers/openapi.ts';

const KEY = 'a3f1c0de9b8e4f7a6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';
const openapi = new OpenApi(resolve(import.meta.dirname, '../../docs/openapi/admin-v1.yaml'), '/api/v1');

interface Answer {
  status: number;
  json: Record<string, unknown> & { data?: unknown; message?: string };
  raw: string;
}

describe('admin API /api/v1 (Davis-compatible)', () => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-01-23T14:01:33Z'));
  let jdoeId = 0;

  async function api(method: string, path: string, opts: { body?: string | object; token?: string | null; check?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (opts.token !== null) headers['x-davis-api-token'] = opts.token ?? KEY;
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const raw = await res.text();
    const json = JSON.parse(raw) as Answer['json'];
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    if (opts.check !== false) openapi.check(method, path, res.status, json);
    return { status: res.status, json, raw };
  }

  beforeAll(async () => {
    server = await startTestServer({ API_KEY: KEY, APP_TIMEZONE: 'Europe/Berlin' }, { clock });
    jdoeId = (await server.domain.users.create({ username: 'jdoe', password: 'jdoe-password', email: 'jdoe@example.org', displayName: 'John Doe' })).id;
    await server.domain.users.create({ username: 'adoe', password: 'adoe-password', email: 'adoe@example.org', displayName: 'Aiden Doe' });
    // Holds the seed's URI already, for the "existing URI" case.
    await server.domain.users.create({ username: 'kdoe', password: 'kdoe-password' });
    await server.domain.calendars.createFor('principals/kdoe', { uri: 'work-calendar', displayname: 'Work Calendar', description: null, components: ['VEVENT'], color: null, isPublic: false });
  });
  afterAll(async () => {
    await server.close();
  });

  /**
   * An owner with the seed's "Work Calendar" and a sharee, new for each case, so that cases that
   * share, edit and delete run in any order.
   */
  let peopleSeq = 0;
  async function people(): Promise<{ owner: string; ownerId: number; sharee: string }> {
    const n = ++peopleSeq;
    const owner = `owner${n}`;
    const sharee = `sharee${n}`;
    const ownerId = (await server.domain.users.create({ username: owner, password: `${owner}-password`, email: `${owner}@example.org`, displayName: 'John Doe' })).id;
    await server.domain.users.create({ username: sharee, password: `${sharee}-password`, email: `${sharee}@example.org`, displayName: 'Aiden Doe' });
    await server.domain.calendars.createFor(`principals/${owner}`, {
      uri: 'work-calendar',
      displayname: 'Work Calendar',
      description: 'Calendar for work events',
      components: ['VEVENT', 'VTODO'],
      color: null,
      isPublic: false,
    });
    return { owner, ownerId, sharee };
  }

  describe('the seed: POST /api/v1/calendars/:user_id/create', () => {
    const SEED_BODY = `{
	"name": "Work Calendar",
	"uri": "work-calendar",
	"description": "Calendar for work events",
	"events_support": "true",
	"notes_support": "false",
	"tasks_support": "true"
}`;

    it('creates the calendar of the body example (200, calendar_id and calendar_uri, +01:00 timestamp)', async () => {
      const res = await api('POST', '/api/v1/calendars/jdoe/create', { body: SEED_BODY });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'success', data: { calendar_id: expect.any(Number), calendar_uri: 'work-calendar' }, timestamp: '2026-01-23T15:01:33+01:00' });
      const view = await server.domain.calendars.get('principals/jdoe', 'work-calendar');
      expect(view).toMatchObject({ displayname: 'Work Calendar', description: 'Calendar for work events', components: ['VEVENT', 'VTODO'] });
    });

    it.each([
      [null, 'No API token provided'],
      ['wrong-token', 'Invalid API token'],
      ['', 'Invalid API token'],
    ])('answers token %j with 401 and "%s"', async (token, message) => {
      const res = await api('POST', '/api/v1/calendars/jdoe/create', { body: SEED_BODY, token });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ status: 'error', message, timestamp: '2026-01-23T15:01:33+01:00' });
    });

    it.each([
      ['an unknown user', '/api/v1/calendars/nobody/create', SEED_BODY, 404, 'User Not Found'],
      ['invalid JSON', '/api/v1/calendars/jdoe/create', '{"name": "x",', 400, 'Invalid JSON'],
      ['an empty body', '/api/v1/calendars/jdoe/create', '', 400, 'Invalid JSON'],
      ['an invalid name', '/api/v1/calendars/jdoe/create', { name: 'Work, Calendar!', uri: 'w2' }, 400, 'Invalid Calendar Name'],
      ['a name over 64 characters', '/api/v1/calendars/jdoe/create', { name: 'x'.repeat(65), uri: 'w2' }, 400, 'Invalid Calendar Name'],
      ['a name with a trailing newline', '/api/v1/calendars/jdoe/create', { name: 'Work\n', uri: 'w2' }, 400, 'Invalid Calendar Name'],
      ['a missing name', '/api/v1/calendars/jdoe/create', { uri: 'w2' }, 400, 'Invalid Calendar Name'],
      ['an invalid URI', '/api/v1/calendars/jdoe/create', { name: 'Work', uri: 'Work Calendar' }, 400, 'Invalid Calendar URI'],
      ['an existing URI', '/api/v1/calendars/kdoe/create', SEED_BODY, 400, 'Calendar URI Already Exists'],
      ['an invalid description', '/api/v1/calendars/jdoe/create', { name: 'Work', uri: 'w2', description: 'Work; events!' }, 400, 'Invalid Calendar Description'],
      [
        'every component disabled',
        '/api/v1/calendars/jdoe/create',
        { name: 'Work', uri: 'w2', events_support: 'false', notes_support: false, tasks_support: 'no' },
        400,
        'At least one calendar component must be enabled (events, notes, or tasks)',
      ],
    ])('answers %s with the documented error', async (_n, path, body, status, message) => {
      const res = await api('POST', path, { body });
      expect(res.status).toBe(status);
      expect(res.json).toEqual({ status: 'error', message, timestamp: expect.stringMatching(/\+01:00$/) });
    });

    it('accepts names with spaces and dots, "0" as a name, numeric ids for :user_id and JSON booleans', async () => {
      const a = await api('POST', `/api/v1/calendars/${jdoeId}/create`, { body: { name: 'Team 2.0 plan', uri: 'team', tasks_support: true, events_support: false } });
      expect(a.status).toBe(200);
      expect((await server.domain.calendars.get('principals/jdoe', 'team'))!.components).toEqual(['VTODO']);
      expect((await api('POST', '/api/v1/calendars/jdoe/create', { body: { name: '0', uri: 'zero' } })).status).toBe(200);
    });
  });

  describe('routes', () => {
    it('GET /health needs no token', async () => {
      const res = await api('GET', '/api/v1/health', { token: null });
      expect(res.json).toEqual({ status: 'OK', timestamp: '2026-01-23T15:01:33+01:00' });
    });

    it('routes before authenticating: an unknown path 404, a wrong method 405, a non-numeric calendar id 404', async () => {
      expect((await api('GET', '/api/v1/nothing', { token: null, check: false })).status).toBe(404);
      expect((await api('DELETE', '/api/v1/users', { token: null, check: false })).status).toBe(405);
      expect((await api('GET', '/api/v1/calendars/jdoe/abc/def', { token: null, check: false })).status).toBe(404);
    });

    it('GET /users lists users; GET /users/:user_id by id or name; 404 for unknown', async () => {
      const list = await api('GET', '/api/v1/users');
      expect(list.json.data).toEqual(
        expect.arrayContaining([{ user_id: jdoeId, principal_id: expect.any(Number), uri: 'principals/jdoe', username: 'jdoe' }]),
      );
      for (const id of [String(jdoeId), 'jdoe']) {
        const one = await api('GET', `/api/v1/users/${id}`);
        expect(one.json.data).toEqual({ user_id: jdoeId, principal_id: expect.any(Number), uri: 'principals/jdoe', username: 'jdoe', displayname: 'John Doe', email: 'jdoe@example.org' });
      }
      expect((await api('GET', '/api/v1/users/99999')).json).toMatchObject({ status: 'error', message: 'User Not Found' });
    });

    it('GET /calendars/:user_id lists own, shared and subscribed calendars with counts (null when disabled)', async () => {
      const { owner, ownerId, sharee } = await people();
      const res = await api('GET', `/api/v1/calendars/${owner}`);
      const data = res.json.data as { user_calendars: Record<string, unknown>[]; shared_calendars: unknown[]; subscriptions: unknown[] };
      expect(data.user_calendars).toContainEqual({ id: expect.any(Number), uri: 'work-calendar', displayname: 'Work Calendar', events: 0, notes: null, tasks: 0 });
      expect(data.shared_calendars).toEqual([]);
      expect(data.subscriptions).toEqual([]);
    });

    it('GET /calendars/:user_id/:calendar_id gives details with counts, or data [] when not the user’s own', async () => {
      const { owner, ownerId, sharee } = await people();
      const work = await server.domain.calendars.get(`principals/${owner}`, 'work-calendar');
      await server.domain.objects.put(
        { userId: jdoeId, username: owner, principaluri: `principals/${owner}` },
        work!,
        'e.ics',
        'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
      );
      const res = await api('GET', `/api/v1/calendars/${owner}/${work!.instanceId}`);
      expect(res.json.data).toEqual({
        id: work!.instanceId,
        uri: 'work-calendar',
        displayname: 'Work Calendar',
        description: 'Calendar for work events',
        events: { enabled: true, count: 1 },
        notes: { enabled: false, count: 0 },
        tasks: { enabled: true, count: 0 },
        color: null,
        public: false,
      });
      const adoeDefault = await server.domain.calendars.get(`principals/${sharee}`, 'default');
      expect((await api('GET', `/api/v1/calendars/${owner}/${adoeDefault!.instanceId}`)).json.data).toEqual([]);
      expect((await api('GET', `/api/v1/calendars/${owner}/987654`)).json.data).toEqual([]);
    });

    it('PUT and PATCH /calendars/:user_id/:calendar_id replace name, description and components; checks in Davis order', async () => {
      const { owner, ownerId, sharee } = await people();
      const work = (await server.domain.calendars.get(`principals/${owner}`, 'work-calendar'))!;
      const path = `/api/v1/calendars/${owner}/${work.instanceId}`;
      expect((await api('PUT', `/api/v1/calendars/${owner}/987654`, { body: '{bad' })).json.message).toBe('Invalid Calendar ID');
      expect((await api('PUT', path, { body: '{bad' })).json.message).toBe('Invalid JSON');
      expect((await api('PATCH', path, { body: { description: 'only' } })).json.message).toBe('Invalid Calendar Name');
      expect((await api('PUT', path, { body: { name: 'Work', description: 'bad!' } })).json.message).toBe('Invalid Calendar Description');
      expect((await api('PUT', path, { body: { name: 'Work', events_support: false } })).json.message).toBe(
        'At least one calendar component must be enabled (events, notes, or tasks)',
      );
      expect((await api('PUT', path, { body: { name: 'Work', color: 'blue' } })).json.message).toBe('Invalid Calendar Color');
      const ok = await api('PATCH', path, { body: { name: 'Work Renamed', notes_support: 'true', color: '#336699' } });
      expect(ok.json).toEqual({ status: 'success', timestamp: expect.any(String) });
      const after = (await server.domain.calendars.get(`principals/${owner}`, 'work-calendar'))!;
      // Not partial: events default to on, tasks (not given) to off.
      expect(after).toMatchObject({ displayname: 'Work Renamed', description: '', components: ['VEVENT', 'VJOURNAL'], color: '#336699' });
    });

    it('shares: add (upsert), list, remove (idempotent), with every documented error', async () => {
      const { owner, ownerId, sharee } = await people();
      const work = (await server.domain.calendars.get(`principals/${owner}`, 'work-calendar'))!;
      const base = `/api/v1/calendars/${owner}/share/${work.instanceId}`;
      expect((await api('POST', `/api/v1/calendars/${owner}/share/987654/add`, { body: {} })).json.message).toBe('Invalid Calendar ID and User ID');
      expect((await api('POST', `${base}/add`, { body: 'nope' })).json.message).toBe('Invalid JSON');
      for (const body of [{ username: sharee }, { username: sharee, write_access: 'yes' }, { username: 12, write_access: true }, { username: null, write_access: true }, { username: [sharee], write_access: true }, { username: owner, write_access: true }, { username: 'a b', write_access: true }]) {
        const res = await api('POST', `${base}/add`, { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.message).toBe('Invalid Sharee ID/Write Access Value');
      }
      expect((await api('POST', `${base}/add`, { body: { username: 'ghost', write_access: true } })).json).toMatchObject({ message: 'Calendar Instance/User Not Found' });
      expect((await api('POST', `${base}/add`, { body: { username: sharee, write_access: 'false' } })).status).toBe(200);
      let shares = await api('GET', `/api/v1/calendars/${owner}/shares/${work.instanceId}`);
      expect(shares.json.data).toEqual([{ username: sharee, user_id: expect.any(Number), principal_id: expect.any(Number), displayname: 'Aiden Doe', email: `${sharee}@example.org`, write_access: false }]);
      expect((await api('POST', `${base}/add`, { body: { username: sharee, write_access: true } })).status).toBe(200);
      shares = await api('GET', `/api/v1/calendars/${owner}/shares/${work.instanceId}`);
      expect((shares.json.data as { write_access: boolean }[])[0]!.write_access).toBe(true);
      // The sharee sees it, and cannot share it on.
      const adoeList = (await api('GET', `/api/v1/calendars/${sharee}`)).json.data as { shared_calendars: { id: number; displayname: string }[] };
      expect(adoeList.shared_calendars).toEqual([expect.objectContaining({ displayname: 'Work Calendar' })]);
      const shareeInstance = adoeList.shared_calendars[0]!.id;
      expect((await api('POST', `/api/v1/calendars/${sharee}/share/${shareeInstance}/add`, { body: { username: owner, write_access: true } })).json.message).toBe('Invalid Calendar ID and User ID');
      expect((await api('GET', `/api/v1/calendars/${owner}/shares/987654`)).json.message).toBe('Invalid Calendar ID/Username');
      expect((await api('POST', `/api/v1/calendars/${owner}/share/987654/remove`, { body: {} })).json.message).toBe('Invalid Calendar ID');
      expect((await api('POST', `${base}/remove`, { body: '[' })).json.message).toBe('Invalid JSON');
      expect((await api('POST', `${base}/remove`, { body: { username: 5 } })).json.message).toBe('Invalid Username');
      expect((await api('POST', `${base}/remove`, { body: { username: 'ghost' } })).json.message).toBe('Calendar Instance/User Not Found');
      expect((await api('POST', `${base}/remove`, { body: { username: sharee } })).status).toBe(200);
      expect((await api('POST', `${base}/remove`, { body: { username: sharee } })).status).toBe(200);
      expect((await api('GET', `/api/v1/calendars/${owner}/shares/${work.instanceId}`)).json.data).toEqual([]);
    });

    it('DELETE on a sharee’s instance removes only the share; on the owner’s, the calendar and its shares', async () => {
      const { owner, ownerId, sharee } = await people();
      const work = (await server.domain.calendars.get(`principals/${owner}`, 'work-calendar'))!;
      await api('POST', `/api/v1/calendars/${owner}/share/${work.instanceId}/add`, { body: { username: sharee, write_access: true } });
      const shared = ((await api('GET', `/api/v1/calendars/${sharee}`)).json.data as { shared_calendars: { id: number }[] }).shared_calendars[0]!;
      expect((await api('DELETE', `/api/v1/calendars/${sharee}/${shared.id}`)).status).toBe(200);
      expect(await server.domain.calendars.get(`principals/${owner}`, 'work-calendar')).not.toBeNull();
      await api('POST', `/api/v1/calendars/${owner}/share/${work.instanceId}/add`, { body: { username: sharee, write_access: true } });
      expect((await api('DELETE', `/api/v1/calendars/${owner}/987654`)).json.message).toBe('Invalid Instance Not Found');
      expect((await api('DELETE', `/api/v1/calendars/${owner}/${work.instanceId}`)).status).toBe(200);
      expect(await server.domain.calendars.get(`principals/${owner}`, 'work-calendar')).toBeNull();
      expect(((await api('GET', `/api/v1/calendars/${sharee}`)).json.data as { shared_calendars: unknown[] }).shared_calendars).toEqual([]);
    });

    it('user management extension: create, update, delete', async () => {
      const created = await api('POST', '/api/v1/users', { body: { username: 'newbie', password: 'newbie-password', displayname: 'New Bie', email: 'newbie@example.org' } });
      expect(created.json.data).toMatchObject({ username: 'newbie', uri: 'principals/newbie', displayname: 'New Bie' });
      expect((await api('POST', '/api/v1/users', { body: { username: 'newbie', password: 'newbie-password' } })).json.message).toBe('User Already Exists');
      expect((await api('POST', '/api/v1/users', { body: { username: 'x y', password: 'long-enough' } })).json.message).toBe('Invalid Username');
      expect((await api('POST', '/api/v1/users', { body: { username: 'shorty', password: 'abc' } })).json.message).toBe('Invalid Password');
      expect((await api('POST', '/api/v1/users', { body: { username: 5, password: 'abc' } })).json.message).toBe('Invalid Username');
      const cals = (await api('GET', '/api/v1/calendars/newbie')).json.data as { user_calendars: { uri: string; events: number }[] };
      // The default calendar, and the birthday calendar every user gets (issue #28).
      expect(cals.user_calendars).toEqual([expect.objectContaining({ uri: 'default', events: 0, notes: 0, tasks: 0 }), expect.objectContaining({ uri: 'birthdays', events: 0 })]);
      expect((await api('PATCH', '/api/v1/users/newbie', { body: { email: 'bad' } })).json.message).toBe('Invalid Email');
      expect((await api('PATCH', '/api/v1/users/newbie', { body: { displayname: 'Renamed', password: 'another-password' } })).status).toBe(200);
      expect((await api('GET', '/api/v1/users/newbie')).json.data).toMatchObject({ displayname: 'Renamed' });
      expect((await api('DELETE', '/api/v1/users/newbie')).status).toBe(200);
      expect((await api('GET', '/api/v1/users/newbie')).status).toBe(404);
    });

    it('token extension: create for a user (secret once), list, revoke', async () => {
      const created = await api('POST', '/api/v1/users/jdoe/tokens', { body: { name: 'deploy', capabilities: ['calendars:notify', 'dav'], expires_at: '2027-01-01T00:00:00Z', tags: ['CI'] } });
      expect(created.status).toBe(200);
      const data = created.json.data as { token: string; mom_id: string };
      expect(data.token).toMatch(/^calendula_/);
      const listed = await api('GET', '/api/v1/users/jdoe/tokens');
      expect(listed.json.data).toEqual([expect.objectContaining({ mom_id: data.mom_id, name: 'deploy', tags: ['CI'] })]);
      expect(listed.raw).not.toContain(data.token.slice(10));
      expect((await api('POST', '/api/v1/users/jdoe/tokens', { body: { name: 'x', capabilities: [] } })).status).toBe(400);
      expect((await api('DELETE', `/api/v1/users/jdoe/tokens/${encodeURIComponent(data.mom_id)}`)).status).toBe(200);
      expect((await api('DELETE', `/api/v1/users/jdoe/tokens/${encodeURIComponent(data.mom_id)}`)).json.message).toBe('Token Not Found');
    });

    it('answers malformed bodies and ids with a 4xx in the Davis error envelope, creating nothing', async () => {
      const before = (await api('GET', '/api/v1/calendars/jdoe')).json.data;
      const bodies = ['null', '42', '"string"', '[]', '{"name": {"$gt": ""}}', '\u0000', '{"name":"x","uri":"y","description":["a"]}'];
      for (const b of bodies) {
        for (const path of ['/api/v1/calendars/jdoe/create', '/api/v1/users', '/api/v1/calendars/jdoe/share/1/add']) {
          const res = await api('POST', path, { body: b, check: false });
          expect(res.status, `${path} ${b}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${path} ${b}`).toBeLessThan(500);
          expect(res.json, `${path} ${b}`).toEqual({ status: 'error', message: expect.any(String), timestamp: expect.any(String) });
        }
      }
      for (const path of ['/api/v1/users/%E0%A4%A', '/api/v1/calendars/99999999999999999999/1']) {
        const res = await api('GET', path, { check: false });
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        expect(res.status, path).toBeLessThan(500);
      }
      // An id past any calendar is "not the user's own": data [], as Davis answers.
      expect((await api('GET', '/api/v1/calendars/jdoe/99999999999999999999', { check: false })).json).toMatchObject({ status: 'success', data: [] });
      expect((await api('GET', '/api/v1/calendars/jdoe')).json.data).toEqual(before);
    });

    it('escapes JSON as Symfony does (slashes and non-ASCII)', async () => {
      await server.domain.users.create({ username: 'jurgen', password: 'jurgen-password', displayName: 'Jürgen / Doe' });
      const res = await api('GET', '/api/v1/users/jurgen');
      expect(res.raw).toContain('"displayname":"J\\u00FCrgen \\/ Doe"');
      expect(res.raw).toContain('"uri":"principals\\/jurgen"');
    });
  });
});

describe('admin API disabled (empty API_KEY)', () => {
  it('answers 503 "API endpoint is disabled." except /health', async () => {
    const server = await startTestServer({ API_KEY: '' });
    try {
      const res = await fetch(`${server.url}/api/v1/users`, { headers: { 'x-davis-api-token': 'anything' } });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'error', message: 'API endpoint is disabled.' });
      expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
