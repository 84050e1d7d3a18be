// Long runs of the hostile-input suite (test/server/hostileInput.test.ts) with random seeds, on
// the engines vitest is set up for (PGlite; PostgreSQL too with TEST_DATABASE_URL).
//   npm run hostile -- [total runs, default 20000] [runs per seed, default 2000]
// A failing seed is printed; rerun it with HOSTILE_SEED=<seed> npx vitest run test/server/hostileInput.test.ts
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const total = Number(process.argv[2] ?? 20000);
const perSeed = Number(process.argv[3] ?? 2000);
for (let done = 0; done < total; done += perSeed) {
  const seed = randomInt(1, 2 ** 31 - 1);
  process.stdout.write(`seed ${seed}: ${perSeed} cases… `);
  const run = spawnSync('npx', ['vitest', 'run', 'test/server/hostileInput.test.ts'], {
    env: { ...process.env, HOSTILE_SEED: String(seed), HOSTILE_RUNS: String(perSeed) },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    process.stdout.write(`FAILED\n${run.stdout.slice(-6000)}\n${run.stderr.slice(-2000)}\nrerun: HOSTILE_SEED=${seed} HOSTILE_RUNS=${perSeed} npx vitest run test/server/hostileInput.test.ts\n`);
    process.exit(1);
  }
  process.stdout.write('passed\n');
}
