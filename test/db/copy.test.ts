import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freshDatabase, testEngine } from '../helpers/database.ts';
import { runCalendula, spawnCalendula } from '../helpers/process.ts';
import { adminQuery, databaseUrlFor } from '../helpers/postgres.ts';
import { basic } from '../helpers/server.ts';

const canCopy = testEngine() === 'pglite' && Boolean(process.env.TEST_DATABASE_URL);

describe.runIf(canCopy)('calendula db copy-to (from the embedded database; needs TEST_DATABASE_URL for the target)', () => {
  // Six CLI processes each start Node, tsx and the embedded database: on two loaded cores that
  // takes longer than the suite's default minute, which is a wait, not a failure.
  it('moves every user, password and calendar into an empty PostgreSQL database', { timeout: 180_000 }, async () => {
    const source = await freshDatabase();
    const name = `calendula_copy_${randomBytes(5).toString('hex')}`;
    await adminQuery(`create database ${name}`);
    try {
      expect((await runCalendula(['user', 'add', 'gina', '--email', 'gina@example.org'], source.env, { stdin: 'gina-password\n' })).code).toBe(0);
      expect((await runCalendula(['user', 'add', 'hal'], source.env, { stdin: 'hal-password\n' })).code).toBe(0);
      const copied = await runCalendula(['db', 'copy-to', databaseUrlFor(name)], source.env);
      expect(copied.stderr).toBe('');
      expect(copied.code).toBe(0);
      expect(copied.stdout).toMatch(/^Copied \d+ rows in \d+ tables/);

      const listed = await runCalendula(['user', 'list', '--json'], { DATABASE_URL: databaseUrlFor(name) });
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ username: 'gina', email: 'gina@example.org' }),
        expect.objectContaining({ username: 'hal' }),
      ]);
      // New rows get fresh ids after the copied ones (sequences moved on).
      expect((await runCalendula(['user', 'add', 'ivy'], { DATABASE_URL: databaseUrlFor(name) }, { stdin: 'ivy-password\n' })).code).toBe(0);
      const server = spawnCalendula(['serve'], { DATABASE_URL: databaseUrlFor(name), PORT: '0' });
      try {
        const [, url] = await server.waitFor(/listening on (http:\/\/[^\s/]+)/);
        expect(server.stdout()).not.toContain('created the user');
        const res = await fetch(`${url}/dav/`, { headers: { authorization: basic('gina', 'gina-password') } });
        expect(res.status).toBe(200);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      const again = await runCalendula(['db', 'copy-to', databaseUrlFor(name)], source.env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already has users');
    } finally {
      await source.drop();
      await adminQuery(`drop database if exists ${name} with (force)`);
    }
  });
});
