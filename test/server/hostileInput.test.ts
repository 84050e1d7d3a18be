// The hostile-input suite: generated malformed and extreme iCalendar, XML, JSON, headers and URLs
// against a live server (each engine), checking that every request gets an answer below 500, that
// /health keeps answering between batches, and that nothing refused leaves a trace in the data.
// A bounded count runs here (HOSTILE_RUNS, 1,200 by default, seed HOSTILE_SEED); scripts/hostile.ts
// runs long ones with random seeds.
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileRequest, type HostileRequest } from '../helpers/hostile.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 1200);
const SEED = Number(process.env.HOSTILE_SEED ?? 20261204);
const API_KEY = 'f00dcafe'.repeat(8);

interface Answer {
  status: number;
  body: string;
}

/** Sends the request exactly as generated; rejects when the connection drops or nothing comes back. */
function send(base: string, r: HostileRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = httpRequest({ host: u.hostname, port: u.port, method: r.method, path: r.path, headers: r.headers, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d.length < 2000 ? d : d.slice(0, 2000)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (e) => reject(new Error(`${r.kind} ${r.method} ${r.path.slice(0, 120)} ${JSON.stringify(r.headers).slice(0, 300)}: ${e.message}`)));
    req.end(r.body);
  });
}

describe('hostile input against a live server', () => {
  let server: TestServer;
  let bearer = '';
  const web = { cookie: '', csrf: '' };

  /** What a refused request must not change (login-failure counters are allowed to count). */
  async function fingerprint(): Promise<string> {
    const rows = await server.running.db.em().execute<Record<string, unknown>[]>(
      `select (select count(*) from calendarobjects) as objects, (select coalesce(sum(synctoken), 0) from calendars) as tokens,
              (select count(*) from calendarchanges) as changes, (select count(*) from calendarinstances) as instances,
              (select count(*) from propertystorage) as props, (select count(*) from users) as users, (select count(*) from principals) as principals,
              (select count(*) from api_tokens) as api_tokens, (select count(*) from tags) as tags, (select count(*) from calendar_feeds) as feeds,
              (select count(*) from synchronizations) as syncs, (select count(*) from jobs) as jobs,
              (select coalesce(string_agg(md5(coalesce(displayname, '') || coalesce(description, '') || coalesce(calendarcolor, '') || coalesce(timezone, '')), ',' order by id), '') from calendarinstances) as looks`,
    );
    return JSON.stringify(rows[0]);
  }

  beforeAll(async () => {
    server = await startTestServer({ API_KEY, AUTH_MAX_DELAY_MS: '0', AUTH_LOCK_FAILURES: '1000000', COMPUTE_DEADLINE_MS: '300' });
    const alice = await server.domain.users.create({ username: 'alice', password: 'alice-password', email: 'alice@example.com' });
    const res = await fetch(`${server.url}/api/v0/tokens`, {
      method: 'POST',
      headers: { authorization: basic('alice', 'alice-password'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'hostile', capabilities: ['events', 'dav', 'tokens', 'calendars:notify'], expires_at: null }),
    });
    expect(res.status).toBe(201);
    bearer = `Bearer ${((await res.json()) as { token: string }).token}`;
    expect(alice.username).toBe('alice');
    // A web UI session for alice, signed in as a browser would.
    web.cookie = await webSignIn(server.url, 'alice', 'alice-password');
    web.csrf = await webCsrf(server.url, web.cookie);
  });
  afterAll(async () => {
    await server.close();
  });

  it(`answers ${RUNS} generated requests below 500, keeps /health answering, and refusals leave no trace`, { timeout: 900_000 }, async () => {
    let sent = 0;
    let before = await fingerprint();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileRequest({ basic: basic('alice', 'alice-password'), bearer, apiKey: API_KEY, web }), async (r) => {
        const answer = await send(server.url, r);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const what = `${r.kind} ${r.method} ${r.path.slice(0, 120)} (body ${String(r.body ?? '').slice(0, 200)})`;
        expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBeLessThan(500);
        expect(answer.status).toBeGreaterThanOrEqual(100);
        if (r.writes) {
          const after = await fingerprint();
          if (answer.status >= 400) expect(after, `${what} was refused (${answer.status}) but changed the data`).toBe(before);
          before = after;
        }
        if (++sent % 50 === 0) expect((await fetch(`${server.url}/health`)).status).toBe(200);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(sent).toBe(RUNS);
    // Most cases must be refusals, or the generators test nothing but the happy path.
    const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
    expect(refused).toBeGreaterThan(RUNS / 2);
  });
});
