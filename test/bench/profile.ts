// Profiles one workload on a loaded Calendula: starts it under `node --cpu-prof`, stores `size`
// generated objects, runs the workload for `seconds`, stops the server and prints where the
// profile is. Read it with scripts/cpuprofile-top.ts or scripts/cpuprofile-inclusive.ts and
// `--last-ms <seconds × 1000>` to leave out the loading.
//   npx tsx test/bench/profile.ts <size> put|propfind|query|multiget|export|mixed|web <seconds> [postgres|pglite]
// `web` signs in and GETs the month and week views of the busiest month and week in turn.
import { join, resolve } from 'node:path';
import { generate } from './generate.ts';
import { startCalendula } from './servers.ts';
import * as w from './workloads.ts';

const [sizeArg, workload, secondsArg, engineArg] = process.argv.slice(2);
const workloads = ['put', 'propfind', 'query', 'multiget', 'export', 'mixed', 'web'];
if (!sizeArg || !workload || !workloads.includes(workload) || !secondsArg) {
  throw new Error(`usage: profile.ts <size> ${workloads.join('|')} <seconds> [postgres|pglite]`);
}
const seconds = Number(secondsArg);
const objects = generate(Number(sizeArg));
const dir = join(resolve(import.meta.dirname, '../../.bench'), `profile-${workload}-${Date.now()}`);
const server = await startCalendula(engineArg === 'pglite' ? 'pglite' : 'postgres', { cpuProf: dir });
try {
  // For `put`, the calendar starts empty and fills during the profiled seconds.
  await w.bulkPut(server, workload === 'put' ? objects.slice(0, 1) : objects, 8, 3600_000);
  const t0 = Date.now();
  let runs = 0;
  if (workload === 'put') {
    runs = (await w.bulkPut(server, objects.slice(1), 8, seconds * 1000)).done;
  } else if (workload === 'mixed') {
    runs = (await w.mixedLoad(server, objects, seconds)).requests;
  } else if (workload === 'web') {
    // Each round: a sign-in, two warm-ups and five timed GETs of each view.
    while (Date.now() - t0 < seconds * 1000) {
      const v = await w.webViews(server, objects, 5);
      process.stdout.write(`month ${v.month.median.toFixed(1)} ms, week ${v.week.median.toFixed(1)} ms\n`);
      runs += 14;
    }
  } else {
    while (Date.now() - t0 < seconds * 1000) {
      if (workload === 'propfind') await w.propfindDepth1(server, objects.length);
      else if (workload === 'query') await w.monthQuery(server, objects);
      else if (workload === 'multiget') await w.multiget(server, objects);
      else await w.exportIcs(server, objects);
      runs++;
    }
  }
  process.stdout.write(`${workload}: ${runs} in ${Date.now() - t0} ms\n`);
} finally {
  await server.stop();
}
process.stdout.write(`profile in ${dir}\n`);
