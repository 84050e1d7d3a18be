// ACCEPTANCE of issue #27, iMIP out: with SMTP_URL pointing at an SMTP server on loopback and
// PUBLIC_URL set, a PUT of an event whose attendee is someone@example.net leads within 10 s to one
// mail to that address with a `text/calendar; method=REQUEST` part that Debian's python3-icalendar
// parses and whose UID is the event's; the answer link found in its text part accepts, and the
// organizer's copy then says PARTSTAT=ACCEPTED for that attendee; deleting the event sends
// METHOD:CANCEL. Everything real: the server with its own mail worker, raw CalDAV, the SMTP
// server, mailparser, ical.js and python3-icalendar.
import ICAL from 'ical.js';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dav } from '../helpers/dav.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { calendarPart, pythonIcalendar, startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.ts';

const UID = 'acceptance-imip-1@calendula.test';
const PATH = '/dav/calendars/alice/default/acceptance.ics';
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

/** A free loopback port, so that PUBLIC_URL can name the server's own address before it starts. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function theEvent(): string {
  const start = new Date(Date.now() + 14 * 86_400_000);
  const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Calendula acceptance//EN',
    'BEGIN:VEVENT',
    `UID:${UID}`,
    `DTSTAMP:${stamp(new Date())}`,
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(new Date(start.getTime() + 3600_000))}`,
    'SUMMARY:Quarterly review',
    'LOCATION:Room 7',
    'ORGANIZER;CN=Alice Organizer:mailto:alice@example.com',
    'ATTENDEE;CN=Alice Organizer;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@example.com',
    'ATTENDEE;CN=Someone;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:someone@example.net',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** Waits (real time, the server's worker runs by itself) until `n` mails arrived, at most `ms`. */
async function mails(smtp: TestSmtp, n: number, ms: number): Promise<ReceivedMail[]> {
  return smtp.waitFor(n, ms);
}

describe('ACCEPTANCE: iMIP out with answer links (issue #27)', { shuffle: false }, () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let alice: Dav;
  let invitation: ReceivedMail;

  beforeAll(async () => {
    smtp = await startSmtp();
    const port = await freePort();
    server = await startTestServer({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, SMTP_URL: smtp.url, MAIL_FROM: 'calendar@calendula.test' });
    await server.domain.users.create({ username: 'alice', password: 'alice-password', email: 'alice@example.com', displayName: 'Alice Organizer' });
    alice = new Dav(server.url, 'alice', 'alice-password');
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('a PUT with attendee someone@example.net: within 10 s one mail to that address, text/calendar; method=REQUEST, python3-icalendar reads the event’s UID', async () => {
    const put = await alice.put(PATH, theEvent());
    expect(put.status).toBe(201);
    // The acceptance's bound: waitFor fails the case when no mail arrived within 10 s.
    [invitation] = (await mails(smtp, 1, 10_000)) as [ReceivedMail];
    expect(smtp.received).toHaveLength(1);
    expect(invitation.to).toEqual(['someone@example.net']);
    expect(invitation.parsed.subject).toBe('Invitation: Quarterly review');
    const cal = calendarPart(invitation);
    expect(cal.contentType).toMatch(/^Content-Type: text\/calendar;.*\bmethod=REQUEST\b/i);
    expect(cal.contentType).toMatch(/charset=utf-8/i);
    const py = await pythonIcalendar(cal.text);
    expect(py.method).toBe('REQUEST');
    expect(py.events.map((e) => e.uid)).toEqual([UID]);
    const comp = new ICAL.Component(ICAL.parse(cal.text));
    expect(comp.getFirstSubcomponent('vevent')?.getFirstPropertyValue('uid')).toBe(UID);
    // The organizer's copy records the hand-over once (RFC 6638 SCHEDULE-STATUS 1.1).
    const copy = unfold((await alice.request('GET', PATH)).text);
    expect(copy).toMatch(/ATTENDEE[^\r\n]*SCHEDULE-STATUS=1\.1[^\r\n]*:mailto:someone@example\.net/);
  });

  it('the answer link in the text part accepts: the organizer’s copy says PARTSTAT=ACCEPTED for that attendee', async () => {
    const link = /(https?:\/\/\S+\/answer\/[A-Za-z0-9._-]+)/.exec(invitation.parsed.text ?? '')?.[1];
    expect(link).toBeDefined();
    expect(link!.startsWith(`${server.config.publicUrl}/answer/`)).toBe(true);
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Quarterly review');
    const answer = await fetch(link!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ partstat: 'ACCEPTED' }), redirect: 'manual' });
    expect([200, 303]).toContain(answer.status);
    const copy = unfold((await alice.request('GET', PATH)).text);
    const line = copy.split('\r\n').find((l) => l.startsWith('ATTENDEE') && l.toLowerCase().endsWith(':mailto:someone@example.net'));
    expect(line).toMatch(/[;:]PARTSTAT=ACCEPTED[;:]/);
    const py = await pythonIcalendar(copy);
    expect(py.events[0]!.attendees.find((a) => a.address.toLowerCase() === 'mailto:someone@example.net')?.partstat).toBe('ACCEPTED');
    // Taking in the answer mails nobody (an answer is not a change the attendees must hear of).
    expect(smtp.received).toHaveLength(1);
  });

  it('deleting the event sends METHOD:CANCEL to the attendee', async () => {
    const del = await alice.request('DELETE', PATH);
    expect(del.status).toBe(204);
    const [, cancel] = (await mails(smtp, 2, 10_000)) as [ReceivedMail, ReceivedMail];
    expect(cancel.to).toEqual(['someone@example.net']);
    expect(cancel.parsed.subject).toBe('Cancelled: Quarterly review');
    const cal = calendarPart(cancel);
    expect(cal.contentType).toMatch(/\bmethod=CANCEL\b/i);
    const py = await pythonIcalendar(cal.text);
    expect(py.method).toBe('CANCEL');
    expect(py.events.map((e) => e.uid)).toEqual([UID]);
    expect(py.events[0]!.status).toBe('CANCELLED');
    expect(cancel.parsed.text).not.toMatch(/\/answer\//);
  });
});
