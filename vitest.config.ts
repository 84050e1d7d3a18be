// The suite runs once per database engine: always on the embedded PGlite, and also on PostgreSQL
// when TEST_DATABASE_URL points at a server (.ci/run sets it). Each test file gets its own
// database, cloned from a migrated template that test/helpers/globalSetup.ts prepares.
import { defineConfig } from 'vitest/config';

const engines = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
// Pure iCalendar and vCard logic touches no database: it runs once, with the embedded engine's
// project, not again for PostgreSQL (that only cost the run time the CI limit counts). So do the
// two Chromium suites: they drive pages whose every write the web face's HTTP tests check on both
// engines, and they are the slowest files (about 140 s a run).
// Every Chromium suite is named test/web/**/*Ui.test.ts (or is ui.test.ts).
const PURE = ['test/ical/**', 'test/vcard/**', 'test/architecture.test.ts', 'test/web/ui.test.ts', 'test/web/**/*Ui.test.ts'];
// So do the scenario suites whose subject is not the database: vdirsyncer's two-way syncs (a real
// client over CalDAV and CardDAV, whose every request the protocol tests check on both engines)
// and the log format of a started server. Together about 90 s of the PostgreSQL project's run.
const CLIENT_SCENARIOS = ['test/e2e/vdirsyncer.test.ts', 'test/e2e/vdirsyncerCarddav.test.ts', 'test/logger.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**'],
    pool: 'forks',
    // Three files at a time on this two-core machine: with two, a quarter of the CPU sat idle
    // while files waited on child processes, browsers and sockets.
    maxWorkers: Number(process.env.TEST_WORKERS ?? 3),
    // A worker keeps its loaded modules from one file to the next: importing the server's module
    // graph anew for every file cost about 650 s of a CI run (about 60 s this way). Each file still
    // starts its own server on its own database; no test may lean on module state another left.
    isolate: false,
    projects: engines.map((engine) => ({
      extends: true,
      test: {
        name: engine,
        exclude: ['node_modules/**', ...(engine === 'pglite' ? [] : [...PURE, ...CLIENT_SCENARIOS])],
        env: { CALENDULA_TEST_ENGINE: engine },
        globalSetup: ['test/helpers/globalSetup.ts'],
      },
    })),
  },
});
