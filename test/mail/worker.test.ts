// The mail worker against a real SMTP server on loopback and a real database (both engines):
// queued messages go out once, a temporary refusal is retried with backoff, a server that stays
// away fails the mail at the give-up time, a permanent refusal fails it at once; /metrics shows
// the outbox. Time moves only on a ManualClock: the worker's runOnce/drain, never real waiting.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { ComputePool } from '../../src/compute/pool.ts';
import type { OutgoingMail } from '../../src/domain/mailOutbox.ts';
import { itipRequest } from '../../src/ical/itip.ts';
import { createLogger } from '../../src/logger.ts';
import { MailTransport } from '../../src/mail/transport.ts';
import { MailWorker, mailWorkerOptions } from '../../src/mail/worker.ts';
import { calendarPart, pythonIcalendar, startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const T0 = new Date('2026-12-01T08:00:00Z');

function invitation(uid: string, summary = 'Planning'): string {
  return itipRequest(
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Calendula tests//EN',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20261130T120000Z',
      'DTSTART:20261214T090000Z',
      'DTEND:20261214T100000Z',
      `SUMMARY:${summary}`,
      'ORGANIZER;CN=Alice:mailto:alice@example.com',
      'ATTENDEE;CN=Someone;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:someone@example.net',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    T0,
  );
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface Family {
  name: string;
  metrics: { value?: string }[];
}

async function mailMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const families = parsePrometheusTextFormat(text) as Family[];
  const out: Record<string, number> = {};
  for (const f of families) if (f.name.startsWith('calendula_mail_')) out[f.name] = Number(f.metrics[0]?.value);
  return out;
}

describe('MailWorker', () => {
  const clock = new ManualClock(T0);
  let server: TestServer;
  let smtp: TestSmtp;
  let compute: ComputePool;
  const log = createLogger('silent');
  const workers: MailWorker[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    // SYNC_WORKER=false: no worker runs inside the server; the test drives its own.
    server = await startTestServer({ SMTP_URL: smtp.url, SYNC_WORKER: 'false', MAIL_FROM: 'calendula@calendar.example.org', MAIL_GIVE_UP_HOURS: '1', MAIL_MAX_BACKOFF_SECONDS: '600' }, { clock });
    await server.domain.users.create({ username: 'alice', password: 'alice-password', email: 'alice@example.com' });
    await server.domain.users.create({ username: 'heidi', password: 'heidi-password', email: 'heidi@example.com', locale: 'de-CH' });
    compute = new ComputePool(server.config.compute, log);
  });
  afterAll(async () => {
    await compute?.close();
    await server?.close();
    await smtp?.close();
  });
  beforeEach(() => clock.set(T0));
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
  });

  function worker(smtpUrl = smtp.url): MailWorker {
    const w = new MailWorker(server.domain, compute, new MailTransport({ smtpUrl, timeoutSeconds: 5 }), log, clock, mailWorkerOptions(server.config));
    workers.push(w);
    return w;
  }

  async function queue(uid: string, recipient = 'someone@example.net', sender = 'principals/alice', text = invitation(uid)): Promise<OutgoingMail> {
    const statuses = await server.running.db.em().transactional((em) => server.domain.mailOutbox.queue(em, { principaluri: sender }, uid, [{ recipient, method: 'REQUEST', calendardata: text }]));
    expect(statuses.get(recipient.toLowerCase())).toBe('1.1');
    const [mail] = (await server.domain.mailOutbox.recent(1)).filter((m) => m.uid === uid);
    if (!mail) throw new Error('not queued');
    return mail;
  }

  const row = async (id: number) => (await server.domain.mailOutbox.get(id))!;

  it('sends a queued invitation once: the mail arrives, the row says sent, the job is gone', async () => {
    const before = smtp.received.length;
    const mail = await queue('send-once');
    const w = worker();
    expect(await w.drain()).toBe(1);
    expect(await w.drain()).toBe(0);
    expect(smtp.received).toHaveLength(before + 1);
    const got = smtp.received[before]!;
    expect(got.to).toEqual(['someone@example.net']);
    expect(got.parsed.subject).toBe('Invitation: Planning');
    const cal = calendarPart(got);
    expect(cal.contentType).toMatch(/method=REQUEST/);
    expect((await pythonIcalendar(cal.text)).events[0]!.uid).toBe('send-once');
    const r = await row(mail.id);
    expect(r).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(r.sentAt?.toISOString()).toBe(T0.toISOString());
    expect(await server.domain.jobs.pending()).toBe(0);
  });

  it('writes in the sender’s language (users.locale de-CH → German)', async () => {
    const before = smtp.received.length;
    await queue('german', 'someone@example.net', 'principals/heidi');
    await worker().drain();
    expect(smtp.received[before]!.parsed.subject).toBe('Einladung: Planning');
  });

  it('SMTP refusing temporarily (451) then accepting: sent exactly once, after the backoff', async () => {
    const before = smtp.received.length;
    const mail = await queue('greylisted');
    const w = worker();
    smtp.refuse(451, 'Greylisted, try again later');
    expect(await w.runOnce()).toBe(true);
    let r = await row(mail.id);
    expect(r).toMatchObject({ status: 'queued', attempts: 1 });
    expect(r.lastError).toContain('451');
    expect(smtp.received).toHaveLength(before);
    // Not due before the first backoff (60 s).
    clock.advance(59_000);
    expect(await w.runOnce()).toBe(false);
    clock.advance(1_000);
    expect(await w.runOnce()).toBe(true);
    r = await row(mail.id);
    expect(r).toMatchObject({ status: 'sent', attempts: 2 });
    clock.advance(3600_000);
    expect(await w.drain()).toBe(0);
    expect(smtp.received.filter((m) => m.raw.includes('UID:greylisted'))).toHaveLength(1);
  });

  it('SMTP down for good: retried with doubling backoff up to MAIL_MAX_BACKOFF_SECONDS, failed at MAIL_GIVE_UP_HOURS', async () => {
    const mail = await queue('nobody-home');
    const w = worker(`smtp://127.0.0.1:${await closedPort()}`);
    const attemptsAt: number[] = [];
    for (let step = 0; step < 200; step++) {
      if (await w.runOnce()) attemptsAt.push((clock.now().getTime() - T0.getTime()) / 1000);
      const r = await row(mail.id);
      if (r.status !== 'queued') break;
      clock.advance(30_000);
    }
    // 60, 120, 240, 480 s, then 600 s (the cap), the last one exactly at the give-up time (1 h).
    expect(attemptsAt).toEqual([0, 60, 180, 420, 900, 1500, 2100, 2700, 3300, 3600]);
    const r = await row(mail.id);
    expect(r.status).toBe('failed');
    expect(r.attempts).toBe(10);
    expect(r.lastError).toMatch(/^gave up after 1 h: /);
    expect(await server.domain.jobs.pending()).toBe(0);
    expect((await server.domain.mailOutbox.failures('principals/alice', 'nobody-home')).map((m) => m.id)).toEqual([mail.id]);
  });

  it('a permanent refusal (550) fails the mail at once, without retries', async () => {
    const mail = await queue('no-such-user');
    const w = worker();
    smtp.refuse(550, 'No such user');
    expect(await w.drain()).toBe(1);
    const r = await row(mail.id);
    expect(r).toMatchObject({ status: 'failed', attempts: 1 });
    expect(r.lastError).toContain('550');
    clock.advance(24 * 3600_000);
    expect(await w.drain()).toBe(0);
  });

  it('an address no mail can go to is refused when queued (SCHEDULE-STATUS 3.7): no job, nothing reaches the SMTP server', async () => {
    const before = smtp.received.length;
    const statuses = await server.running.db
      .em()
      .transactional((em) => server.domain.mailOutbox.queue(em, { principaluri: 'principals/alice' }, 'bad-address', [{ recipient: 'someone@example.net>, other@example.org', method: 'REQUEST', calendardata: invitation('bad-address') }]));
    expect([...statuses.values()]).toEqual(['3.7']);
    expect(await worker().drain()).toBe(0);
    expect(smtp.received).toHaveLength(before);
    expect((await server.domain.mailOutbox.failures('principals/alice', 'bad-address')).map((m) => m.status)).toEqual(['refused']);
  });

  it('a job whose message is already settled sends nothing again', async () => {
    const before = smtp.received.length;
    const mail = await queue('settled');
    await server.domain.mailOutbox.markSent(mail.id);
    expect(await worker().drain()).toBe(1);
    expect(smtp.received).toHaveLength(before);
  });

  it('/metrics: mails sent and failed, queued and the oldest one’s age, read from the outbox', async () => {
    const stats = await server.domain.mailOutbox.stats();
    let m = await mailMetrics(server.url);
    expect(m).toEqual({
      calendula_mail_sent_total: stats.sent,
      calendula_mail_failed_total: stats.failed,
      calendula_mail_queued: 0,
      calendula_mail_oldest_queued_seconds: 0,
    });
    await queue('waiting-1');
    clock.advance(90_000);
    await queue('waiting-2');
    clock.advance(30_000);
    m = await mailMetrics(server.url);
    expect(m.calendula_mail_queued).toBe(2);
    expect(m.calendula_mail_oldest_queued_seconds).toBe(120);
    smtp.refuse(554, 'Rejected');
    expect(await worker().drain()).toBe(2);
    m = await mailMetrics(server.url);
    expect(m).toEqual({
      calendula_mail_sent_total: stats.sent + 1,
      calendula_mail_failed_total: stats.failed + 1,
      calendula_mail_queued: 0,
      calendula_mail_oldest_queued_seconds: 0,
    });
  });
});
