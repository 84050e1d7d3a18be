// The mail outbox on the engine under test: rows and `imip` jobs in the caller's transaction, the
// hourly and per-event limits (SCHEDULE-STATUS 5.3, refused rows with the reason), the outcome of
// delivery attempts, and the figures the status page and /metrics read.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { IMIP_JOB_KIND } from '../../src/domain/mailOutbox.ts';
import { useTestServer } from '../helpers/testServer.ts';

const clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));

describe('mail outbox', () => {
  const server = useTestServer({ env: { SMTP_URL: 'smtp://127.0.0.1:1', MAIL_PER_USER_PER_HOUR: '3', MAIL_MAX_ATTENDEES: '2', SYNC_WORKER: 'false' }, start: { clock } });
  server.user('olga', { email: 'olga@example.org' });
  const olga = { principaluri: 'principals/olga' };
  const text = (n: number) => `BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nX-N:${n}\r\nEND:VCALENDAR\r\n`;
  const queue = (uid: string, recipients: string[]) =>
    server.running.db.em().transactional((em) =>
      server.domain.mailOutbox.queue(em, olga, uid, recipients.map((recipient, i) => ({ recipient, method: 'REQUEST' as const, calendardata: text(i) }))),
    );

  it('queues a row and an imip job per message; the per-event and hourly limits refuse the rest with 5.3', async () => {
    expect(server.domain.mailOutbox.enabled).toBe(true);
    const first = await queue('ev-1', ['A@Example.net', 'b@example.net', 'c@example.net']);
    expect([...first]).toEqual([
      ['a@example.net', '1.1'],
      ['b@example.net', '1.1'],
      ['c@example.net', '5.3'],
    ]);
    const second = await queue('ev-2', ['d@example.net', 'e@example.net']);
    expect([...second]).toEqual([
      ['d@example.net', '1.1'],
      ['e@example.net', '5.3'],
    ]);
    const jobs = await server.running.db.em().execute<{ kind: string; key: string; payload: unknown }[]>('select kind, key, payload from jobs order by id');
    expect(jobs.map((j) => j.kind)).toEqual([IMIP_JOB_KIND, IMIP_JOB_KIND, IMIP_JOB_KIND]);
    const recent = await server.domain.mailOutbox.recent(10);
    expect(recent.map((m) => [m.recipient, m.status])).toEqual([
      ['e@example.net', 'refused'],
      ['d@example.net', 'queued'],
      ['c@example.net', 'refused'],
      ['b@example.net', 'queued'],
      ['a@example.net', 'queued'],
    ]);
    const d = recent[1]!;
    expect(jobs.map((j) => j.key)).toContain(`imip:${d.id}`);
    const payload = jobs.find((j) => j.key === `imip:${d.id}`)!.payload;
    expect(typeof payload === 'string' ? JSON.parse(payload) : payload).toEqual({ messageId: d.id });
    expect(recent[0]!.lastError).toMatch(/MAIL_PER_USER_PER_HOUR/);
    expect(recent[2]!.lastError).toMatch(/MAIL_MAX_ATTENDEES/);
    const failures = await server.domain.mailOutbox.failures('principals/olga', 'ev-1');
    expect(failures.map((m) => m.recipient)).toEqual(['c@example.net']);

    clock.advance(3600_000 + 1000); // an hour later the sender may mail again
    expect([...(await queue('ev-3', ['f@example.net']))]).toEqual([['f@example.net', '1.1']]);
  });

  it('records attempts: retried, sent, failed; stats count them and the oldest queued age', async () => {
    const outbox = server.domain.mailOutbox;
    const [f, d, b, a] = await outbox.recent(10).then((r) => r.filter((m) => m.status === 'queued'));
    expect(f!.recipient).toBe('f@example.net');
    await outbox.markAttempt(a!.id, '421 try later');
    await outbox.markSent(a!.id);
    await outbox.markFailed(b!.id, '550 no such user');
    const sent = (await outbox.get(a!.id))!;
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, lastError: null, method: 'REQUEST', uid: 'ev-1', principaluri: 'principals/olga' });
    expect(sent.sentAt?.getTime()).toBe(clock.now().getTime());
    expect(sent.calendardata).toContain('METHOD:REQUEST');
    expect(await outbox.get(b!.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: '550 no such user' });
    const stats = await outbox.stats();
    expect(stats).toEqual({ queued: 2, sent: 1, failed: 1, oldestQueuedSeconds: 3601 });
    expect(d!.createdAt.getTime()).toBe(new Date('2026-03-01T09:00:00Z').getTime());
    expect((await outbox.failures('principals/olga')).map((m) => m.status)).toEqual(['refused', 'refused', 'failed']);
    expect(await outbox.get(999_999)).toBeNull();
    expect(await outbox.senderLocale('principals/olga')).toBeNull();
  });
  it('after MAIL_RETENTION_DAYS the text of settled mails is forgotten, queued ones keep theirs; the counts do not move', async () => {
    const outbox = server.domain.mailOutbox;
    const before = await outbox.stats();
    expect(await outbox.prune()).toBe(0);
    clock.advance(91 * 86_400_000);
    const cleared = await outbox.prune();
    expect(cleared).toBeGreaterThan(0);
    const all = await outbox.recent(50);
    for (const m of all) expect((await outbox.get(m.id))!.calendardata === '').toBe(m.status !== 'queued');
    const after = await outbox.stats();
    expect({ ...after, oldestQueuedSeconds: null }).toEqual({ ...before, oldestQueuedSeconds: null });
    expect(await outbox.prune()).toBe(0);
  });
});

describe('mail outbox: the hourly limit under concurrent writes', () => {
  const server = useTestServer({ env: { SMTP_URL: 'smtp://127.0.0.1:1', MAIL_PER_USER_PER_HOUR: '2', SYNC_WORKER: 'false' } });
  server.user('pia', { email: 'pia@example.org' });

  it('writes of one sender queued at the same time pass the limit no more than it allows', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        server.running.db.em().transactional((em) =>
          server.domain.mailOutbox.queue(em, { principaluri: 'principals/pia' }, `ev-${i}`, [{ recipient: `r${i}@example.net`, method: 'REQUEST', calendardata: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' }]),
        ),
      ),
    );
    const all = results.flatMap((m) => [...m.values()]);
    expect(all.filter((s) => s === '1.1')).toHaveLength(2);
    expect(all.filter((s) => s === '5.3')).toHaveLength(4);
  });
});
