// What the web face says about invitation mail, over raw HTTP: the admin status page shows the
// SMTP server (host and port, never the user or password of SMTP_URL), MAIL_FROM, the limits and
// the queue with its latest failures; without SMTP_URL it says plainly that no mail is sent. The
// organizer's event form shows a failed delivery beside the attendee it was for.
//
// No mail worker runs here (none is wired into this server yet, and none is needed): the mails
// stay queued, and a failure is recorded the way the worker records one, through the outbox.
import { describe, expect, it } from 'vitest';
import { calendarQuery, parseMultistatus } from '../helpers/dav.ts';
import { ADMIN_PASSWORD } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

const SECRET = 'very-secret-smtp-password';

async function session(base: string, username: string, password: string) {
  const cookie = await webSignIn(base, username, password);
  return { cookie, csrf: await webCsrf(base, cookie) };
}

async function get(base: string, cookie: string, path: string) {
  const res = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, page: await res.text() };
}

async function post(base: string, cookie: string, path: string, form: Record<string, string>) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual' });
  return { status: res.status, page: await res.text() };
}

describe('mail on the status page and the event form, with SMTP_URL set', { shuffle: false }, () => {
  // The test plays the mail worker's part (markFailed, markSent), so the server runs none: a
  // running worker would try mail.example.org meanwhile and could set a mail back to waiting
  // (a failed lookup is a temporary failure) between the test's step and its check.
  const server = useTestServer({
    env: { APP_TIMEZONE: 'UTC', SMTP_URL: `smtp://mailer:${SECRET}@mail.example.org:2525/?pool=true&token=${SECRET}`, MAIL_FROM: 'calendar@example.org', MAIL_PER_USER_PER_HOUR: '30', SYNC_WORKER: 'false' },
  });
  const alice = server.user('alice', { email: 'alice@example.org' });

  it('shows host, port, sender, limits and an empty queue, never the user or password', async () => {
    const { cookie } = await session(server.url, 'admin', ADMIN_PASSWORD);
    const res = await get(server.url, cookie, '/admin/status');
    expect(res.status).toBe(200);
    expect(res.page).toContain('<h2 id="mail">Invitation mail</h2>');
    expect(res.page).toContain('<span class="mono">mail.example.org:2525</span> — STARTTLS when the server offers it');
    expect(res.page).toContain('<span class="mono">calendar@example.org</span>');
    expect(res.page).toContain('30 mails a user an hour; 100 attendees elsewhere an event; retried for 48 h');
    expect(res.page).not.toContain(SECRET);
    expect(res.page).not.toContain('mailer');
    expect(res.page).not.toContain('SMTP_URL is not set');
    expect(res.page).toContain('No mail has failed.');
  });

  it('counts queued mail and its age, and lists a failure on the status page and beside the attendee on the organizer’s form', async () => {
    const { cookie, csrf } = await session(server.url, 'alice', 'alice-password');
    const saved = await post(server.url, cookie, '/my/events', {
      _csrf: csrf, calendar: 'default', summary: 'Offsite', startDate: '2099-06-01', startTime: '10:00', endDate: '2099-06-01', endTime: '11:00',
      attendees: 'ext@example.net\nother@example.net',
    });
    expect(saved.status).toBe(303);
    const stats = await server.domain.mailOutbox.stats();
    expect(stats.queued).toBe(2);
    // The organizer's copy says the invitations went to the mail queue (SCHEDULE-STATUS 1.1).
    const report = await alice.report('/dav/calendars/alice/default/', calendarQuery('<c:comp-filter name="VCALENDAR"/>'));
    const href = [...parseMultistatus(report.text).members.keys()][0]!;
    const form = await get(server.url, cookie, href.replace('/dav/calendars/alice/', '/my/events/'));
    const row = (email: string) => new RegExp(`<span class="mono">${email.replace(/\./g, '\\.')}</span>[\\s\\S]*?</tr>`).exec(form.page)?.[0] ?? '';
    expect(row('ext@example.net')).toContain('Handed to the mail queue');
    expect(form.page).not.toContain('This server sends no e-mail');
    // The mail server refuses one for good (as the mail worker records it).
    const [failed] = (await server.domain.mailOutbox.recent(10)).filter((m) => m.recipient === 'ext@example.net');
    await server.domain.mailOutbox.markFailed(failed!.id, '550 5.1.1 <ext@example.net>: Recipient address rejected');
    const again = await get(server.url, cookie, href.replace('/dav/calendars/alice/', '/my/events/'));
    const extRow = new RegExp('<span class="mono">ext@example\\.net</span>[\\s\\S]*?</tr>').exec(again.page)![0];
    expect(extRow).toMatch(/The mail of .+ was not delivered: 550 5\.1\.1 &lt;ext@example\.net&gt;: Recipient address rejected/);
    expect(new RegExp('<span class="mono">other@example\\.net</span>[\\s\\S]*?</tr>').exec(again.page)![0]).toContain('Handed to the mail queue');
    const admin = await session(server.url, 'admin', ADMIN_PASSWORD);
    const status = await get(server.url, admin.cookie, '/admin/status');
    const cell = (label: string) => new RegExp(`<th scope="row">${label}</th><td>([^<]*)</td>`).exec(status.page)?.[1];
    expect(cell('Waiting to be sent')).toBe('1');
    expect(cell('Sent')).toBe('0');
    expect(cell('Failed')).toBe('1');
    expect(cell('Oldest waiting for')).toMatch(/^\d+ min \d+ s$/);
    expect(status.page).toContain('<td class="mono">ext@example.net</td><td>REQUEST</td><td><span class="badge">failed</span></td><td class="wrap">550 5.1.1 &lt;ext@example.net&gt;: Recipient address rejected</td>');
    expect(status.page).not.toContain(SECRET);
    // A later mail to the same person that goes out replaces the old failure on the form, and says when it was sent.
    const [other] = (await server.domain.mailOutbox.recent(10)).filter((m) => m.recipient === 'other@example.net');
    await server.domain.mailOutbox.markSent(other!.id);
    await server.running.db.em().transactional((em) =>
      server.domain.mailOutbox.queue(em, { principaluri: 'principals/alice' }, failed!.uid, [{ recipient: 'ext@example.net', method: 'REQUEST', calendardata: failed!.calendardata }]),
    );
    const [retried] = (await server.domain.mailOutbox.recent(10)).filter((m) => m.recipient === 'ext@example.net' && m.status === 'queued');
    await server.domain.mailOutbox.markSent(retried!.id);
    const later = await get(server.url, cookie, href.replace('/dav/calendars/alice/', '/my/events/'));
    const rowIn = (page: string, email: string) => new RegExp(`<span class="mono">${email.replace(/\./g, '\\.')}</span>[\\s\\S]*?</tr>`).exec(page)![0];
    expect(rowIn(later.page, 'ext@example.net')).toMatch(/Mail sent .+/);
    expect(rowIn(later.page, 'ext@example.net')).not.toContain('was not delivered');
    expect(rowIn(later.page, 'other@example.net')).toMatch(/Mail sent .+/);
  });
});

describe('mail on the status page without SMTP_URL', () => {
  const server = useTestServer();

  it('says plainly that no invitation mail is sent', async () => {
    const { cookie } = await session(server.url, 'admin', ADMIN_PASSWORD);
    const res = await get(server.url, cookie, '/admin/status');
    expect(res.status).toBe(200);
    expect(res.page).toContain('SMTP_URL is not set: no invitation mail is sent.');
    expect(res.page).not.toContain('SMTP server');
    const de = await get(server.url, cookie, '/admin/status?lang=de');
    expect(de.page).toContain('SMTP_URL ist nicht gesetzt: Es werden keine Einladungs-E-Mails verschickt.');
  });
});
