// `npm run bench`: Calendula (PGlite and PostgreSQL) and, when installed, Radicale and Xandikos,
// each as a real process with fresh storage, through the same workloads over HTTP, side by side.
// Results go to .bench/ (git-ignored) as JSON and Markdown, and the table is printed.
//
//   npm run bench -- [--sizes 1000,10000,100000] [--engines pglite,postgres] [--peers radicale,xandikos|none]
//                    [--mixed-seconds 20] [--peer-budget 120] [--profile] [--workers 2]
//                    [--workloads propfind,query,multiget,sync,export,mixed,events,web,carddav] [--web-runs 20]
// --workers adds a column for PostgreSQL with that many server processes (WORKERS). --workloads
// runs only those after the bulk PUT (which every other workload needs), e.g. `--workloads export`.
// `carddav` is an address book of its own, of N contacts but at most --max-contacts (10000) so that
// the default run stays within reason (PUT, addressbook-multiget of 100, addressbook-query by
// e-mail, sync-collection): `npm run bench -- --workloads carddav --sizes 10000` runs only it,
// without the calendar. `web` (Calendula only) signs in to the web face and times the month and
// week views of the data's busiest month and week: `npm run bench -- --workloads web --sizes 10000
// --peers none`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { generate, type BenchObject } from './generate.ts';
import { peerInstalled, postgresAvailable, startCalendula, startRadicale, startXandikos, type Server, type StartFigures } from './servers.ts';
import { benchContacts, bulkPutCards, cardMultiget, cardQueryByEmail, cardSync } from './carddav.ts';
import { bulkPut, eventsApi, exportIcs, loopDelay, mixedLoad, monthQuery, multiget, propfindDepth1, syncCollection, webViews, type ViewTimes } from './workloads.ts';

interface Options {
  sizes: number[];
  engines: ('pglite' | 'postgres')[];
  peers: ('radicale' | 'xandikos')[];
  mixedSeconds: number;
  maxContacts: number;
  peerBudgetS: number;
  profile: boolean;
  workers: number;
  workloads: Workload[];
  /** Timed GETs of each web view. */
  webRuns: number;
}

const WORKLOADS = ['propfind', 'query', 'multiget', 'sync', 'export', 'mixed', 'events', 'web', 'carddav'] as const;
type Workload = (typeof WORKLOADS)[number];

function options(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const list = (name: string, fallback: string) => (get(name) ?? fallback).split(',').filter((x) => x && x !== 'none');
  return {
    sizes: list('sizes', '1000,10000,100000').map(Number),
    engines: list('engines', 'pglite,postgres') as Options['engines'],
    peers: list('peers', 'radicale,xandikos') as Options['peers'],
    mixedSeconds: Number(get('mixed-seconds') ?? 20),
    maxContacts: Number(get('max-contacts') ?? 10000),
    peerBudgetS: Number(get('peer-budget') ?? 120),
    profile: argv.includes('--profile'),
    workers: Number(get('workers') ?? 0),
    webRuns: Number(get('web-runs') ?? 20),
    workloads: list('workloads', WORKLOADS.join(',')).map((w) => {
      if (!(WORKLOADS as readonly string[]).includes(w)) throw new Error(`--workloads: ${w} is none of ${WORKLOADS.join(', ')}`);
      return w as Workload;
    }),
  };
}

/** One server's figures at one size; null where it could not run the workload. */
interface Row {
  server: string;
  size: number;
  /** The calendar's bulk PUT; absent when only the CardDAV workload ran. */
  bulk?: { perSecond: number; done: number; finished: boolean; seconds: number };
  propfindMs?: number;
  queryMs?: number;
  queryMatched?: number;
  expandMs?: number;
  multigetMs?: number;
  syncInitialMs?: number;
  syncChangesMs?: number;
  exportMs?: number | null;
  exportBytes?: number;
  mixed?: { perSecond: number; p50: number; p99: number; errors: number };
  eventsFilteredMs?: number;
  eventsDeepMs?: number;
  /** The web face's month and week views (Calendula only). */
  web?: { month: ViewTimes; week: ViewTimes };
  card?: {
    contacts: number;
    bulk: { perSecond: number; done: number; finished: boolean; seconds: number };
    multigetMs?: number;
    queryMs?: number;
    syncInitialMs?: number;
    syncChangesMs?: number;
  };
  peakRssMb: number;
  /** First start, restart and the idle memory after each (servers.ts StartFigures). */
  startup?: StartFigures;
  /** The server's event-loop delay during each workload (Calendula only): p99 and max, ms. */
  loop?: Record<string, { p99: number; max: number }>;
  error?: string;
}

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

/** `objects` is null when no calendar workload runs. */
async function measure(server: Server, size: number, objects: BenchObject[] | null, opts: Options, budgetMs: number): Promise<Row> {
  const loop: Record<string, { p99: number; max: number }> = {};
  // Each scrape resets the server's histogram: the next one covers exactly one workload.
  const watched = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    if (server.kind !== 'calendula') return fn();
    await loopDelay(server);
    const out = await fn();
    loop[name] = await loopDelay(server);
    return out;
  };
  const row: Row = { server: server.name, size, peakRssMb: 0, loop, startup: server.startup };
  const errors: string[] = [];
  if (objects) await measureCalendar(server, objects, opts, budgetMs, row, watched, errors);
  if (opts.workloads.includes('carddav')) await measureCardDav(server, Math.min(size, opts.maxContacts), budgetMs, row, watched, errors);
  if (errors.length) row.error = errors.join('; ');
  row.peakRssMb = server.peakRss() / 2 ** 20;
  return row;
}

type Watched = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

async function measureCalendar(server: Server, objects: BenchObject[], opts: Options, budgetMs: number, row: Row, watched: Watched, errors: string[]): Promise<void> {
  const size = objects.length;
  log(`${server.name} ${size}: bulk PUT`);
  const bulk = await watched('bulk PUT', () =>
    bulkPut(server, objects, 8, budgetMs, (n) => {
      if (n % 10000 === 0) log(`  ${n} stored`);
    }),
  );
  row.bulk = bulk;
  if (!bulk.finished) {
    log(`${server.name} ${size}: stopped after ${bulk.done} objects (${bulk.perSecond.toFixed(1)}/s) at the ${budgetMs / 1000} s budget`);
    return;
  }
  // Each workload on its own: a server that fails one (a wrong answer) is still measured on the rest.
  const step = async (name: string, fn: () => Promise<void>) => {
    if (!opts.workloads.includes(STEP_WORKLOAD[name] as Workload)) return;
    try {
      await watched(name, fn);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      errors.push(message);
      log(`${server.name} ${size}: ${message}`);
    }
  };
  log(`${server.name} ${size}: PROPFIND, query, multiget, sync, export`);
  await step('PROPFIND', async () => {
    row.propfindMs = await propfindDepth1(server, size);
  });
  await step('month query', async () => {
    const q = await monthQuery(server, objects);
    row.queryMs = q.ms;
    row.queryMatched = q.matched;
  });
  await step('month expand', async () => {
    row.expandMs = (await monthQuery(server, objects, true)).ms;
  });
  await step('multiget', async () => {
    row.multigetMs = await multiget(server, objects);
  });
  await step('sync-collection', async () => {
    const sync = await syncCollection(server, objects);
    row.syncInitialMs = sync.initialMs;
    row.syncChangesMs = sync.changesMs;
  });
  await step('ICS export', async () => {
    const e = await exportIcs(server, objects);
    row.exportMs = e?.ms ?? null;
    row.exportBytes = e?.bytes;
  });
  if (opts.workloads.includes('mixed')) log(`${server.name} ${size}: mixed load ${opts.mixedSeconds} s`);
  await step('mixed load', async () => {
    const m = await mixedLoad(server, objects, opts.mixedSeconds);
    row.mixed = { perSecond: m.perSecond, p50: m.p50, p99: m.p99, errors: m.errors };
  });
  if (server.kind === 'calendula') {
    await step('events API', async () => {
      const e = await eventsApi(server, objects);
      row.eventsFilteredMs = e.filteredMs;
      row.eventsDeepMs = e.deepOffsetMs;
    });
    if (opts.workloads.includes('web')) log(`${server.name} ${size}: web month and week views, ${opts.webRuns} GETs each`);
    await step('web views', async () => {
      row.web = await webViews(server, objects, opts.webRuns);
    });
  }
}

/** The CardDAV workload: `size` contacts into the server's address book, then the reads, each on its own. */
async function measureCardDav(server: Server, size: number, budgetMs: number, row: Row, watched: Watched, errors: string[]): Promise<void> {
  const cards = benchContacts(size);
  const book = server.addressBook;
  log(`${server.name} ${size}: CardDAV bulk PUT of ${size} contacts`);
  let bulk;
  try {
    bulk = await watched('card PUT', () =>
      bulkPutCards(server, book, cards, 8, budgetMs, (n) => {
        if (n % 10000 === 0) log(`  ${n} contacts stored`);
      }),
    );
  } catch (e) {
    const message = `CardDAV PUT: ${e instanceof Error ? e.message : String(e)}`;
    errors.push(message);
    log(`${server.name} ${size}: ${message}`);
    return;
  }
  const card: NonNullable<Row['card']> = { contacts: size, bulk };
  row.card = card;
  if (!bulk.finished) {
    log(`${server.name} ${size}: stopped after ${bulk.done} contacts (${bulk.perSecond.toFixed(1)}/s) at the ${budgetMs / 1000} s budget`);
    return;
  }
  log(`${server.name} ${size}: addressbook-multiget, addressbook-query, sync-collection`);
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await watched(name, fn);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      errors.push(message);
      log(`${server.name} ${size}: ${message}`);
    }
  };
  await step('card multiget', async () => {
    card.multigetMs = await cardMultiget(server, book, cards);
  });
  await step('card query', async () => {
    card.queryMs = await cardQueryByEmail(server, book, cards);
  });
  await step('card sync', async () => {
    const s = await cardSync(server, book, cards);
    card.syncInitialMs = s.initialMs;
    card.syncChangesMs = s.changesMs;
  });
}

const STEP_WORKLOAD: Record<string, Workload> = {
  PROPFIND: 'propfind',
  'month query': 'query',
  'month expand': 'query',
  multiget: 'multiget',
  'sync-collection': 'sync',
  'ICS export': 'export',
  'mixed load': 'mixed',
  'events API': 'events',
  'web views': 'web',
};

const f = (v: number | null | undefined, digits = 1) => (v === undefined || v === null || Number.isNaN(v) ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(digits));

interface Metric {
  label: string;
  value: (r: Row) => number | null | undefined;
  /** true when more is better (rates); false for times and memory. */
  higher: boolean;
}

const METRICS: Metric[] = [
  { label: 'bulk PUT, objects/s (8 clients)', value: (r) => r.bulk?.perSecond, higher: true },
  { label: 'PROPFIND Depth 1 getetag, ms', value: (r) => r.propfindMs, higher: false },
  { label: 'calendar-query one month, ms', value: (r) => r.queryMs, higher: false },
  { label: 'calendar-query one month with expand, ms', value: (r) => r.expandMs, higher: false },
  { label: 'calendar-multiget 100, ms', value: (r) => r.multigetMs, higher: false },
  { label: 'sync-collection initial, ms', value: (r) => r.syncInitialMs, higher: false },
  { label: 'sync-collection after 10 changes, ms', value: (r) => r.syncChangesMs, higher: false },
  { label: 'GET calendar as ICS, ms', value: (r) => r.exportMs, higher: false },
  { label: 'size of the ICS export, MB', value: (r) => (r.exportBytes === undefined ? undefined : r.exportBytes / 1e6), higher: false },
  { label: 'mixed load, requests/s', value: (r) => r.mixed?.perSecond, higher: true },
  { label: 'mixed load p50, ms', value: (r) => r.mixed?.p50, higher: false },
  { label: 'mixed load p99, ms', value: (r) => r.mixed?.p99, higher: false },
  { label: 'events API filtered list, ms', value: (r) => r.eventsFilteredMs, higher: false },
  { label: 'events API deep offset, ms', value: (r) => r.eventsDeepMs, higher: false },
  { label: 'web month view (busiest month), median ms', value: (r) => r.web?.month.median, higher: false },
  { label: 'web month view, p95 ms', value: (r) => r.web?.month.p95, higher: false },
  { label: 'web month view, server CPU per GET, ms', value: (r) => r.web?.month.cpuMs, higher: false },
  { label: 'web week view (busiest week), median ms', value: (r) => r.web?.week.median, higher: false },
  { label: 'web week view, p95 ms', value: (r) => r.web?.week.p95, higher: false },
  { label: 'web week view, server CPU per GET, ms', value: (r) => r.web?.week.cpuMs, higher: false },
  { label: 'CardDAV bulk PUT, contacts/s (8 clients)', value: (r) => r.card?.bulk.perSecond, higher: true },
  { label: 'addressbook-multiget 100, ms', value: (r) => r.card?.multigetMs, higher: false },
  { label: 'addressbook-query by e-mail, ms', value: (r) => r.card?.queryMs, higher: false },
  { label: 'address book sync-collection initial, ms', value: (r) => r.card?.syncInitialMs, higher: false },
  { label: 'address book sync-collection after 10 changes, ms', value: (r) => r.card?.syncChangesMs, higher: false },
  { label: 'peak RSS of the server, MB', value: (r) => r.peakRssMb, higher: false },
  { label: 'first start (fresh storage to the first answer), ms', value: (r) => r.startup?.firstMs, higher: false },
  { label: 'memory idle 5 s after the first start (PSS), MB', value: (r) => r.startup?.firstIdleMb, higher: false },
  { label: 'restart (stop, start on the same storage), ms', value: (r) => r.startup?.restartMs, higher: false },
  { label: 'memory idle 5 s after the restart (PSS), MB', value: (r) => r.startup?.restartIdleMb, higher: false },
  ...['bulk PUT', 'PROPFIND', 'month query', 'month expand', 'multiget', 'sync-collection', 'ICS export', 'mixed load', 'events API', 'web views', 'card PUT', 'card multiget', 'card query', 'card sync'].map(
    (w): Metric => ({ label: `event-loop delay p99 during ${w}, ms`, value: (r) => r.loop?.[w]?.p99, higher: false }),
  ),
];

function table(size: number, rows: Row[]): string {
  const reference = rows.find((r) => r.server === 'calendula/postgres') ?? rows.find((r) => r.server.startsWith('calendula'));
  const peers = rows.filter((r) => !r.server.startsWith('calendula'));
  const head = ['', ...rows.map((r) => r.server), ...peers.map((p) => `${reference?.server.split('/')[1] ?? ''}/${p.server}`)];
  const contacts = rows.find((r) => r.card)?.card?.contacts;
  const lines = [`### ${size.toLocaleString('en')} objects${contacts !== undefined ? `; the CardDAV rows: ${contacts.toLocaleString('en')} contacts` : ''}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const m of METRICS) {
    // Rows of workloads that did not run are left out.
    if (rows.every((r) => m.value(r) === undefined)) continue;
    const cells = rows.map((r) => {
      const v = m.value(r);
      if (m.label.startsWith('bulk') && r.bulk && !r.bulk.finished) return `${f(v)} (stopped at ${r.bulk.done} after ${f(r.bulk.seconds, 0)} s)`;
      if (m.label.startsWith('CardDAV bulk') && r.card && !r.card.bulk.finished) return `${f(v)} (stopped at ${r.card.bulk.done} after ${f(r.card.bulk.seconds, 0)} s)`;
      return f(v, /ms|MB/.test(m.label) ? 1 : 0);
    });
    const ratios = peers.map((p) => {
      const a = reference ? m.value(reference) : undefined;
      const b = m.value(p);
      if (!a || !b) return '–';
      return `${(a / b).toFixed(a / b < 0.1 ? 3 : 2)}`;
    });
    lines.push(`| ${m.label} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  const notes = rows.filter((r) => r.error).map((r) => `- ${r.server}: ${r.error}`);
  const matched = rows.find((r) => r.queryMatched !== undefined)?.queryMatched;
  if (matched !== undefined) lines.push('', `The month query must return ${matched} events; every answer counted above was checked against the generator.`);
  const web = rows.find((r) => r.web)?.web;
  if (web) {
    lines.push(
      '',
      `The web views: the month grid (six weeks) holds ${web.month.instances} occurrences of events, the week ${web.week.instances}; the week view linked to all ${web.week.linked} events of its week, the month view to ${web.month.linked} (every link checked against the generator).`,
    );
  }
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const engines = [...opts.engines];
  if (engines.includes('postgres') && !(await postgresAvailable())) {
    log('PostgreSQL is not reachable (BENCH_DATABASE_URL / TEST_DATABASE_URL / 127.0.0.1:5432): running without it');
    engines.splice(engines.indexOf('postgres'), 1);
  }
  const peers = opts.peers.filter((p) => {
    const ok = peerInstalled(p);
    if (!ok) log(`${p} is not installed (apt-get install ${p}): running without it`);
    return ok;
  });
  const outDir = resolve(import.meta.dirname, '../../.bench');
  mkdirSync(outDir, { recursive: true });
  const stampName = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = opts.profile ? join(outDir, `profiles-${stampName}`) : undefined;
  const all: Row[] = [];
  const sections: string[] = [];
  for (const size of opts.sizes) {
    // The calendar is generated only when a calendar workload runs (its size is the run's size either way).
    const objects = opts.workloads.some((w) => w !== 'carddav') ? generate(size) : null;
    const rows: Row[] = [];
    const starters: [string, () => Promise<Server>, number][] = [
      ...engines.map((e): [string, () => Promise<Server>, number] => [`calendula/${e}`, () => startCalendula(e, { cpuProf: profileDir ? join(profileDir, `${e}-${size}`) : undefined }), Infinity]),
      ...(opts.workers > 1 && engines.includes('postgres')
        ? [[`calendula/postgres×${opts.workers}`, () => startCalendula('postgres', { env: { WORKERS: String(opts.workers) } }), Infinity] as [string, () => Promise<Server>, number]]
        : []),
      ...peers.map((p): [string, () => Promise<Server>, number] => [p, p === 'radicale' ? startRadicale : startXandikos, opts.peerBudgetS * 1000]),
    ];
    for (const [name, start, budget] of starters) {
      let server: Server | undefined;
      try {
        server = await start();
        rows.push(await measure(server, size, objects, opts, budget));
      } catch (e) {
        log(`${name} ${size}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await server?.stop();
      }
    }
    all.push(...rows);
    const section = table(size, rows);
    sections.push(section);
    process.stdout.write(`\n${section}\n`);
  }
  const header = `Calendula benchmark, ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.
Ratio columns: Calendula (PostgreSQL, else PGlite) divided by the peer; below 1 is better for times and memory, above 1 for rates.`;
  writeFileSync(join(outDir, `results-${stampName}.json`), JSON.stringify({ options: opts, rows: all }, null, 2));
  writeFileSync(join(outDir, `results-${stampName}.md`), `${header}\n\n${sections.join('\n\n')}\n`);
  process.stdout.write(`\n${header}\nWritten to .bench/results-${stampName}.md${profileDir ? ` (CPU profiles in ${profileDir})` : ''}\n`);
}

await main();
