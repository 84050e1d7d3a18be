import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/boot/cli.ts';
import { freshDatabase, testEngine, type FreshDatabase } from './helpers/database.ts';
import { runCalendula, spawnCalendula } from './helpers/process.ts';
import { basic } from './helpers/server.ts';
import { webSignIn } from './helpers/web.ts';

async function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(args, { stdin: Readable.from([stdin]), stdout, stderr, env: { LOG_LEVEL: 'silent', ...env } });
  return { code, out, err };
}

describe('calendula CLI', () => {
  let db: FreshDatabase;
  /** Each case makes the users it needs, so that cases run in any order. */
  const addUser = async (name: string) => expect((await cli(['user', 'add', name], db.env, `${name}-password\n`)).code).toBe(0);
  const usernames = async () => JSON.parse((await cli(['user', 'list', '--json'], db.env)).out).map((u: { username: string }) => u.username) as string[];
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('migrate applies nothing on a migrated database', async () => {
    const r = await cli(['migrate'], db.env);
    expect(r).toMatchObject({ code: 0, out: 'The database is up to date.\n' });
  });

  it('user add reads the password from standard input and stores the e-mail and display name', async () => {
    const r = await cli(['user', 'add', 'carol', '--email', 'carol@example.org', '--display-name', 'Carol C'], db.env, 'carol-password\n');
    expect(r).toMatchObject({ code: 0, out: 'Created user carol.\n' });
    const list = await cli(['user', 'list', '--json'], db.env);
    expect(JSON.parse(list.out)).toContainEqual(expect.objectContaining({ username: 'carol', email: 'carol@example.org', displayName: 'Carol C' }));
  });

  it('user add takes the password from the variable named by --password-env', async () => {
    const r = await cli(['user', 'add', 'dave', '--password-env', 'DAVE_PW'], { ...db.env, DAVE_PW: 'dave-password' });
    expect(r.code).toBe(0);
  });

  it('user list prints one user per line, sorted', async () => {
    await addUser('lena');
    await addUser('lars');
    const r = await cli(['user', 'list'], db.env);
    expect(r.code).toBe(0);
    const names = r.out.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['lars', 'lena']));
    expect(names).toEqual(await usernames());
  });

  it('user passwd sets a new password and refuses a short one', async () => {
    await addUser('paul');
    expect((await cli(['user', 'passwd', 'paul'], db.env, 'new-paul-password\n')).code).toBe(0);
    const short = await cli(['user', 'passwd', 'paul'], db.env, 'short\n');
    expect(short.code).toBe(1);
    expect(short.err).toContain('password must be between');
  });

  it('user rm removes the user and no one else', async () => {
    await addUser('rita');
    await addUser('rudi');
    expect((await cli(['user', 'rm', 'rita'], db.env)).code).toBe(0);
    const names = await usernames();
    expect(names).not.toContain('rita');
    expect(names).toContain('rudi');
  });

  it('fails with exit code 1 and one message for what cannot be done', async () => {
    await addUser('ursula');
    const cases: [string[], string, Record<string, string>?][] = [
      [['user', 'add', 'ursula'], 'already exists'],
      [['user', 'add', 'bad name'], 'username must be'],
      [['user', 'add', 'erin'], 'password must be between', {}],
      [['user', 'passwd', 'nobody'], 'no user nobody'],
      [['user', 'rm', 'nobody'], 'no user nobody'],
      [['migrate'], 'Invalid configuration: PORT', { PORT: 'x' }],
    ];
    for (const [args, message, extra] of cases) {
      const stdin = args[1] === 'add' && args[2] === 'erin' ? 'short\n' : 'some-password\n';
      const r = await cli(args, { ...db.env, ...(extra ?? {}) }, stdin);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain(message);
    }
  });

  it('fails with exit code 2 and the usage for wrong usage', async () => {
    const cases: [string[], string][] = [
      [['user'], 'user needs a command'],
      [['user', 'add'], 'needs a user name'],
      [['user', 'frobnicate', 'x'], 'unknown user command'],
      [['launch'], 'unknown command launch'],
      [['user', 'add', 'x', '--password', 'visible'], 'not taken on the command line'],
      [['user', 'add', 'x', '--email'], '--email needs a value'],
      [['user', 'add', 'x', '--password-env', 'UNSET_VARIABLE'], 'UNSET_VARIABLE is not set'],
      [['user', 'add', 'x', '--colour', 'red'], 'unknown option --colour'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, db.env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).toContain('Usage: calendula');
    }
    const empty = await cli(['user', 'add', 'x'], db.env, '');
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('no password on standard input');
  });

  it('token create prints the secret once; token list shows it without the secret; token revoke removes it', async () => {
    await addUser('carol-tokens');
    const created = await cli(['token', 'create', 'carol-tokens', '--name', 'ci', '--capability', 'dav', '--capability', 'read@events', '--tag', 'CI', '--expires', '2099-01-01T00:00:00Z'], db.env);
    expect(created.code).toBe(0);
    const secret = /Token \(shown only this once\): (\S+)/.exec(created.out)![1]!;
    const momId = /mom_id: (\S+)/.exec(created.out)![1]!;
    expect(secret).toMatch(/^calendula_[0-9a-f]{32}_/);
    const listed = await cli(['token', 'list', 'carol-tokens', '--json'], db.env);
    expect(JSON.parse(listed.out)).toEqual([{ mom_id: momId, name: 'ci', capabilities: ['dav', 'read@events'], expires_at: '2099-01-01T00:00:00.000Z', tags: ['CI'] }]);
    expect(listed.out).not.toContain(secret);
    expect((await cli(['token', 'revoke', 'carol-tokens', momId], db.env)).code).toBe(0);
    expect(JSON.parse((await cli(['token', 'list', 'carol-tokens', '--json'], db.env)).out)).toEqual([]);
    expect((await cli(['token', 'revoke', 'carol-tokens', momId], db.env)).code).toBe(1);
    expect((await cli(['token', 'create', 'carol-tokens', '--name', 'x'], db.env)).err).toContain('capabilities must be');
    expect((await cli(['token', 'create', 'nobody', '--name', 'x', '--capability', 'dav'], db.env)).code).toBe(1);
    expect((await cli(['token', 'create', 'carol-tokens', '--capability', 'dav'], db.env)).code).toBe(2);
  });

  it('help prints the usage', async () => {
    const r = await cli(['help'], db.env);
    expect(r.code).toBe(0);
    expect(r.out).toContain('user passwd <name>');
  });

  it('the installed command works end to end: a user added with a piped password can sign in', async () => {
    const added = await runCalendula(['user', 'add', 'frank'], db.env, { stdin: 'frank-password\n' });
    expect(added).toMatchObject({ code: 0, stdout: 'Created user frank.\n' });
    const server = spawnCalendula(['serve'], { ...db.env, PORT: '0' });
    try {
      const [, url] = await server.waitFor(/listening on (http:\/\/[^\s/]+)/);
      const res = await fetch(`${url}/dav/`, { headers: { authorization: basic('frank', 'frank-password') } });
      expect(res.status).toBe(200);
      // What the bundle imports on first use (here qrcode, for the connect page) loads there too.
      const cookie = await webSignIn(url!, 'frank', 'frank-password');
      const connect = await fetch(`${url}/my/connect`, { headers: { cookie } });
      expect(connect.status).toBe(200);
      expect(await connect.text()).toMatch(/<figure class="qr"[^>]*><svg/);
      if (testEngine() === 'pglite') {
        // The embedded database belongs to one process: the CLI refuses to open it under the server.
        const busy = await runCalendula(['user', 'list'], db.env);
        expect(busy.code).toBe(1);
        expect(busy.stderr).toContain('is in use by process');
        // So does a second server: one line that says what to do, no stack trace.
        const second = await runCalendula(['serve'], { ...db.env, PORT: '0' });
        expect(second.code).toBe(1);
        expect(second.stderr).toMatch(/^calendula: The embedded database in .+ is in use by process \d+ .+\n$/);
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
