// `calendula imip receive` as a mail server's pipe runs it: one message on standard input; exit
// 0 and a line on standard output when the reply was applied, exit 1 and the reason on standard
// error when refused, with nothing changed. The organizer's copy is read over CalDAV from a
// server started on the same database before and after (the embedded engine's data directory
// takes one process at a time, so the server is stopped while the command runs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/boot/cli.ts';
import { startServer, type RunningServer } from '../src/boot/server.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { calendar, event } from './fixtures/ical.ts';
import { freshDatabase, type FreshDatabase } from './helpers/database.ts';
import { basic } from './helpers/server.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures/imip', name), 'utf8');
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');
const UID = '7a1c5e0e-3c11-4b5e-9a53-2f0c4d1e8b21';
const ANN = basic('ann', 'ann-password');

async function cli(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(args, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, env: { LOG_LEVEL: 'silent', ...env } });
  return { code, out, err };
}

describe('calendula imip receive', { shuffle: false }, () => {
  let db: FreshDatabase;

  async function withServer<T>(fn: (s: RunningServer) => Promise<T>): Promise<T> {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SYNC_WORKER: 'false', INITIAL_PASSWORD: 'admin-password-for-tests', ...db.env });
    const running = await startServer(config, createLogger('silent'), { shutdownGraceMs: 2000 });
    try {
      return await fn(running);
    } finally {
      await running.close();
    }
  }
  const organizerCopy = () =>
    withServer(async (s) => {
      const res = await fetch(`${s.url}/dav/calendars/ann/default/review.ics`, { headers: { authorization: ANN } });
      return { etag: res.headers.get('etag'), text: unfold(await res.text()) };
    });
  const tomLine = (text: string) => text.split('\r\n').find((l) => l.startsWith('ATTENDEE') && l.endsWith(':mailto:tom.tb@example.net')) ?? '';

  beforeAll(async () => {
    db = await freshDatabase();
    await withServer(async (s) => {
      await s.domain.users.create({ username: 'ann', password: 'ann-password', email: 'ann@example.org' });
      const ics = calendar(event(UID, ['DTSTART:20270310T090000Z', 'DTEND:20270310T100000Z', 'SUMMARY:Design review', 'ORGANIZER:mailto:ann@example.org', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:tom.tb@example.net']));
      const res = await fetch(`${s.url}/dav/calendars/ann/default/review.ics`, { method: 'PUT', headers: { authorization: ANN, 'content-type': 'text/calendar' }, body: ics });
      expect(res.status).toBe(201);
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a forged reply (From is not the attendee) and one whose receiving server recorded dmarc=fail exit 1 with the reason on standard error; nothing changes', async () => {
    const before = await organizerCopy();
    expect(tomLine(before.text)).toContain('PARTSTAT=NEEDS-ACTION');
    const forged = fixture('thunderbird-reply.eml').replace(/^From: .*$/m, 'From: mallory@example.net');
    const r = await cli(['imip', 'receive'], db.env, forged);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^calendula: refused: .*the mail is from mallory@example\.net/);
    const failed = `Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.net; dmarc=fail (p=quarantine) header.from=example.net\n${fixture('thunderbird-reply.eml')}`;
    const d = await cli(['imip', 'receive'], db.env, failed);
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/^calendula: refused: .*dmarc=fail/);
    expect((await organizerCopy()).etag).toBe(before.etag);
  });

  it('Thunderbird’s reply from the attendee exits 0, says what it did, and the organizer’s copy says ACCEPTED', async () => {
    const r = await cli(['imip', 'receive'], db.env, fixture('thunderbird-reply.eml'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Recorded tom.tb@example.net's answer ACCEPTED in ann@example.org's event ${UID}.\n`);
    expect(tomLine((await organizerCopy()).text)).toContain('PARTSTAT=ACCEPTED');
  });

  it('an empty message, one over MAX_OBJECT_BYTES, or one that is no mail with a calendar exits 1', async () => {
    expect(await cli(['imip', 'receive'], db.env, '')).toMatchObject({ code: 1, err: 'calendula: refused: no message on standard input\n' });
    const big = await cli(['imip', 'receive'], { ...db.env, MAX_OBJECT_BYTES: '2048' }, fixture('thunderbird-reply.eml'));
    expect(big).toMatchObject({ code: 1, err: 'calendula: refused: the message is larger than 2048 bytes (MAX_OBJECT_BYTES)\n' });
    expect(await cli(['imip', 'receive'], db.env, 'hello\n')).toMatchObject({ code: 1, err: expect.stringContaining('calendula: refused:') });
  });

  it('imip without receive is wrong usage (exit 2)', async () => {
    const r = await cli(['imip'], db.env, '');
    expect(r.code).toBe(2);
    expect(r.err).toContain('imip needs a command: receive');
  });
  it('exits 75 (EX_TEMPFAIL: the mail server keeps the message and retries) when the database cannot be reached, and says so', async () => {
    const r = await cli(['imip', 'receive'], { DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none' }, fixture('thunderbird-reply.eml'));
    expect(r.code).toBe(75);
    expect(r.err).toMatch(/^calendula: could not take the message now, try again later: /);
    expect(r.out).toBe('');
  });
});
