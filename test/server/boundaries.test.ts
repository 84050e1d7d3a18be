// Input checked before the database sees it: characters PostgreSQL refuses, lengths of what goes
// into indexed columns, domain errors with a status of their own, and requests Node's parser
// handles itself. Each answered in the face's own error shape, never 500, changing nothing.
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMultistatus, D } from '../helpers/dav.ts';
import { basic } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';

const API_KEY = 'b0a7'.repeat(16);

/** A raw request line and headers; the whole answer as text (or '' when the server closed without one). */
function raw(url: string, lines: string[]): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

describe('boundaries: what the database cannot hold never reaches it', () => {
  const server = useTestServer({ env: { API_KEY, MAX_OBJECT_BYTES: '2048', MAX_OBJECTS_PER_CALENDAR: '3' } });
  const alice = server.user('alice', { email: 'alice@example.com' });
  let token = '';

  beforeAll(async () => {
    const res = await fetch(`${server.url}/api/v0/tokens`, {
      method: 'POST',
      headers: { authorization: basic('alice', 'alice-password'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'events', capabilities: ['events', 'tokens'], expires_at: null }),
    });
    token = ((await res.json()) as { token: string }).token;
  });

  const events = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}/api/v2/calendars/events${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-language': 'de' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const event = (over: Record<string, unknown> = {}) => ({ caption: 'Standup', startDate: '2026-12-07T09:00:00Z', endDate: '2026-12-07T09:15:00Z', ...over });

  it('refuses U+0000 in an events API caption or description with a localized 400 problem, and stores nothing', async () => {
    const count = async () => (await events('GET', '')).headers.get('x-total-count');
    const before = await count();
    for (const body of [event({ caption: 'a\u0000b' }), event({ description: '\u0000' }), event({ recipients: ['x\u0000@example.com'] })]) {
      const res = await events('POST', '', body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { detail: string }).detail).toContain('U+0000');
    }
    expect(await count()).toBe(before);
  });

  it('answers an events API object over MAX_OBJECT_BYTES with 413 and a calendar at its object limit with 403, not 500', async () => {
    const big = await events('POST', '', event({ description: 'x'.repeat(3000) }));
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    for (let i = 0; i < 3; i++) expect((await events('POST', '', event({ caption: `e${i}` }))).status).toBe(201);
    const full = await events('POST', '', event({ caption: 'one too many' }));
    expect(full.status).toBe(403);
    expect(((await full.json()) as { detail: string }).detail).toMatch(/at most 3 objects/);
  });

  it('refuses U+0000 in a token name with the tokens API error shape', async () => {
    const res = await fetch(`${server.url}/api/v0/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad\u0000name', capabilities: ['events'], expires_at: null }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.any(String) });
  });

  it('refuses U+0000 in PROPPATCH and MKCALENDAR display names with 400, changing nothing', async () => {
    const set = (name: string) =>
      `<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>${name}</d:displayname></d:prop></d:set></d:propertyupdate>`;
    expect((await alice.request('PROPPATCH', '/dav/calendars/alice/default/', { body: set('a&#0;b') })).status).toBe(400);
    expect((await alice.request('PROPPATCH', '/dav/calendars/alice/default/', { body: set('a\u0000b') })).status).toBe(400);
    const mk = `<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>x&#0;</d:displayname></d:prop></d:set></c:mkcalendar>`;
    expect((await alice.request('MKCALENDAR', '/dav/calendars/alice/nul/', { body: mk })).status).toBe(400);
    expect((await alice.propfind('/dav/calendars/alice/nul/', '<d:displayname/>')).status).toBe(404);
    const name = parseMultistatus((await alice.propfind('/dav/calendars/alice/default/', '<d:displayname/>')).text).members.get('/dav/calendars/alice/default/');
    expect(name?.props.get(D('displayname'))?.el.text).not.toContain('\u0000');
  });

  it('answers Basic usernames no user can have (NUL, hundreds of characters) with 401 before any lookup fails', async () => {
    for (const name of ['a\u0000b', 'x'.repeat(500), '\u0000'.repeat(300)]) {
      const res = await fetch(`${server.url}/dav/`, { method: 'PROPFIND', headers: { authorization: basic(name, 'whatever'), depth: '0' } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('maps domain errors of the admin API calendar delete to their status (racing deletes: one 200, the rest 4xx)', async () => {
    const created = await fetch(`${server.url}/api/v1/calendars/alice/create`, {
      method: 'POST',
      headers: { 'x-davis-api-token': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Doomed', uri: 'doomed', description: '', events_support: true }),
    });
    expect(created.status).toBe(200);
    const id = ((await created.json()) as { data: { calendar_id: number } }).data.calendar_id;
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${server.url}/api/v1/calendars/alice/${id}`, { method: 'DELETE', headers: { 'x-davis-api-token': API_KEY } }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || (s >= 400 && s < 500))).toBe(true);
  });

  it('answers CONNECT with 405 and methods Node does not know with 501, instead of closing the connection', async () => {
    expect(await raw(server.url, ['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443'])).toMatch(/^HTTP\/1\.1 405 /);
    expect(await raw(server.url, ['BREW /dav/ HTTP/1.1', 'Host: x'])).toMatch(/^HTTP\/1\.1 501 /);
    expect(await raw(server.url, ['GET /health HTTP/1.1', 'Host: x', `X-Big: ${'y'.repeat(20_000)}`])).toMatch(/^HTTP\/1\.1 431 /);
    // And the server still serves.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
