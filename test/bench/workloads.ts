// The benchmark workloads, spoken over HTTP as CalDAV clients speak them. Each returns figures and
// checks what it can (a calendar-query's answer against the generator's, a sync's changes).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { changed, expectedIn, MONTH, utcStamp, type BenchObject } from './generate.ts';
import { BENCH_PASSWORD, type Server } from './servers.ts';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function http(server: Server, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const u = new URL(path, server.base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname + u.search,
        headers: { ...(server.auth ? { authorization: server.auth } : {}), ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/** Median time of `runs` runs after one warm-up; throws when an answer is wrong. */
export async function latency(runs: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(fn)).ms);
  return median(times);
}

export function expectStatus(what: string, a: Answer, ...ok: number[]): void {
  if (!ok.includes(a.status)) throw new Error(`${what}: ${a.status} ${a.body.slice(0, 300)}`);
}

export const XML = { 'content-type': 'application/xml; charset=utf-8' };

/** Hrefs of a multistatus, with or without the 404s. Enough for these answers; not a general parser. */
export function hrefsOf(body: string): string[] {
  return [...body.matchAll(/<(?:[A-Za-z0-9]+:)?href>([^<]*)<\/(?:[A-Za-z0-9]+:)?href>/g)].map((m) => decodeURIComponent(m[1] as string));
}

export function nameOf(href: string): string {
  return href.slice(href.lastIndexOf('/') + 1);
}

export interface BulkResult {
  done: number;
  seconds: number;
  perSecond: number;
  finished: boolean;
}

/** PUT every object with `clients` concurrent clients, until done or the budget runs out. */
export async function bulkPut(server: Server, objects: BenchObject[], clients: number, budgetMs: number, onProgress?: (n: number) => void): Promise<BulkResult> {
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + budgetMs;
  const worker = async () => {
    while (next < objects.length && performance.now() < deadline) {
      const o = objects[next++] as BenchObject;
      const a = await http(server, 'PUT', `${server.calendar}${o.name}`, { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' }, o.ics);
      expectStatus(`PUT ${o.name}`, a, 201, 204);
      done++;
      if (onProgress && done % 1000 === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { done, seconds, perSecond: done / seconds, finished: done === objects.length };
}

export async function propfindDepth1(server: Server, expected: number): Promise<number> {
  const body = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>';
  return latency(5, async () => {
    const a = await http(server, 'PROPFIND', server.calendar, { ...XML, depth: '1' }, body);
    expectStatus('PROPFIND', a, 207);
    const n = hrefsOf(a.body).length - 1;
    if (n !== expected) throw new Error(`PROPFIND Depth 1 listed ${n} objects, not ${expected}`);
  });
}

/**
 * calendar-query for one month: the ETags of what falls in it, or with `expand` (RFC 4791 §9.6.5)
 * every object's instances in that month as calendar-data, which walks each series' recurrence set.
 */
export async function monthQuery(server: Server, objects: BenchObject[], expand = false): Promise<{ ms: number; matched: number }> {
  const want = expectedIn(objects, MONTH);
  const range = `start="${utcStamp(MONTH.start)}" end="${utcStamp(MONTH.end)}"`;
  const prop = expand ? `<d:getetag/><c:calendar-data><c:expand ${range}/></c:calendar-data>` : '<d:getetag/>';
  const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>${prop}</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range ${range}/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
  const ms = await latency(5, async () => {
    const a = await http(server, 'REPORT', server.calendar, { ...XML, depth: '1' }, body);
    expectStatus('calendar-query', a, 207);
    const got = new Set(hrefsOf(a.body).map(nameOf).filter((x) => x !== ''));
    const missing = [...want].filter((x) => !got.has(x));
    const extra = [...got].filter((x) => !want.has(x));
    if (missing.length || extra.length) {
      throw new Error(`calendar-query for the month: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} extra (${extra.slice(0, 3).join(', ')})`);
    }
  });
  return { ms, matched: want.size };
}

export async function multiget(server: Server, objects: BenchObject[]): Promise<number> {
  const step = Math.max(1, Math.floor(objects.length / 100));
  const picked = objects.filter((_, i) => i % step === 0).slice(0, 100);
  const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${picked
    .map((o) => `<d:href>${server.calendar}${o.name}</d:href>`)
    .join('')}</c:calendar-multiget>`;
  return latency(10, async () => {
    const a = await http(server, 'REPORT', server.calendar, { ...XML, depth: '1' }, body);
    expectStatus('multiget', a, 207);
    const n = (a.body.match(/BEGIN:VCALENDAR/g) ?? []).length;
    if (n !== picked.length) throw new Error(`multiget returned ${n} calendars, not ${picked.length}`);
  });
}

function syncBody(token: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
}

export function tokenOf(body: string): string {
  const m = /<(?:[A-Za-z0-9]+:)?sync-token>([^<]+)</.exec(body);
  if (!m) throw new Error('no sync-token in the answer');
  return m[1] as string;
}

export async function syncCollection(server: Server, objects: BenchObject[]): Promise<{ initialMs: number; changesMs: number }> {
  let token = '';
  const initialMs = await latency(3, async () => {
    const a = await http(server, 'REPORT', server.calendar, XML, syncBody(''));
    expectStatus('sync-collection', a, 207);
    token = tokenOf(a.body);
  });
  const changedNames = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const o = objects[Math.floor(((i + 0.5) * objects.length) / 10)] as BenchObject;
    changedNames.add(o.name);
    const a = await http(server, 'PUT', `${server.calendar}${o.name}`, { 'content-type': 'text/calendar; charset=utf-8' }, changed(o, 1));
    expectStatus('PUT change', a, 201, 204);
  }
  const changesMs = await latency(5, async () => {
    const a = await http(server, 'REPORT', server.calendar, XML, syncBody(token));
    expectStatus('sync-collection after changes', a, 207);
    const got = new Set(hrefsOf(a.body).map(nameOf).filter((x) => x !== ''));
    if (got.size !== changedNames.size || [...changedNames].some((n) => !got.has(n))) {
      throw new Error(`sync-collection after 10 changes reported ${got.size} objects`);
    }
  });
  return { initialMs, changesMs };
}

/**
 * GET of the whole calendar as ICS: median of 3 after a first answer, which is checked (untimed):
 * every object's UID and every object's summary, unfolded, as written; from Calendula also every
 * line within 75 octets.
 */
export async function exportIcs(server: Server, objects: BenchObject[]): Promise<{ ms: number; bytes: number } | null> {
  const first = await http(server, 'GET', server.calendar);
  if (first.status !== 200 || !first.body.includes('BEGIN:VCALENDAR')) return null;
  const unfolded = first.body.replace(/\r?\n[ \t]/g, '');
  const summaries = new Set([...unfolded.matchAll(/\nSUMMARY(?:;[^:\r\n]*)?:([^\r\n]*)/g)].map((m) => m[1]));
  const uids = new Set([...unfolded.matchAll(/\nUID:([^\r\n]*)/g)].map((m) => m[1]));
  for (const o of objects) {
    const summary = /\r\nSUMMARY:([^\r\n]*)/.exec(o.ics.replace(/\r\n[ \t]/g, ''))?.[1];
    if (!uids.has(o.uid)) throw new Error(`the ICS export lacks ${o.uid}`);
    // The sync-collection workload changed ten summaries before.
    if (summary !== undefined && !summaries.has(summary) && !summaries.has(`${summary} (changed 1)`)) throw new Error(`the ICS export lacks the summary of ${o.name}: ${summary}`);
  }
  if (server.kind === 'calendula') {
    const long = first.body.split('\r\n').find((l) => Buffer.byteLength(l) > 75);
    if (long !== undefined) throw new Error(`the ICS export has a line of ${Buffer.byteLength(long)} octets: ${long.slice(0, 80)}`);
  }
  const ms = await latency(3, async () => {
    const a = await http(server, 'GET', server.calendar);
    expectStatus('GET calendar', a, 200);
    const n = (a.body.match(/\r?\nUID:/g) ?? []).length;
    if (n < objects.length) throw new Error(`the ICS export holds ${n} UIDs, fewer than ${objects.length} objects`);
  });
  return { ms, bytes: Buffer.byteLength(first.body) };
}

export interface MixedResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `seconds` of 80% GET of single objects and 20% PROPFIND Depth 0, from `clients` connections. */
export async function mixedLoad(server: Server, objects: BenchObject[], seconds: number, clients = 16): Promise<MixedResult> {
  const lat: number[] = [];
  let errors = 0;
  let i = 0;
  const propBody = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>';
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() < end) {
      const n = i++;
      const o = objects[(n * 7919) % objects.length] as BenchObject;
      const path = `${server.calendar}${o.name}`;
      const t = performance.now();
      const a = n % 5 === 4 ? await http(server, 'PROPFIND', path, { ...XML, depth: '0' }, propBody) : await http(server, 'GET', path);
      lat.push(performance.now() - t);
      if (a.status !== 200 && a.status !== 207) errors++;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  return { requests: lat.length, perSecond: lat.length / elapsed, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

/** Calendula's events API: a filtered list, and a page deep in the list. */
export async function eventsApi(server: Server, objects: BenchObject[]): Promise<{ filteredMs: number; deepOffsetMs: number; inMonth: number }> {
  const made = await http(server, 'POST', '/api/v0/tokens', { 'content-type': 'application/json' }, JSON.stringify({ name: 'bench', capabilities: ['read@events'] }));
  expectStatus('token', made, 201);
  const token = (JSON.parse(made.body) as { token: string }).token;
  const bearer = { authorization: `Bearer ${token}` };
  const start = encodeURIComponent(new Date(MONTH.start).toISOString());
  const end = encodeURIComponent(new Date(MONTH.end).toISOString());
  const filteredMs = await latency(5, async () => {
    const a = await http(server, 'GET', `/api/v2/calendars/events?limit=50&offset=0&sort_by=startTime&sort_order=asc&filter[startDate]=${start}&filter[endDate]=${end}&filter[name]=review`, bearer);
    expectStatus('events list', a, 200);
    JSON.parse(a.body);
  });
  const total = await http(server, 'GET', `/api/v2/calendars/events?limit=1&filter[startDate]=${start}&filter[endDate]=${end}`, bearer);
  // Not checked against the generator: the events API filters recurring series by their span
  // (docs/api/events-v2.md), where CalDAV looks at each instance.
  const inMonth = Number(total.headers['x-total-count']);
  const events = objects.filter((o) => o.kind === 'VEVENT').length;
  const offset = Math.max(0, events - 60);
  const deepOffsetMs = await latency(5, async () => {
    const a = await http(server, 'GET', `/api/v2/calendars/events?limit=50&offset=${offset}&sort_by=startTime&sort_order=asc`, bearer);
    expectStatus('events deep page', a, 200);
    const list = JSON.parse(a.body) as unknown[];
    if (list.length !== Math.min(50, events - offset)) throw new Error(`the deep page has ${list.length} events`);
  });
  return { filteredMs, deepOffsetMs, inMonth };
}

/**
 * The server's event-loop delay since the last call, from its /metrics (prom-client resets the
 * histogram at each scrape): p99 and max, in ms.
 */
export async function loopDelay(server: Server): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('nodejs_eventloop_lag_p99_seconds'), max: read('nodejs_eventloop_lag_max_seconds') };
}

/** Civil day (YYYY-MM-DD) of a UTC instant in ms. */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** The Monday (UTC) on or before a UTC instant in ms, at midnight. */
function mondayOf(ms: number): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
}

/** How many event instances overlap [start, end) (ms). */
function instancesIn(objects: BenchObject[], start: number, end: number): number {
  let n = 0;
  for (const o of objects) for (const [s, e] of o.instances) if (s < end && e > start) n++;
  return n;
}

/**
 * The busiest month and week of the generated calendar (most event instances, read in UTC, the
 * bench user's zone): what the web views are asked for. The month's grid is the six weeks from the
 * Monday on or before its first day, as the month view shows it.
 */
export function busiestWindows(objects: BenchObject[]): { month: string; monthGrid: { start: number; end: number }; monthInstances: number; week: string; weekWindow: { start: number; end: number }; weekInstances: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const o of objects) for (const [s] of o.instances) (first = Math.min(first, s)), (last = Math.max(last, s));
  let month = { at: 0, n: -1 };
  for (let d = new Date(first); d.getTime() <= last; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const n = instancesIn(objects, start, end);
    if (n > month.n) month = { at: start, n };
  }
  let week = { at: 0, n: -1 };
  for (let m = mondayOf(first); m <= last; m += 7 * DAY_MS) {
    const n = instancesIn(objects, m, m + 7 * DAY_MS);
    if (n > week.n) week = { at: m, n };
  }
  const gridStart = mondayOf(month.at);
  return {
    month: dayOf(month.at),
    monthGrid: { start: gridStart, end: gridStart + 42 * DAY_MS },
    monthInstances: month.n,
    week: dayOf(week.at),
    weekWindow: { start: week.at, end: week.at + 7 * DAY_MS },
    weekInstances: week.n,
  };
}

/** User and system CPU time a process (all its threads) has used, in ms, from /proc (Linux); NaN elsewhere. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) in parentheses; utime and stime are the 14th and 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux that matters. */
const CLOCK_TICKS = 100;

/** The session cookie of a sign-in to the web face, as a browser does it (the form's token in the form and its cookie). */
export async function webSignIn(server: Server, username: string, password: string): Promise<string> {
  const anonymous: Server = { ...server, auth: undefined };
  const form = await http(anonymous, 'GET', '/sign-in');
  expectStatus('GET /sign-in', form, 200);
  const token = /name="_signin" value="([^"]+)"/.exec(form.body)?.[1];
  if (!token) throw new Error('the sign-in form has no _signin token');
  const body = new URLSearchParams({ _signin: token, username, password }).toString();
  const a = await http(anonymous, 'POST', '/sign-in', { 'content-type': 'application/x-www-form-urlencoded', cookie: `calendula_signin=${token}` }, body);
  expectStatus('POST /sign-in', a, 303);
  const set = ([] as string[]).concat(a.headers['set-cookie'] ?? []);
  const session = set.map((c) => /^calendula_session=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined);
  if (!session) throw new Error('signing in set no session cookie');
  return `calendula_session=${session}`;
}

export interface ViewTimes {
  median: number;
  p95: number;
  /** CPU time of the server process (all its threads: request loop, compute pool, PGlite) per GET, ms; not PostgreSQL's. */
  cpuMs: number;
  /** Occurrences the view had to show (instances overlapping its window, from the generator). */
  instances: number;
  /** Distinct events the page links to. */
  linked: number;
}

/** The object names a web page links to (`/my/events/<cal>/<obj>`, whatever query follows). */
function linkedObjects(body: string): Set<string> {
  return new Set([...body.matchAll(/href="\/my\/events\/[^/"?]+\/([^"?]+)[^"]*"/g)].map((m) => decodeURIComponent(m[1] as string)));
}

/**
 * The web face's month and week views of the busiest month and week, as the signed-in bench user
 * (`runs` GETs each after two warm-ups): median and p95 of the response time on loopback. Each
 * answer is checked: 200, links only to events that have an instance in the view's window, at
 * least one (both views fold a busy day into "+N more").
 */
export async function webViews(server: Server, objects: BenchObject[], runs = 20): Promise<{ month: ViewTimes; week: ViewTimes }> {
  const cookie = await webSignIn(server, 'bench', BENCH_PASSWORD);
  const page: Server = { ...server, auth: undefined };
  const w = busiestWindows(objects);
  const measureView = async (path: string, window: { start: number; end: number }, all: boolean): Promise<ViewTimes> => {
    const want = expectedIn(objects, window);
    const instances = instancesIn(objects, window.start, window.end);
    let linked = 0;
    const check = (a: Answer) => {
      expectStatus(`GET ${path}`, a, 200);
      const got = linkedObjects(a.body);
      const extra = [...got].filter((x) => !want.has(x));
      if (extra.length) throw new Error(`GET ${path} links to ${extra.length} events outside its window (${extra.slice(0, 3).join(', ')})`);
      const missing = all ? [...want].filter((x) => !got.has(x)) : [];
      if (missing.length) throw new Error(`GET ${path} lacks ${missing.length} of ${want.size} events (${missing.slice(0, 3).join(', ')})`);
      if (got.size === 0) throw new Error(`GET ${path} shows no event`);
      linked = got.size;
    };
    for (let i = 0; i < 2; i++) check(await http(page, 'GET', path, { cookie }));
    const times: number[] = [];
    const cpu0 = processCpuMs(server.pid);
    for (let i = 0; i < runs; i++) {
      const { ms, value } = await timed(() => http(page, 'GET', path, { cookie }));
      check(value);
      times.push(ms);
    }
    const cpuMs = (processCpuMs(server.pid) - cpu0) / runs;
    return { median: median(times), p95: percentile(times, 95), cpuMs, instances, linked };
  };
  const month = await measureView(`/my/view?mode=month&date=${w.month}`, w.monthGrid, false);
  // The week's hour grid draws six lanes a day and folds the rest into "+N more" (WEEK_LANES), as the month does.
  const week = await measureView(`/my/view?mode=week&date=${w.week}`, w.weekWindow, false);
  return { month, week };
}
