// Where the mail worker runs: inside the server when SMTP_URL is set, in `calendula worker
// --once`, and as two workers on one PostgreSQL that never send one mail twice.
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/boot/server.ts';
import { ComputePool } from '../../src/compute/pool.ts';
import { itipRequest } from '../../src/ical/itip.ts';
import { createLogger } from '../../src/logger.ts';
import { MailTransport } from '../../src/mail/transport.ts';
import { MailWorker, mailWorkerOptions } from '../../src/mail/worker.ts';
import { testEngine } from '../helpers/database.ts';
import { runCalendula } from '../helpers/process.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';

const text = (uid: string) =>
  itipRequest(
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Calendula tests//EN',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20261130T120000Z',
      'DTSTART:20361214T090000Z',
      'DTEND:20361214T100000Z',
      'SUMMARY:Wiring',
      'ORGANIZER;CN=Alice:mailto:alice@example.com',
      'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:someone@example.net',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    new Date(),
  );

async function queue(server: TestServer, uid: string, recipients = ['someone@example.net']): Promise<void> {
  if (!(await server.domain.users.get('alice'))) await server.domain.users.create({ username: 'alice', password: 'alice-password', email: 'alice@example.com' });
  await server.running.db.em().transactional((em) =>
    server.domain.mailOutbox.queue(
      em,
      { principaluri: 'principals/alice' },
      uid,
      recipients.map((recipient) => ({ recipient, method: 'REQUEST' as const, calendardata: text(uid) })),
    ),
  );
}

describe('mail worker wiring', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  const smtp = async (): Promise<TestSmtp> => {
    const s = await startSmtp();
    closers.push(() => s.close());
    return s;
  };
  const server = async (env: Record<string, string>): Promise<TestServer> => {
    const s = await startTestServer(env);
    closers.push(() => s.close());
    return s;
  };

  it('the server sends queued mail by itself when SMTP_URL is set, and stops its worker on close', async () => {
    const s = await smtp();
    const srv = await server({ SMTP_URL: s.url });
    await queue(srv, 'in-server');
    const [mail] = await s.waitFor(1, 10_000);
    expect(mail!.parsed.subject).toBe('Invitation: Wiring');
    // The worker records the send once the server's answer is back.
    for (let i = 0; i < 100 && (await srv.domain.mailOutbox.stats()).sent === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await srv.domain.mailOutbox.stats()).toMatchObject({ sent: 1, queued: 0 });
  });

  it('`calendula worker --once` sends the waiting mail and exits', async () => {
    const s = await smtp();
    const srv = await startTestServer({ SMTP_URL: s.url, SYNC_WORKER: 'false' });
    let closed = false;
    closers.push(async () => {
      if (!closed) await srv.close();
      else await srv.database.drop();
    });
    await queue(srv, 'cli-1');
    await queue(srv, 'cli-2');
    await srv.running.close();
    closed = true;
    const out = await runCalendula(['worker', '--once'], { ...srv.database.env, SMTP_URL: s.url, LOG_LEVEL: 'warn' });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('Ran 0 jobs and 2 mail jobs; 0 waiting for later.\n');
    expect(s.received.map((m) => /UID:(\S+)/.exec(m.parsed.attachments[0]!.content.toString())?.[1]).sort()).toEqual(['cli-1', 'cli-2']);
  });

  it.runIf(testEngine() === 'postgres')('two mail workers on one PostgreSQL never send one mail twice (PostgreSQL only: the embedded database admits one process)', async () => {
    const s = await smtp();
    const srv = await server({ SMTP_URL: s.url, SYNC_WORKER: 'false' });
    const other = await startServer(srv.config, createLogger('silent'));
    closers.push(() => other.close());
    const N = 30;
    await queue(
      srv,
      'many',
      Array.from({ length: N }, (_, i) => `guest${i}@example.net`),
    );
    const log = createLogger('silent');
    const compute = new ComputePool(srv.config.compute, log);
    closers.push(() => compute.close());
    const a = new MailWorker(srv.domain, compute, new MailTransport(srv.config.mail), log, srv.domain.clock, mailWorkerOptions(srv.config));
    const b = new MailWorker(other.domain, compute, new MailTransport(srv.config.mail), log, other.domain.clock, mailWorkerOptions(srv.config));
    closers.push(() => a.stop(), () => b.stop());
    const [ranA, ranB] = await Promise.all([a.drain(), b.drain()]);
    expect(ranA + ranB).toBe(N);
    expect(s.received).toHaveLength(N);
    expect(new Set(s.received.map((m) => m.to[0])).size).toBe(N);
  });
});
