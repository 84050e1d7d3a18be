// Cases found with Apple's CalDAVTester (../shared/tools/caldavtester) that are ours per the RFCs,
// each sent as raw HTTP the way the suite (and the clients it stands for) sends it.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { calendarQuery, parseMultistatus } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

/** Threads that keep every core busy until the returned function is called. */
function keepCoresBusy(threads: number): () => Promise<void> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from(
    { length: threads },
    () =>
      new Worker(
        `const { workerData } = require('node:worker_threads');
         const stop = new Int32Array(workerData);
         let x = 0;
         while (Atomics.load(stop, 0) === 0) for (let i = 0; i < 1e5; i++) x += Math.sqrt(i + x);`,
        { eval: true, workerData: stop.buffer },
      ),
  );
  return async () => {
    Atomics.store(stop, 0, 1);
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  };
}

// "Last weekday of every other month" as Apple Calendar writes it (CalDAVTester's
// recurrenceput.xml has one): an open-ended BYSETPOS rule since 2015 in an IANA zone without a
// VTIMEZONE. Indexing it lists some 90 instances; ical.js needs a few milliseconds for each.
const LAST_WEEKDAY = calendar(
  event('last-weekday@example.com', [
    'DTSTART;TZID=America/Los_Angeles:20150324T130000',
    'DTEND;TZID=America/Los_Angeles:20150324T134500',
    'RRULE:FREQ=MONTHLY;INTERVAL=2;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR',
    'EXDATE;TZID=America/Los_Angeles:20150529T130000',
    'SUMMARY:Review',
  ]),
);

describe('CalDAVTester findings', () => {
  // A generous wall limit: the case below starves the whole process of CPU on purpose.
  const server = useTestServer({ env: { COMPUTE_DEADLINE_MS: '400', COMPUTE_WALL_LIMIT_MS: '120000' } });
  const alice = server.user('alice');
  const cal = '/dav/calendars/alice/default/';

  // The deadline bounds the CPU an object may cost. Counted in wall time it refused valid objects
  // whenever other processes had the cores (CalDAVTester's put.xml and recurrenceput.xml failed at
  // random on a loaded machine). Here other threads hold every core four times over, so the
  // compute thread runs a fraction of the wall time: the object must still be stored.
  it('stores a valid series while other threads keep every core busy', async () => {
    const stop = keepCoresBusy(availableParallelism() * 4);
    let status: number;
    let text: string;
    try {
      ({ status, text } = await alice.put(`${cal}last-weekday.ics`, LAST_WEEKDAY));
    } finally {
      await stop();
    }
    expect(status, text).toBe(201);
    // …and it is found where it happens: 31 July 2026 is the last weekday of July.
    const res = await alice.report(
      cal,
      calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260731T000000Z" end="20260801T000000Z"/></c:comp-filter></c:comp-filter>'),
    );
    expect([...parseMultistatus(res.text).members.keys()]).toEqual([`${cal}last-weekday.ics`]);
  });
});
