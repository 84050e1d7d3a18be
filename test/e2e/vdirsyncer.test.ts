// vdirsyncer (Debian package): two-way sync between a local folder and the server.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { APPLE, D, Dav, parseMultistatus, textIn } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const hasVdirsyncer = existsSync('/usr/bin/vdirsyncer');

function vdirsyncer(args: string[], config: string, input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('/usr/bin/vdirsyncer', args, { env: { ...process.env, VDIRSYNCER_CONFIG: config, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input);
  });
}

describe.runIf(hasVdirsyncer)('vdirsyncer two-way sync (needs Debian vdirsyncer; .ci/run installs it)', () => {
  let server: TestServer;
  const dirs: string[] = [];

  /**
   * A user of the case's own with a vdirsyncer folder and configuration, the server holding one
   * event: each case syncs its own pair, so that cases run in any order.
   */
  const sandbox = async (username: string) => {
    await server.domain.users.create({ username, password: `${username}-password` });
    const dav = new Dav(server.url, username, `${username}-password`);
    const dir = mkdtempSync(join(tmpdir(), 'calendula-vdirsyncer-'));
    dirs.push(dir);
    const config = join(dir, 'config');
    const local = join(dir, 'local');
    const writeConfig = (resolution: string) =>
      writeFileSync(
        config,
        `[general]
status_path = "${join(dir, 'status')}/"

[pair cal]
a = "cal_local"
b = "cal_remote"
collections = ["from a", "from b"]
metadata = ["displayname", "color"]
${resolution}

[storage cal_local]
type = "filesystem"
path = "${local}/"
fileext = ".ics"

[storage cal_remote]
type = "caldav"
url = "${server.url}/dav/"
username = "${username}"
password = "${username}-password"
`,
      );
    writeConfig('');
    await dav.put(`/dav/calendars/${username}/default/server-made.ics`, calendar(event('server-made', ['DTSTART:20260110T100000Z', 'SUMMARY:From the server'])));
    const home = `/dav/calendars/${username}/`;
    return { dav, config, local, home, writeConfig };
  };
  /** A sandbox already discovered and synced once. */
  const synced = async (username: string) => {
    const box = await sandbox(username);
    expect((await vdirsyncer(['discover', 'cal'], box.config, 'y\n'.repeat(20))).code).toBe(0);
    expect((await vdirsyncer(['sync'], box.config)).code).toBe(0);
    return box;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('discovers the calendars and brings the server events down', async () => {
    const { config, local } = await sandbox('vera');
    const d = await vdirsyncer(['discover', 'cal'], config, 'y\n'.repeat(20));
    expect(d.code, d.out).toBe(0);
    const s = await vdirsyncer(['sync'], config);
    expect(s.code, s.out).toBe(0);
    const files = readdirSync(join(local, 'default'));
    expect(files).toHaveLength(1);
    expect(readFileSync(join(local, 'default', files[0]!), 'utf8')).toContain('SUMMARY:From the server');
  });

  it('pushes a local event up, then a server change down, then a local delete up', async () => {
    const { dav, config, local, home } = await synced('victor');
    writeFileSync(join(local, 'default', 'local-made.ics'), calendar(event('local-made', ['DTSTART:20260111T100000Z', 'SUMMARY:From the folder'])));
    expect((await vdirsyncer(['sync'], config)).code).toBe(0);
    const listed = parseMultistatus((await dav.propfind(`${home}default/`, '<d:getetag/>', '1')).text);
    expect(listed.members.size).toBe(3);

    const href = [...listed.members.keys()].find((h) => h.includes('local-made'))!;
    const etag = textIn(listed.members.get(href)!.props.get(D('getetag'))!.el);
    expect((await dav.put(href, calendar(event('local-made', ['DTSTART:20260111T100000Z', 'SUMMARY:Changed on the server'])), { 'if-match': etag })).status).toBe(204);
    expect((await vdirsyncer(['sync'], config)).code).toBe(0);
    const localFile = readdirSync(join(local, 'default')).find((f) => readFileSync(join(local, 'default', f), 'utf8').includes('UID:local-made'))!;
    expect(readFileSync(join(local, 'default', localFile), 'utf8')).toContain('SUMMARY:Changed on the server');

    rmSync(join(local, 'default', localFile));
    expect((await vdirsyncer(['sync'], config)).code).toBe(0);
    expect((await dav.request('GET', href)).status).toBe(404);
  });

  it('reports a conflict when both sides changed, and resolves it as configured', async () => {
    const { dav, config, local, home, writeConfig } = await synced('wanda');
    const file = readdirSync(join(local, 'default'))[0]!;
    const path = join(local, 'default', file);
    writeFileSync(path, calendar(event('server-made', ['DTSTART:20260110T100000Z', 'SUMMARY:Local edit'])));
    const listed = parseMultistatus((await dav.propfind(`${home}default/`, '<d:getetag/>', '1')).text);
    const [href, m] = [...listed.members].find(([h]) => h.endsWith('.ics'))!;
    await dav.put(href, calendar(event('server-made', ['DTSTART:20260110T100000Z', 'SUMMARY:Server edit'])), { 'if-match': textIn(m.props.get(D('getetag'))!.el) });
    const conflicted = await vdirsyncer(['sync'], config);
    expect(conflicted.code).not.toBe(0);
    expect(conflicted.out.toLowerCase()).toContain('conflict');
    writeConfig('conflict_resolution = "b wins"');
    expect((await vdirsyncer(['sync'], config)).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain('SUMMARY:Server edit');
  });

  it('creates a collection from a new local folder (extended MKCOL) and syncs metadata (PROPPATCH)', async () => {
    const { dav, config, local, home } = await synced('xena');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(local, 'hobby'));
    writeFileSync(join(local, 'hobby', 'displayname'), 'Hobby');
    writeFileSync(join(local, 'hobby', 'color'), '#336699');
    writeFileSync(join(local, 'hobby', 'h.ics'), calendar(event('hobby-1', ['DTSTART:20260112T100000Z', 'SUMMARY:Climbing'])));
    const d = await vdirsyncer(['discover', 'cal'], config, 'y\n'.repeat(20));
    expect(d.code, d.out).toBe(0);
    expect((await vdirsyncer(['sync'], config)).code).toBe(0);
    expect((await vdirsyncer(['metasync'], config)).code).toBe(0);
    const p = parseMultistatus((await dav.propfind(`${home}hobby/`, '<d:displayname/><a:calendar-color/>', '1')).text);
    const col = p.members.get(`${home}hobby/`)!;
    expect(textIn(col.props.get(D('displayname'))!.el)).toBe('Hobby');
    expect(textIn(col.props.get(APPLE('calendar-color'))!.el)).toBe('#336699');
    expect([...p.members.keys()].some((h) => h.endsWith('.ics'))).toBe(true);
  });
});
