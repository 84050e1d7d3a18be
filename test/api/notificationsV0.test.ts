import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { tagColor } from '../../src/domain/tags.ts';
import { basic } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { OpenApi } from '../helpers/openapi.ts';
import { Dav, parseMultistatus, syncCollection } from '../helpers/dav.ts';

const notifications = new OpenApi(resolve(import.meta.dirname, '../../docs/openapi/notifications-v0.yaml'), '/api/v0/notifications');
const tokensDoc = new OpenApi(resolve(import.meta.dirname, '../../docs/openapi/tokens-v0.yaml'), '/api/v0');
const PUBLIC = 'https://mytoken.example.com';
const DAY = 86400_000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('API tokens and the calendar feeds API', () => {
  const clock = new ManualClock(new Date('2026-01-01T12:00:00Z'));
  const server = useTestServer({ env: { PUBLIC_URL: PUBLIC }, start: { clock } });
  server.user('mia');
  server.user('otto');
  let full = '';
  let readOnly = '';
  let eventsOnly = '';
  let other = '';

  async function call(method: string, path: string, opts: { json?: object; form?: string; token?: string; auth?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (opts.json) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    if (opts.form !== undefined) {
      body = opts.form;
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.auth) headers.authorization = opts.auth;
    const res = await fetch(`${server.url}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
    const parsed = isJson && text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const doc = path.startsWith('/api/v0/notifications') ? notifications : tokensDoc;
    doc.check(method, path, res.status, isJson ? parsed : undefined);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  const newToken = async (user: string, password: string, spec: Record<string, unknown>) => {
    const res = await call('POST', '/api/v0/tokens', { json: spec, auth: basic(user, password) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { secret: res.body.token as string, momId: res.body.mom_id as string };
  };
  const in30days = () => new Date(clock.now().getTime() + 30 * DAY).toISOString();

  beforeAll(async () => {
    full = (await newToken('mia', 'mia-password', { name: 'admin', capabilities: ['calendars:notify', 'tokens', 'dav'], expires_at: null })).secret;
    readOnly = (await newToken('mia', 'mia-password', { name: 'reader', capabilities: ['read@calendars:notify'], expires_at: in30days() })).secret;
    eventsOnly = (await newToken('mia', 'mia-password', { name: 'events', capabilities: ['events'], expires_at: in30days() })).secret;
    other = (await newToken('otto', 'otto-password', { name: 'otto', capabilities: ['calendars:notify'], expires_at: null })).secret;
  });

  describe('the seed, request by request', () => {
    // Each case builds the state it checks through the same API calls the seed makes, on a feed of its own.
    const createFeed = async (description = 'CI/CD pipeline tokens', tags = ['CI', 'production']) => {
      const res = await call('POST', '/api/v0/notifications/calendars', { json: { mytoken: full, description, tags } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    /** A token that expires in 100 days, as the seed's "CI deploy". */
    const victimToken = async () => {
      const expires = new Date(clock.now().getTime() + 100 * DAY);
      return { ...(await newToken('mia', 'mia-password', { name: 'CI deploy', capabilities: ['read@events'], expires_at: expires.toISOString() })), expires };
    };
    /**
     * The seed's feed after its PUT and token POST: the updated description, a tag of its own (so
     * that tokens other cases tag stay out of it), and the victim token with its comment.
     */
    let feeds = 0;
    const seededFeed = async () => {
      const tag = `critical-${++feeds}`;
      const id = await createFeed();
      const put = await call('PUT', `/api/v0/notifications/calendars/${id}`, { json: { mytoken: full, description: 'Updated description for CI tokens', tags: ['CI', 'production', tag] } });
      expect(put.status).toBe(200);
      const victim = await victimToken();
      const added = await call('POST', `/api/v0/notifications/calendars/${id}`, {
        form: `mytoken=${encodeURIComponent(full)}&mom_id=${encodeURIComponent(victim.momId)}&comment=${encodeURIComponent('Rotate before the release')}`,
      });
      expect(added.status).toBe(200);
      return { id, tag, victim };
    };

    it('GET /calendars lists (nothing yet)', async () => {
      await server.domain.users.create({ username: 'nina', password: 'nina-password' });
      const nina = (await newToken('nina', 'nina-password', { name: 'admin', capabilities: ['calendars:notify'], expires_at: null })).secret;
      const res = await call('GET', '/api/v0/notifications/calendars', { token: nina });
      expect(res).toMatchObject({ status: 200, body: { calendars: [] } });
    });

    it('POST /calendars with the JSON example creates a calendar (201) with an absolute ics_path and coloured tags', async () => {
      const res = await call('POST', '/api/v0/notifications/calendars', { json: { mytoken: full, description: 'CI/CD pipeline tokens', tags: ['CI', 'production'] } });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      expect(id).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(res.body).toEqual({
        id,
        ics_path: `${PUBLIC}/calendars/${id}`,
        description: 'CI/CD pipeline tokens',
        tags: [
          { tag: 'CI', color: tagColor('CI') },
          { tag: 'production', color: tagColor('production') },
        ],
      });
      expect(tagColor('CI')).toBe('#958df7'); // crc32("CI") = 958df70d
    });

    it('POST /calendars form-encoded works too', async () => {
      const res = await call('POST', '/api/v0/notifications/calendars', { form: `mytoken=${encodeURIComponent(full)}&description=Development%20tokens` });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), ics_path: `${PUBLIC}/calendars/${res.body.id}`, description: 'Development tokens' });
    });

    it('GET /calendars/{id} redirects (302) to the ics_path', async () => {
      const id = await createFeed();
      const res = await call('GET', `/api/v0/notifications/calendars/${id}`, { token: readOnly });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${PUBLIC}/calendars/${id}`);
    });

    it('PUT /calendars/{id} replaces the description and the whole tag set', async () => {
      const id = await createFeed();
      const res = await call('PUT', `/api/v0/notifications/calendars/${id}`, {
        json: { mytoken: full, description: 'Updated description for CI tokens', tags: ['CI', 'production', 'critical'] },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, description: 'Updated description for CI tokens' });
      expect((res.body.tags as { tag: string }[]).map((t) => t.tag).sort()).toEqual(['CI', 'critical', 'production']);
      const none = await call('PUT', `/api/v0/notifications/calendars/${id}`, { json: { mytoken: full } });
      expect(none).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    });

    it('POST /calendars/{id} adds a token (mom_id) and lists it in subscribed_tokens', async () => {
      const id = await createFeed();
      const victim = await victimToken();
      const res = await call('POST', `/api/v0/notifications/calendars/${id}`, { json: { mytoken: full, mom_id: victim.momId } });
      expect(res.status).toBe(200);
      expect(res.body.subscribed_tokens).toEqual([victim.momId]);
      const form = await call('POST', `/api/v0/notifications/calendars/${id}`, {
        form: `mytoken=${encodeURIComponent(full)}&mom_id=${encodeURIComponent(victim.momId)}&comment=${encodeURIComponent('Rotate before the release')}`,
      });
      expect(form.status).toBe(200);
      expect(form.body.subscribed_tokens).toEqual([victim.momId]);
    });

    it('POST and DELETE /calendars/{id}/tags answer 204 (idempotent); an empty tag is 400', async () => {
      const id = await createFeed();
      expect((await call('POST', `/api/v0/notifications/calendars/${id}/tags`, { json: { mytoken: full, tag: 'critical' } })).status).toBe(204);
      expect((await call('DELETE', `/api/v0/notifications/calendars/${id}/tags`, { json: { mytoken: full, tag: 'obsolete-tag' } })).status).toBe(204);
      const empty = await call('POST', `/api/v0/notifications/calendars/${id}/tags`, { json: { mytoken: full, tag: '' } });
      expect(empty).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'tag must not be empty' } });
    });

    it('DELETE /calendars/{id} with a Bearer token answers 204; the feed is gone', async () => {
      const created = await call('POST', '/api/v0/notifications/calendars', { json: { mytoken: full, description: 'temporary' } });
      const tid = created.body.id as string;
      expect((await call('DELETE', `/api/v0/notifications/calendars/${tid}`, { token: full })).status).toBe(204);
      expect((await fetch(`${server.url}/calendars/${tid}`)).status).toBe(404);
      expect((await call('DELETE', `/api/v0/notifications/calendars/${tid}`, { token: full })).status).toBe(404);
    });

    describe('the feed', () => {
      it('is valid iCalendar with one event per token: DTSTART in UTC, no DTEND, DISPLAY alarms with DESCRIPTION', async () => {
        const { id, victim } = await seededFeed();
        const res = await fetch(`${server.url}/calendars/${id}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.ics"/);
        const text = await res.text();
        expect(text).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n');
        expect(text).toContain('X-PUBLISHED-TTL:PT1H\r\n');
        expect(text).toContain('X-WR-CALDESC:Updated description for CI tokens\r\n');
        const root = new ICAL.Component(ICAL.parse(text) as never);
        const events = root.getAllSubcomponents('vevent');
        expect(events).toHaveLength(1);
        const ev = events[0]!;
        expect(ev.getFirstPropertyValue('uid')).toBe(victim.momId);
        expect(ev.getFirstPropertyValue('summary')).toBe("Token 'CI deploy' expires");
        expect(ev.getFirstPropertyValue('dtstart')!.toString()).toBe(victim.expires.toISOString().replace('.000', ''));
        expect(ev.hasProperty('dtend')).toBe(false);
        expect(ev.getFirstPropertyValue('description')).toContain('Rotate before the release');
        const triggers = ev.getAllSubcomponents('valarm').map((a) => a.getFirstProperty('trigger')!.toICALString().slice(8));
        expect(triggers).toEqual(['-P30D', '-P14D', '-P7D', '-P3D', '-P1D', 'PT0S']);
        for (const a of ev.getAllSubcomponents('valarm')) {
          expect(a.getFirstPropertyValue('action')).toBe('DISPLAY');
          expect(a.getFirstPropertyValue('description')).toBeTruthy();
        }
      });

      it.runIf(existsSync('/usr/lib/python3/dist-packages/icalendar/__init__.py'))(
        'parses with Debian python3-icalendar too (skipped without the package; .ci/run installs it)',
        async () => {
          const script = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
out = []
for ev in cal.walk('VEVENT'):
    out.append({'uid': str(ev['UID']), 'dtend': 'DTEND' in ev, 'alarms': [(str(a['ACTION']), str(a['DESCRIPTION']) != '', a['TRIGGER'].dt.total_seconds()) for a in ev.walk('VALARM')]})
print(json.dumps(out))`;
          const { id } = await seededFeed();
          const text = await (await fetch(`${server.url}/calendars/${id}`)).text();
          const child = execFile('/usr/bin/python3', ['-c', script]);
          child.stdin!.end(text);
          let out = '';
          child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          await new Promise((r) => child.on('exit', r));
          const parsed = JSON.parse(out) as { uid: string; dtend: boolean; alarms: [string, boolean, number][] }[];
          expect(parsed).toHaveLength(1);
          expect(parsed[0]!.dtend).toBe(false);
          expect(parsed[0]!.alarms.map((a) => a[2] / 86400)).toEqual([-30, -14, -7, -3, -1, 0]);
          expect(parsed[0]!.alarms.every((a) => a[0] === 'DISPLAY' && a[1])).toBe(true);
        },
      );

      it('answers If-None-Match with 304, HEAD without a body, and 404 for an unknown id', async () => {
        const { id } = await seededFeed();
        const first = await fetch(`${server.url}/calendars/${id}`);
        const etag = first.headers.get('etag')!;
        expect(etag).toMatch(/^"[0-9a-f]+"$/);
        expect((await fetch(`${server.url}/calendars/${id}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
        const head = await fetch(`${server.url}/calendars/${id}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(await head.text()).toBe('');
        expect((await fetch(`${server.url}/calendars/${'x'.repeat(32)}`)).status).toBe(404);
        expect((await fetch(`${server.url}/calendars/short`)).status).toBe(404);
      });

      it('re-adding a token updates its one event; a tag brings tokens in and takes them out', async () => {
        const { id, tag, victim } = await seededFeed();
        await call('POST', `/api/v0/notifications/calendars/${id}`, { json: { mytoken: full, mom_id: victim.momId, comment: 'New comment' } });
        const tagged = await newToken('mia', 'mia-password', { name: 'nightly', capabilities: ['read@events'], expires_at: in30days(), tags: [tag] });
        let text = await (await fetch(`${server.url}/calendars/${id}`)).text();
        let root = new ICAL.Component(ICAL.parse(text) as never);
        expect(root.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('uid')).sort()).toEqual([tagged.momId, victim.momId].sort());
        expect(text).toContain('New comment');
        await call('DELETE', `/api/v0/notifications/calendars/${id}/tags`, { json: { mytoken: full, tag } });
        text = await (await fetch(`${server.url}/calendars/${id}`)).text();
        root = new ICAL.Component(ICAL.parse(text) as never);
        expect(root.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('uid'))).toEqual([victim.momId]);
        // A 30-day token: half its life has passed at day 15, so only alarms from 14 days before remain.
        await call('POST', `/api/v0/notifications/calendars/${id}/tags`, { json: { mytoken: full, tag } });
        text = await (await fetch(`${server.url}/calendars/${id}`)).text();
        root = new ICAL.Component(ICAL.parse(text) as never);
        const nightly = root.getAllSubcomponents('vevent').find((e) => e.getFirstPropertyValue('uid') === tagged.momId)!;
        expect(nightly.getAllSubcomponents('valarm').map((a) => a.getFirstProperty('trigger')!.toICALString().slice(8))).toEqual(['-P14D', '-P7D', '-P3D', '-P1D', 'PT0S']);
      });

      it('refuses a non-expiring token added directly; a non-expiring tagged token does not break the feed', async () => {
        const { id, tag } = await seededFeed();
        const forever = await newToken('mia', 'mia-password', { name: 'forever', capabilities: ['read@events'], expires_at: null, tags: [tag] });
        const res = await call('POST', `/api/v0/notifications/calendars/${id}`, { json: { mytoken: full, mom_id: forever.momId } });
        expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'cannot create an expiration event for non-expiring tokens' } });
        const feed = await fetch(`${server.url}/calendars/${id}`);
        expect(feed.status).toBe(200);
        expect(await feed.text()).not.toContain('forever');
      });

      it('CalDAV clients see the expiry events in the calendar (one write path, the sync token moves)', async () => {
        const { id, tag, victim } = await seededFeed();
        await newToken('mia', 'mia-password', { name: 'tagged', capabilities: ['read@events'], expires_at: in30days(), tags: [tag] });
        const feedCal = (await server.domain.feeds.calendarOf(id))!;
        const dav = new Dav(server.url, 'mia', full); // a token holding `dav` is an app password
        const path = `/dav/calendars/mia/${feedCal.uri}/`;
        const list = parseMultistatus((await dav.propfind(path, '<d:getetag/>', '1')).text);
        expect([...list.members.keys()].filter((h) => h.includes('token-'))).toHaveLength(2);
        const token = parseMultistatus((await dav.report(path, syncCollection(''))).text).syncToken!;
        await call('POST', `/api/v0/notifications/calendars/${id}`, { json: { mytoken: full, mom_id: victim.momId, comment: 'changed again' } });
        const changes = parseMultistatus((await dav.report(path, syncCollection(token))).text);
        expect(changes.members.size).toBe(1);
      });

      it('revoked tokens leave the feed at once; expired ones when the scheduled sweep runs', async () => {
        const { id, tag, victim } = await seededFeed();
        const short = await newToken('mia', 'mia-password', { name: 'short', capabilities: ['read@events'], expires_at: new Date(clock.now().getTime() + 2 * DAY).toISOString(), tags: [tag] });
        const uids = async () =>
          new ICAL.Component(ICAL.parse(await (await fetch(`${server.url}/calendars/${id}`)).text()) as never).getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('uid') as string);
        expect(await uids()).toContain(short.momId);
        clock.advance(3 * DAY);
        expect(await server.domain.feeds.sweep()).toBeGreaterThan(0);
        expect(await uids()).not.toContain(short.momId);
        expect((await call('DELETE', `/api/v0/tokens/${encodeURIComponent(victim.momId)}`, { token: full })).status).toBe(204);
        expect(await uids()).not.toContain(victim.momId);
      });
    });
  });

  describe('capabilities', () => {
    let id = '';
    beforeAll(async () => {
      id = (await call('POST', '/api/v0/notifications/calendars', { json: { mytoken: full, description: 'matrix' } })).body.id as string;
    });

    it('a read-only token lists and gets but cannot change', async () => {
      expect((await call('GET', '/api/v0/notifications/calendars', { token: readOnly })).status).toBe(200);
      expect((await call('GET', `/api/v0/notifications/calendars/${id}`, { token: readOnly })).status).toBe(302);
      for (const [method, path, json] of [
        ['POST', '/api/v0/notifications/calendars', { description: 'x' }],
        ['PUT', `/api/v0/notifications/calendars/${id}`, { description: 'x' }],
        ['POST', `/api/v0/notifications/calendars/${id}/tags`, { tag: 'x' }],
        ['DELETE', `/api/v0/notifications/calendars/${id}`, undefined],
      ] as const) {
        const res = await call(method, path, { token: readOnly, json });
        expect(res, `${method} ${path}`).toMatchObject({ status: 403, body: { error: 'insufficient_capabilities' } });
      }
    });

    it('the token is found in the body first, then Bearer, then the cookie', async () => {
      const cookie = await fetch(`${server.url}/api/v0/notifications/calendars`, { headers: { cookie: `session=x; mytoken=${encodeURIComponent(readOnly)}` } });
      expect(cookie.status).toBe(200);
      const bodyWins = await call('POST', '/api/v0/notifications/calendars', { json: { mytoken: readOnly, description: 'x' }, token: full });
      expect(bodyWins.status).toBe(403);
    });

    it('no token is 401 invalid_token; a token without the capability is 403; another user’s calendar is 404', async () => {
      expect(await call('GET', '/api/v0/notifications/calendars')).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect(await call('GET', '/api/v0/notifications/calendars', { token: 'calendula_0123' })).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect(await call('GET', '/api/v0/notifications/calendars', { token: eventsOnly })).toMatchObject({ status: 403, body: { error: 'insufficient_capabilities' } });
      expect(await call('GET', `/api/v0/notifications/calendars/${id}`, { token: other })).toMatchObject({ status: 404, body: { error: 'not_found' } });
      expect(await call('DELETE', `/api/v0/notifications/calendars/${id}`, { token: other })).toMatchObject({ status: 404 });
      expect((await call('GET', '/api/v0/notifications/calendars', { token: other })).body).toEqual({ calendars: [] });
    });

    it('revoked and expired tokens are refused', async () => {
      const soon = await newToken('mia', 'mia-password', { name: 'soon', capabilities: ['read@calendars:notify'], expires_at: new Date(clock.now().getTime() + DAY).toISOString() });
      expect((await call('GET', '/api/v0/notifications/calendars', { token: soon.secret })).status).toBe(200);
      clock.advance(2 * DAY);
      expect((await call('GET', '/api/v0/notifications/calendars', { token: soon.secret })).status).toBe(401);
      const gone = await newToken('mia', 'mia-password', { name: 'gone', capabilities: ['read@calendars:notify'], expires_at: null });
      await call('DELETE', `/api/v0/tokens/${encodeURIComponent(gone.momId)}`, { auth: basic('mia', 'mia-password') });
      expect((await call('GET', '/api/v0/notifications/calendars', { token: gone.secret })).status).toBe(401);
    });

    it('malformed bodies are 400, never 500', async () => {
      for (const form of ['{"mytoken":', '[1,2]', '{"description": 5}', '{"tags": "[1,2]"}', '{"tags": {"a":1}}']) {
        const res = await fetch(`${server.url}/api/v0/notifications/calendars`, { method: 'POST', headers: { authorization: `Bearer ${full}`, 'content-type': 'application/json' }, body: form });
        expect(res.status, form).toBe(400);
        expect(await res.json()).toMatchObject({ error: 'invalid_request' });
      }
    });
  });

  describe('/api/v0/tokens', () => {
    it('creates with the password or a token holding `tokens`, lists without secrets, and revokes', async () => {
      const list = await call('GET', '/api/v0/tokens', { auth: basic('mia', 'mia-password') });
      const tokens = list.body.tokens as Record<string, unknown>[];
      // The three made before the cases; how many others cases have made depends on their order.
      expect(tokens.map((t) => t.name)).toEqual(expect.arrayContaining(['admin', 'reader', 'events']));
      expect(tokens.map((t) => t.name)).not.toContain('otto');
      expect(JSON.stringify(tokens)).not.toContain('calendula_');
      const viaToken = await call('POST', '/api/v0/tokens', { token: full, json: { name: 'child', capabilities: ['read@calendars:notify'], expires_at: null } });
      expect(viaToken.status).toBe(201);
      const denied = await call('POST', '/api/v0/tokens', { token: full, json: { name: 'greedy', capabilities: ['events'], expires_at: null } });
      expect(denied).toMatchObject({ status: 403, body: { error: 'insufficient_capabilities' } });
      expect(await call('POST', '/api/v0/tokens', { token: readOnly, json: { name: 'x', capabilities: ['read@calendars:notify'] } })).toMatchObject({ status: 403 });
      expect(await call('POST', '/api/v0/tokens', { auth: basic('mia', 'wrong') , json: { name: 'x', capabilities: ['dav'] } })).toMatchObject({ status: 401 });
      for (const bad of [{ name: '', capabilities: ['dav'] }, { name: 'x', capabilities: [] }, { name: 'x', capabilities: ['Not A Cap'] }, { name: 'x', capabilities: ['dav'], expires_at: 'tomorrow' }, { name: 'x', capabilities: ['dav'], expires_at: '2000-01-01T00:00:00Z' }]) {
        expect((await call('POST', '/api/v0/tokens', { auth: basic('mia', 'mia-password'), json: bad })).status, JSON.stringify(bad)).toBe(400);
      }
      const momId = viaToken.body.mom_id as string;
      expect((await call('DELETE', `/api/v0/tokens/${encodeURIComponent(momId)}`, { token: full })).status).toBe(204);
      expect((await call('DELETE', `/api/v0/tokens/${encodeURIComponent(momId)}`, { token: full })).status).toBe(404);
    });

    it('mom_id is base64(SHA-512(token id)) and the secret is never stored', async () => {
      const t = await newToken('mia', 'mia-password', { name: 'hash-check', capabilities: ['dav'], expires_at: null });
      expect(Buffer.from(t.momId, 'base64')).toHaveLength(64);
      const rows = await server.running.db.em().execute<{ secret_hash: string }[]>('select secret_hash from api_tokens where mom_id = ?', [t.momId]);
      expect(rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]!.secret_hash).not.toContain(t.secret.slice(-43));
    });

    it('a token holding `dav` is an app password for CalDAV; one without is not', async () => {
      const dav = new Dav(server.url, 'mia', full);
      expect((await dav.propfind('/dav/calendars/mia/', '<d:displayname/>')).status).toBe(207);
      const notDav = new Dav(server.url, 'mia', readOnly);
      expect((await notDav.propfind('/dav/calendars/mia/', '<d:displayname/>')).status).toBe(401);
      const wrongUser = new Dav(server.url, 'otto', full);
      expect((await wrongUser.propfind('/dav/calendars/otto/', '<d:displayname/>')).status).toBe(401);
    });
  });
});
