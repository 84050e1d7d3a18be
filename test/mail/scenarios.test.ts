// iMIP out from CalDAV writes to the mailbox: a user's PUT/DELETE over raw HTTP, the mail worker
// run by the test (drain; time on a ManualClock), a real SMTP server on loopback, the mail read by
// mailparser and python3-icalendar. Invitation, update, an attendee taken off, cancel, a reply from
// a user here to an organizer elsewhere, SCHEDULE-AGENT=CLIENT, and the hourly limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { ComputePool } from '../../src/compute/pool.ts';
import { createLogger } from '../../src/logger.ts';
import { MailTransport } from '../../src/mail/transport.ts';
import { MailWorker, mailWorkerOptions } from '../../src/mail/worker.ts';
import { calendar, event } from '../fixtures/ical.ts';
import { calendarPart, pythonIcalendar, startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.ts';
import { useTestServer } from '../helpers/testServer.ts';

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

describe('iMIP out, from CalDAV writes to the mailbox', { shuffle: false }, () => {
  const clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));
  let smtp: TestSmtp;
  let smtpUrl = '';
  // Registered before useTestServer's hook, so it runs first: the server reads SMTP_URL when it starts.
  beforeAll(async () => {
    smtp = await startSmtp();
    smtpUrl = smtp.url;
  });
  const server = useTestServer({
    env: {
      get SMTP_URL() {
        return smtpUrl;
      },
      SYNC_WORKER: 'false',
      MAIL_FROM: 'calendar@calendula.test',
      MAIL_PER_USER_PER_HOUR: '6',
    } as Record<string, string>,
    start: { clock },
  });
  const olga = server.user('olga', { email: 'olga@example.org', displayName: 'Olga Organizer' });
  const ben = server.user('ben', { email: 'ben@example.org', displayName: 'Ben Here' });
  let compute: ComputePool;
  let worker: MailWorker;
  const log = createLogger('silent');

  beforeAll(async () => {
    compute = new ComputePool(server.config.compute, log);
    worker = new MailWorker(server.domain, compute, new MailTransport(server.config.mail), log, clock, mailWorkerOptions(server.config));
  });
  afterAll(async () => {
    await worker?.stop();
    await compute?.close();
    await smtp?.close();
  });

  const sent = async (): Promise<ReceivedMail[]> => {
    const before = smtp.received.length;
    await worker.drain();
    return smtp.received.slice(before);
  };

  const meeting = (uid: string, opts: { sequence?: number; start?: string; attendees?: string[]; extra?: string[] } = {}) =>
    calendar(
      event(uid, [
        `DTSTART:${opts.start ?? '20260310T100000Z'}`,
        'DTEND:20260310T110000Z',
        'SUMMARY:Budget review',
        `SEQUENCE:${opts.sequence ?? 0}`,
        'ORGANIZER;CN=Olga Organizer:mailto:olga@example.org',
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:olga@example.org',
        ...(opts.attendees ?? ['carl@elsewhere.example', 'dora@elsewhere.example']).map((a) => `ATTENDEE;CN=${a.split('@')[0]};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`),
        ...(opts.extra ?? []),
      ]),
    );
  const path = (uid: string) => `/dav/calendars/olga/default/${uid}.ics`;
  const by = (mails: ReceivedMail[]) => new Map(mails.map((m) => [m.to[0]!, m]));

  it('invitation: one REQUEST mail per attendee elsewhere, in the organizer’s name', async () => {
    expect((await olga.put(path('flow'), meeting('flow'))).status).toBe(201);
    const mails = by(await sent());
    expect([...mails.keys()].sort()).toEqual(['carl@elsewhere.example', 'dora@elsewhere.example']);
    for (const m of mails.values()) {
      expect(m.parsed.subject).toBe('Invitation: Budget review');
      expect(m.parsed.from).toMatchObject({ value: [{ name: 'Olga Organizer', address: 'calendar@calendula.test' }] });
      expect(m.parsed.replyTo).toMatchObject({ value: [{ address: 'olga@example.org' }] });
      const py = await pythonIcalendar(calendarPart(m).text);
      expect(py).toMatchObject({ method: 'REQUEST', events: [{ uid: 'flow', sequence: 0 }] });
      expect(m.parsed.text).toMatch(/\/answer\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    }
  });

  it('update (new time, SEQUENCE 1) and an attendee taken off: "Updated invitation" to the one who stays, CANCEL to the one taken off', async () => {
    const res = await olga.put(path('flow'), meeting('flow', { sequence: 1, start: '20260310T093000Z', attendees: ['carl@elsewhere.example'] }));
    expect(res.status).toBe(204);
    const mails = by(await sent());
    expect([...mails.keys()].sort()).toEqual(['carl@elsewhere.example', 'dora@elsewhere.example']);
    const carl = mails.get('carl@elsewhere.example')!;
    expect(carl.parsed.subject).toBe('Updated invitation: Budget review');
    expect(carl.parsed.text).toMatch(/09:30/);
    expect(calendarPart(carl).contentType).toMatch(/method=REQUEST/);
    const dora = mails.get('dora@elsewhere.example')!;
    expect(dora.parsed.subject).toBe('Cancelled: Budget review');
    const py = await pythonIcalendar(calendarPart(dora).text);
    expect(py.method).toBe('CANCEL');
    expect(py.events[0]!.attendees.map((a) => a.address.toLowerCase())).toEqual(['mailto:dora@elsewhere.example']);
  });

  it('a change only to an attendee’s own answer mails nobody', async () => {
    const copy = await olga.request('GET', path('flow'));
    const text = unfold(copy.text).replace('PARTSTAT=ACCEPTED:mailto:olga@', 'PARTSTAT=TENTATIVE:mailto:olga@');
    expect((await olga.put(path('flow'), text, { 'if-match': copy.headers.get('etag')! })).status).toBe(204);
    expect(await sent()).toEqual([]);
  });

  it('delete: CANCEL to every attendee elsewhere still invited', async () => {
    expect((await olga.request('DELETE', path('flow'))).status).toBe(204);
    const mails = await sent();
    expect(mails.map((m) => m.to[0])).toEqual(['carl@elsewhere.example']);
    expect(mails[0]!.parsed.subject).toBe('Cancelled: Budget review');
    expect((await pythonIcalendar(calendarPart(mails[0]!).text)).events[0]!.status).toBe('CANCELLED');
  });

  it('a user here accepting an organizer elsewhere: a REPLY mail From Ben at MAIL_FROM, Reply-To Ben, To the organizer', async () => {
    const benPath = '/dav/calendars/ben/default/partner.ics';
    const invitation = (partstat: string) =>
      calendar(
        event('partner', [
          'DTSTART:20260320T100000Z',
          'DTEND:20260320T110000Z',
          'SUMMARY:Partner call',
          'SEQUENCE:3',
          'ORGANIZER;CN=Zed Elsewhere:mailto:zed@elsewhere.example',
          'ATTENDEE;PARTSTAT=ACCEPTED:mailto:zed@elsewhere.example',
          `ATTENDEE;CN=Ben Here;PARTSTAT=${partstat};RSVP=TRUE:mailto:ben@example.org`,
        ]),
      );
    expect((await ben.put(benPath, invitation('NEEDS-ACTION'))).status).toBe(201);
    expect(await sent()).toEqual([]);
    const copy = await ben.request('GET', benPath);
    expect((await ben.put(benPath, unfold(copy.text).replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ben@', 'PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:ben@'), { 'if-match': copy.headers.get('etag')! })).status).toBe(204);
    const [reply, ...more] = await sent();
    expect(more).toEqual([]);
    expect(reply!.to).toEqual(['zed@elsewhere.example']);
    expect(reply!.parsed.subject).toBe('Accepted: Partner call');
    expect(reply!.parsed.from).toMatchObject({ value: [{ name: 'Ben Here', address: 'calendar@calendula.test' }] });
    expect(reply!.parsed.replyTo).toMatchObject({ value: [{ address: 'ben@example.org' }] });
    const py = await pythonIcalendar(calendarPart(reply!).text);
    expect(py.method).toBe('REPLY');
    expect(py.events[0]).toMatchObject({ uid: 'partner', sequence: 3 });
    expect(py.events[0]!.attendees).toEqual([expect.objectContaining({ address: expect.stringMatching(/^mailto:ben@example\.org$/i), partstat: 'ACCEPTED' })]);
  });

  it('SCHEDULE-AGENT=CLIENT on an attendee: the client mails them itself, we send nothing', async () => {
    const text = meeting('client-sends', { attendees: [], extra: ['ATTENDEE;SCHEDULE-AGENT=CLIENT;PARTSTAT=NEEDS-ACTION:mailto:carl@elsewhere.example'] });
    expect((await olga.put(path('client-sends'), text)).status).toBe(201);
    expect(await sent()).toEqual([]);
  });

  it('the hourly limit (MAIL_PER_USER_PER_HOUR=6): the attendees past it get no mail and SCHEDULE-STATUS 5.3', async () => {
    // Olga has mailed 5 times this hour (2 invitations, an update, 2 cancellations): one more goes.
    const who = ['p1@elsewhere.example', 'p2@elsewhere.example', 'p3@elsewhere.example'];
    expect((await olga.put(path('limited'), meeting('limited', { attendees: who }))).status).toBe(201);
    const mails = await sent();
    expect(mails.map((m) => m.to[0])).toEqual(['p1@elsewhere.example']);
    const stored = unfold((await olga.request('GET', path('limited'))).text);
    const status = (a: string) => new RegExp(`ATTENDEE[^\\r\\n]*SCHEDULE-STATUS="?([0-9.]+)"?[^\\r\\n]*:mailto:${a.replace('.', '\\.')}`).exec(stored)?.[1];
    expect(who.map(status)).toEqual(['1.1', '5.3', '5.3']);
    const failures = await server.domain.mailOutbox.failures('principals/olga', 'limited');
    expect(failures.map((f) => [f.recipient, f.status])).toEqual(expect.arrayContaining([['p2@elsewhere.example', 'refused'], ['p3@elsewhere.example', 'refused']]));
  });
});
