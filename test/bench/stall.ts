// `npm run bench:stall`: the inputs that used to stall the server (issue "never stall"), each timed
// over HTTP against a real Calendula process per engine, while a second client probes GET /health
// every 10 ms; then the ICS export of a 10,000-object calendar under the same probe.
//
//   npx tsx test/bench/stall.ts [--engines pglite,postgres] [--size 10000]
import { generate } from './generate.ts';
import { postgresAvailable, startCalendula, type Server } from './servers.ts';
import { bulkPut } from './workloads.ts';
import { calendar, event, VTIMEZONE_US_EASTERN } from '../fixtures/ical.ts';

interface Case {
  name: string;
  method: string;
  path: string;
  body: string;
  headers?: Record<string, string>;
  expect: number;
}

const XML = { 'content-type': 'application/xml; charset=utf-8', depth: '1' };
const ICS = { 'content-type': 'text/calendar; charset=utf-8' };
const query = (range: string) =>
  `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">${range}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;

function cases(cal: string): Case[] {
  const put = (name: string, lines: string[], expect: number, tz: string[][] = []): Case => ({
    name: `PUT ${name}`,
    method: 'PUT',
    path: `${cal}stall-${name.replace(/\W+/g, '-')}.ics`,
    body: calendar(event(`stall-${name.replace(/\W+/g, '-')}`, lines), { timezones: tz }),
    headers: ICS,
    expect,
  });
  const list: Case[] = [
    put('yearly 2034, inline US/Eastern', ['DTSTART;TZID=US/Eastern:20340102T100000', 'DURATION:PT1H', 'RRULE:FREQ=YEARLY'], 201, [VTIMEZONE_US_EASTERN]),
    { name: 'REPORT start-only over it (DAVx5)', method: 'REPORT', path: cal, body: query('<c:time-range start="20260101T000000Z"/>'), headers: XML, expect: 207 },
    put('DAILY;INTERVAL=99999999999', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=DAILY;INTERVAL=99999999999'], 403),
    put('DAILY;BYMONTH=2;BYMONTHDAY=30', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'], 403),
    // libical's vector L238: ical.js's iterator took 272 s over it; a valid rule, stored.
    put('DAILY;BYMONTHDAY=-1,-2;COUNT=5 from a date', ['DTSTART;VALUE=DATE:20241030', 'RRULE:FREQ=DAILY;BYMONTHDAY=-1,-2;COUNT=5'], 201),
  ];
  for (let i = 0; i < 11; i++) list.push(put(`SECONDLY since 2000 #${i + 1}`, ['DTSTART:20000101T000000Z', `SUMMARY:tick ${i}`, 'RRULE:FREQ=SECONDLY'], 201));
  list.push({ name: 'REPORT one month over the 11 SECONDLY series', method: 'REPORT', path: cal, body: query('<c:time-range start="20261101T000000Z" end="20261201T000000Z"/>'), headers: XML, expect: 207 });
  list.push(
    put('NUL in SUMMARY', ['DTSTART:20260101T100000Z', 'SUMMARY:a\u0000b'], 403),
    put('UID over 255', ['DTSTART:20260101T100000Z'], 201),
    put('SUMMARY of 8,000 random characters', ['DTSTART:20260101T100000Z', `SUMMARY:${Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 7919) % 251)).toString('base64')}`], 201),
    put('garbage TZOFFSETFROM', ['DTSTART;TZID=US/Eastern:20260101T100000'], 403, [VTIMEZONE_US_EASTERN.map((l) => (l.startsWith('TZOFFSETFROM') ? 'TZOFFSETFROM:garbage' : l))]),
  );
  // The UID case needs the UID itself long.
  const uidCase = list.find((c) => c.name === 'PUT UID over 255') as Case;
  uidCase.body = calendar(event('u'.repeat(300), ['DTSTART:20260101T100000Z']));
  uidCase.expect = 403;
  return list;
}

/** Runs `fn` while probing /health every 10 ms; the slowest probe and how many answered. */
async function probed<T>(server: Server, fn: () => Promise<T>): Promise<{ result: T; ms: number; worstHealthMs: number; probes: number }> {
  let done = false;
  let worst = 0;
  let probes = 0;
  const probe = (async () => {
    while (!done) {
      const t = performance.now();
      const res = await fetch(`${server.base}/health`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`/health answered ${res.status}`);
      worst = Math.max(worst, performance.now() - t);
      probes++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const t0 = performance.now();
  const result = await fn();
  const ms = performance.now() - t0;
  done = true;
  await probe;
  return { result, ms, worstHealthMs: worst, probes };
}

async function send(server: Server, c: Case): Promise<number> {
  const res = await fetch(`${server.base}${c.path}`, { method: c.method, headers: { authorization: server.auth ?? '', ...c.headers }, body: c.body });
  await res.arrayBuffer();
  return res.status;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (n: string, d: string) => (argv.includes(`--${n}`) ? (argv[argv.indexOf(`--${n}`) + 1] as string) : d);
  const engines = arg('engines', 'pglite,postgres').split(',') as ('pglite' | 'postgres')[];
  const size = Number(arg('size', '10000'));
  const lines: string[] = [];
  for (const engine of engines) {
    if (engine === 'postgres' && !(await postgresAvailable())) continue;
    const server = await startCalendula(engine);
    try {
      lines.push(`\n### calendula/${engine}\n`, '| input | status | ms | slowest /health, ms |', '|---|---|---|---|');
      for (const c of cases(server.calendar)) {
        const r = await probed(server, () => send(server, c));
        if (r.result !== c.expect) throw new Error(`${c.name}: ${r.result}, expected ${c.expect}`);
        lines.push(`| ${c.name} | ${r.result} | ${r.ms.toFixed(0)} | ${r.worstHealthMs.toFixed(1)} |`);
      }
      const objects = generate(size);
      await bulkPut(server, objects, 8, Infinity);
      const exp = await probed(server, async () => {
        const res = await fetch(`${server.base}${server.calendar}`, { headers: { authorization: server.auth ?? '' } });
        return (await res.text()).length;
      });
      lines.push(`| GET the ${size.toLocaleString('en')}-object calendar as ICS (${(exp.result / 2 ** 20).toFixed(1)} MB) | 200 | ${exp.ms.toFixed(0)} | ${exp.worstHealthMs.toFixed(1)} |`);
    } finally {
      await server.stop();
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
