// iMIP out (issue #27), decided where CalDAV writes land: which mails an organizer's PUT/DELETE
// queues for attendees elsewhere (imipmessages rows and `imip` jobs), the SCHEDULE-STATUS written
// on the organizer's copy, what is never mailed (SCHEDULE-AGENT=CLIENT, imports, events wholly in
// the past, the events API unless asked), the sending limits, REPLY to an organizer elsewhere, and
// the copies local deliveries leave in the schedule inbox. SMTP_URL points at a closed port: mail
// is "on" for queueing; sending is the mail worker's (test/mail).
import { spawnSync } from 'node:child_process';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { IMIP_JOB_KIND } from '../../src/domain/mailOutbox.ts';
import type { UsedTestServer } from '../helpers/testServer.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';
import { calendar, event } from '../fixtures/ical.ts';

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');
const START = new Date('2026-03-01T09:00:00Z');

interface MailRow {
  id: number;
  principaluri: string;
  recipient: string;
  method: string;
  status: string;
  calendardata: string;
  last_error: string | null;
}

/** What the database says was queued, for one event (or all), in order. */
async function mails(server: UsedTestServer, uid?: string): Promise<MailRow[]> {
  const rows = await server.running.db
    .em()
    .execute<MailRow[]>(
      `select id, principaluri, recipient, method, status, calendardata, last_error from imipmessages ${uid ? 'where uid = ?' : ''} order by id`,
      uid ? [uid] : [],
    );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

async function imipJobKeys(server: UsedTestServer): Promise<Set<string>> {
  const rows = await server.running.db.em().execute<{ key: string }[]>('select key from jobs where kind = ?', [IMIP_JOB_KIND]);
  return new Set(rows.map((r) => r.key));
}

/** The iTIP messages in a user's schedule inbox, oldest first. */
async function inbox(server: UsedTestServer, username: string): Promise<string[]> {
  const rows = await server.running.db
    .em()
    .execute<{ calendardata: string }[]>('select calendardata from schedulingobjects where principaluri = ? order by id', [`principals/${username}`]);
  return rows.map((r) => r.calendardata);
}

/** The same reading by Debian's python3-icalendar (what many mail and calendar tools use). */
const PY = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read().decode('utf-8'))
ev = cal.walk('VEVENT')[0]
atts = ev.get('ATTENDEE') or []
atts = atts if isinstance(atts, list) else [atts]
print(json.dumps({'method': str(cal['METHOD']), 'uid': str(ev['UID']), 'status': str(ev['STATUS']) if 'STATUS' in ev else None,
  'attendees': [str(a)[7:].lower() + '=' + str(a.params.get('PARTSTAT', '')) for a in atts]}))
`;

/**
 * METHOD, UID, STATUS and the ATTENDEE addresses (with PARTSTAT) of an iTIP message, read by
 * ical.js; python3-icalendar must read the same.
 */
function itipOf(text: string): { method: string; uid: string; attendees: string[]; status: string | null; scheduleStatus: boolean } {
  const root = new ICAL.Component(ICAL.parse(text));
  const ev = root.getFirstSubcomponent('vevent')!;
  const read = {
    method: String(root.getFirstPropertyValue('method')),
    uid: String(ev.getFirstPropertyValue('uid')),
    attendees: ev.getAllProperties('attendee').map((p) => `${String(p.getFirstValue()).replace(/^mailto:/i, '').toLowerCase()}=${String(p.getParameter('partstat') ?? '')}`),
    status: (ev.getFirstPropertyValue('status') as string | null) ?? null,
  };
  const py = spawnSync('/usr/bin/python3', ['-c', PY], { input: Buffer.from(text, 'utf8'), encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`python3-icalendar could not read the message: ${py.stderr}`);
  expect(JSON.parse(py.stdout)).toEqual(read);
  return { ...read, scheduleStatus: /SCHEDULE-STATUS/i.test(text) };
}

/** SCHEDULE-STATUS per attendee address in stored text. */
function statuses(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of unfold(text).split('\r\n')) {
    const m = /^ATTENDEE;(.*):mailto:(.+)$/i.exec(line);
    const s = m ? /SCHEDULE-STATUS="?([0-9.]+)/i.exec(m[1]!) : null;
    if (m && s) out[m[2]!.toLowerCase()] = s[1]!;
  }
  return out;
}

describe('iMIP out: what an organizer’s CalDAV writes queue (SMTP_URL set)', () => {
  const clock = new ManualClock(START);
  const server = useTestServer({ env: { SMTP_URL: 'smtp://127.0.0.1:1', SYNC_WORKER: 'false' }, start: { clock } });
  const olga = server.user('olga', { email: 'olga@example.org' });
  const ben = server.user('ben', { email: 'ben@example.org' });

  const meeting = (uid: string, extra: string[] = [], attendees = ['carl@elsewhere.example', 'dora@elsewhere.example']) =>
    calendar(
      event(uid, [
        'DTSTART:20260310T100000Z',
        'DTEND:20260310T110000Z',
        'SUMMARY:Budget review',
        'SEQUENCE:0',
        'ORGANIZER;CN=Olga:mailto:olga@example.org',
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:olga@example.org',
        'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ben@example.org',
        ...attendees.map((a) => `ATTENDEE;CN=${a.split('@')[0]};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`),
        ...extra,
      ]),
    );
  const path = (uid: string) => `/dav/calendars/olga/default/${uid}.ics`;
  const stored = async (uid: string) => {
    const res = await olga.request('GET', path(uid));
    expect(res.status).toBe(200);
    return { text: unfold(res.text), etag: res.headers.get('etag')! };
  };

  it('a new event queues one REQUEST per attendee elsewhere, each with an imip job; SCHEDULE-STATUS 1.1 for them, 1.2 for the user here', async () => {
    expect((await olga.put(path('mail-1'), meeting('mail-1'), { 'if-none-match': '*' })).status).toBe(201);
    const rows = await mails(server, 'mail-1');
    expect(rows.map((r) => [r.recipient, r.method, r.status, r.principaluri])).toEqual([
      ['carl@elsewhere.example', 'REQUEST', 'queued', 'principals/olga'],
      ['dora@elsewhere.example', 'REQUEST', 'queued', 'principals/olga'],
    ]);
    const keys = await imipJobKeys(server);
    for (const r of rows) expect(keys.has(`imip:${r.id}`)).toBe(true);
    const itip = itipOf(rows[0]!.calendardata);
    expect(itip).toMatchObject({ method: 'REQUEST', uid: 'mail-1', scheduleStatus: false });
    expect(itip.attendees).toContain('carl@elsewhere.example=NEEDS-ACTION');
    expect(statuses((await stored('mail-1')).text)).toEqual({ 'ben@example.org': '1.2', 'carl@elsewhere.example': '1.1', 'dora@elsewhere.example': '1.1' });
    // The user here got the event in a calendar and the invitation in the schedule inbox; nobody mails them.
    expect((await ben.request('GET', '/dav/calendars/ben/default/mail-1.ics')).status).toBe(200);
    const benInbox = (await inbox(server, 'ben')).map(itipOf);
    expect(benInbox.map((m) => [m.method, m.uid])).toEqual([['REQUEST', 'mail-1']]);
    expect(rows.some((r) => r.recipient === 'ben@example.org')).toBe(false);
  });

  it('an update that changes nothing attendees care about queues nothing and leaves SCHEDULE-STATUS alone', async () => {
    const { text, etag } = await stored('mail-1');
    const touched = text.replace('SEQUENCE:0', 'SEQUENCE:0\r\nX-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Soon\r\nEND:VALARM');
    const put = await olga.put(path('mail-1'), touched, { 'if-match': etag });
    expect(put.status).toBe(204);
    expect(await mails(server, 'mail-1')).toHaveLength(2);
    expect(statuses((await stored('mail-1')).text)).toEqual({ 'ben@example.org': '1.2', 'carl@elsewhere.example': '1.1', 'dora@elsewhere.example': '1.1' });
    // The organizer's copy was stored as sent (no rewrite): its ETag is the one PUT answered.
    expect(put.headers.get('etag')).toBe(`"${(await stored('mail-1')).etag.replace(/"/g, '')}"`);
    expect(await inbox(server, 'ben')).toHaveLength(1);
  });

  it('a significant change (the time) queues a new REQUEST to everyone elsewhere and an inbox copy for the user here', async () => {
    const { text, etag } = await stored('mail-1');
    const moved = text.replace('DTSTART:20260310T100000Z', 'DTSTART:20260310T140000Z').replace('DTEND:20260310T110000Z', 'DTEND:20260310T150000Z').replace('SEQUENCE:0', 'SEQUENCE:1');
    expect((await olga.put(path('mail-1'), moved, { 'if-match': etag })).status).toBe(204);
    const rows = await mails(server, 'mail-1');
    expect(rows.slice(2).map((r) => [r.recipient, r.method])).toEqual([
      ['carl@elsewhere.example', 'REQUEST'],
      ['dora@elsewhere.example', 'REQUEST'],
    ]);
    expect(rows[2]!.calendardata).toContain('DTSTART:20260310T140000Z');
    expect(rows[2]!.calendardata).toContain('SEQUENCE:1');
    expect((await inbox(server, 'ben')).map((t) => itipOf(t).method)).toEqual(['REQUEST', 'REQUEST']);
  });

  it('SCHEDULE-FORCE-SEND=REQUEST sends that attendee the invitation again though nothing changed, once: the stored copy drops the parameter', async () => {
    const { text, etag } = await stored('mail-1');
    const forced = text.replace(/ATTENDEE;([^\r\n]*):mailto:dora@elsewhere\.example/, 'ATTENDEE;SCHEDULE-FORCE-SEND=REQUEST;$1:mailto:dora@elsewhere.example');
    expect(forced).toContain('SCHEDULE-FORCE-SEND=REQUEST');
    expect((await olga.put(path('mail-1'), forced, { 'if-match': etag })).status).toBe(204);
    const rows = (await mails(server, 'mail-1')).slice(4);
    expect(rows.map((r) => [r.recipient, r.method])).toEqual([['dora@elsewhere.example', 'REQUEST']]);
    expect(rows[0]!.calendardata).not.toContain('SCHEDULE-FORCE-SEND');
    const after = await stored('mail-1');
    expect(after.text).not.toContain('SCHEDULE-FORCE-SEND');
    expect(statuses(after.text)['dora@elsewhere.example']).toBe('1.1');
    expect((await ben.request('GET', '/dav/calendars/ben/default/mail-1.ics')).text).not.toContain('SCHEDULE-FORCE-SEND');
    // Saved again as it now is: nothing more goes.
    expect((await olga.put(path('mail-1'), after.text, { 'if-match': after.etag })).status).toBe(204);
    expect(await mails(server, 'mail-1')).toHaveLength(5);
  });

  it('dropping an attendee elsewhere queues a CANCEL naming only them; the others hear of the new list', async () => {
    const { text, etag } = await stored('mail-1');
    const dropped = text.split('\r\n').filter((l) => !l.includes('dora@elsewhere.example')).join('\r\n');
    expect((await olga.put(path('mail-1'), dropped, { 'if-match': etag })).status).toBe(204);
    const rows = (await mails(server, 'mail-1')).slice(5);
    expect(rows.map((r) => [r.recipient, r.method])).toEqual([
      ['carl@elsewhere.example', 'REQUEST'],
      ['dora@elsewhere.example', 'CANCEL'],
    ]);
    const cancel = itipOf(rows[1]!.calendardata);
    expect(cancel).toMatchObject({ method: 'CANCEL', uid: 'mail-1', status: 'CANCELLED' });
    expect(cancel.attendees.map((a) => a.split('=')[0])).toEqual(['dora@elsewhere.example']);
    expect(statuses((await stored('mail-1')).text)).toEqual({ 'ben@example.org': '1.2', 'carl@elsewhere.example': '1.1' });
  });

  it('STATUS:CANCELLED queues a CANCEL to everyone elsewhere, once', async () => {
    const { text, etag } = await stored('mail-1');
    const cancelled = text.replace('SUMMARY:Budget review', 'SUMMARY:Budget review\r\nSTATUS:CANCELLED').replace('SEQUENCE:1', 'SEQUENCE:2');
    expect((await olga.put(path('mail-1'), cancelled, { 'if-match': etag })).status).toBe(204);
    const rows = (await mails(server, 'mail-1')).slice(7);
    expect(rows.map((r) => [r.recipient, r.method])).toEqual([['carl@elsewhere.example', 'CANCEL']]);
    expect(itipOf(rows[0]!.calendardata).status).toBe('CANCELLED');
    expect((await ben.request('GET', '/dav/calendars/ben/default/mail-1.ics')).text).toContain('STATUS:CANCELLED');
    const lastInInbox = itipOf((await inbox(server, 'ben')).at(-1)!);
    expect([lastInInbox.method, lastInInbox.uid, lastInInbox.status]).toEqual(['CANCEL', 'mail-1', 'CANCELLED']);
    // Another edit of a cancelled event, and deleting it, tell nobody again.
    const again = await stored('mail-1');
    expect((await olga.put(path('mail-1'), again.text.replace('SUMMARY:Budget review', 'SUMMARY:Budget review (off)'), { 'if-match': again.etag })).status).toBe(204);
    expect((await olga.request('DELETE', path('mail-1'))).status).toBe(204);
    expect(await mails(server, 'mail-1')).toHaveLength(8);
  });

  it('deleting an event queues a CANCEL to each attendee elsewhere; the user here loses the copy and gets the CANCEL in the inbox', async () => {
    await olga.put(path('mail-2'), meeting('mail-2'));
    expect((await olga.request('DELETE', path('mail-2'))).status).toBe(204);
    const rows = (await mails(server, 'mail-2')).slice(2);
    expect(rows.map((r) => [r.recipient, r.method, r.status])).toEqual([
      ['carl@elsewhere.example', 'CANCEL', 'queued'],
      ['dora@elsewhere.example', 'CANCEL', 'queued'],
    ]);
    const keys = await imipJobKeys(server);
    for (const r of rows) expect(keys.has(`imip:${r.id}`)).toBe(true);
    expect(itipOf(rows[0]!.calendardata)).toMatchObject({ method: 'CANCEL', uid: 'mail-2', status: 'CANCELLED' });
    expect((await ben.request('GET', '/dav/calendars/ben/default/mail-2.ics')).status).toBe(404);
    const last = (await inbox(server, 'ben')).map(itipOf).at(-1)!;
    expect([last.method, last.uid]).toEqual(['CANCEL', 'mail-2']);
  });

  it('SCHEDULE-AGENT=CLIENT: the client mails that attendee itself; nothing is queued for them and no SCHEDULE-STATUS set', async () => {
    const ics = meeting('mail-3', ['ATTENDEE;SCHEDULE-AGENT=CLIENT;PARTSTAT=NEEDS-ACTION:mailto:erik@elsewhere.example'], []);
    expect((await olga.put(path('mail-3'), ics)).status).toBe(201);
    expect(await mails(server, 'mail-3')).toEqual([]);
    expect(statuses((await stored('mail-3')).text)).toEqual({ 'ben@example.org': '1.2' });
  });

  it('an attendee whose address no mail can go to gets SCHEDULE-STATUS 3.7 and a refused row, without a job', async () => {
    const long = `${'x'.repeat(400)}@elsewhere.example`;
    const ics = meeting('mail-7', [`ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:${long}`], ['no-at-sign', 'carl@elsewhere.example']);
    expect((await olga.put(path('mail-7'), ics)).status).toBe(201);
    const rows = await mails(server, 'mail-7');
    expect(rows.map((r) => [r.recipient.slice(0, 20), r.status])).toEqual([
      ['no-at-sign', 'refused'],
      ['carl@elsewhere.examp', 'queued'],
      ['x'.repeat(20), 'refused'],
    ]);
    expect(rows[0]!.last_error).toContain('not a plain e-mail address');
    const keys = await imipJobKeys(server);
    expect(rows.map((r) => keys.has(`imip:${r.id}`))).toEqual([false, true, false]);
    const st = statuses((await stored('mail-7')).text);
    expect([st['no-at-sign'], st['carl@elsewhere.example'], st[long]]).toEqual(['3.7', '1.1', '3.7']);
  });

  it('an event wholly in the past mails nobody (created, changed or deleted); users here still get their copy', async () => {
    const past = meeting('mail-4').replace('DTSTART:20260310T100000Z', 'DTSTART:20260210T100000Z').replace('DTEND:20260310T110000Z', 'DTEND:20260210T110000Z');
    expect((await olga.put(path('mail-4'), past)).status).toBe(201);
    const { text, etag } = await stored('mail-4');
    expect(statuses(text)).toEqual({ 'ben@example.org': '1.2' });
    expect((await ben.request('GET', '/dav/calendars/ben/default/mail-4.ics')).status).toBe(200);
    expect((await olga.put(path('mail-4'), text.replace('SUMMARY:Budget review', 'SUMMARY:Old review'), { 'if-match': etag })).status).toBe(204);
    expect((await olga.request('DELETE', path('mail-4'))).status).toBe(204);
    expect(await mails(server, 'mail-4')).toEqual([]);
    // A series still running is not past, though its first instance is.
    const series = meeting('mail-5', ['RRULE:FREQ=WEEKLY']).replace('DTSTART:20260310T100000Z', 'DTSTART:20260105T100000Z').replace('DTEND:20260310T110000Z', 'DTEND:20260105T110000Z');
    expect((await olga.put(path('mail-5'), series)).status).toBe(201);
    expect((await mails(server, 'mail-5')).map((r) => r.method)).toEqual(['REQUEST', 'REQUEST']);
  });

  it('an import through the web face mails nobody and schedules nothing', async () => {
    const cookie = await webSignIn(server.url, 'olga', 'olga-password');
    const form = new FormData();
    form.set('_csrf', await webCsrf(server.url, cookie));
    form.set('into', 'default');
    form.set('file', new Blob([meeting('mail-6')], { type: 'text/calendar' }), 'meeting.ics');
    const res = await fetch(`${server.url}/my/import`, { method: 'POST', headers: { cookie }, body: form });
    expect(res.status).toBe(200);
    expect((await stored('mail-6')).text).toContain('SUMMARY:Budget review');
    expect(await mails(server, 'mail-6')).toEqual([]);
    expect(statuses((await stored('mail-6')).text)).toEqual({});
    expect((await ben.request('GET', '/dav/calendars/ben/default/mail-6.ics')).status).toBe(404);
  });

  it('a user here answering an organizer elsewhere queues a REPLY (accept, then decline by deleting); NEEDS-ACTION and SCHEDULE-AGENT=CLIENT send nothing', async () => {
    const invitation = (uid: string, partstat: string, organizerParams = '') =>
      calendar(
        event(uid, [
          'DTSTART:20260320T100000Z',
          'DTEND:20260320T110000Z',
          'SUMMARY:Partner call',
          'SEQUENCE:3',
          `ORGANIZER${organizerParams};CN=Zed:mailto:zed@elsewhere.example`,
          'ATTENDEE;PARTSTAT=ACCEPTED:mailto:zed@elsewhere.example',
          `ATTENDEE;PARTSTAT=${partstat};RSVP=TRUE:mailto:ben@example.org`,
          'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:yan@elsewhere.example',
        ]),
      );
    const benPath = '/dav/calendars/ben/default/reply-1.ics';
    expect((await ben.put(benPath, invitation('reply-1', 'NEEDS-ACTION'))).status).toBe(201);
    expect(await mails(server, 'reply-1')).toEqual([]);
    const copy = await ben.request('GET', benPath);
    expect((await ben.put(benPath, unfold(copy.text).replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ben@', 'PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:ben@'), { 'if-match': copy.headers.get('etag')! })).status).toBe(204);
    let rows = await mails(server, 'reply-1');
    expect(rows.map((r) => [r.principaluri, r.recipient, r.method, r.status])).toEqual([['principals/ben', 'zed@elsewhere.example', 'REPLY', 'queued']]);
    expect((await imipJobKeys(server)).has(`imip:${rows[0]!.id}`)).toBe(true);
    const reply = itipOf(rows[0]!.calendardata);
    expect(reply).toMatchObject({ method: 'REPLY', uid: 'reply-1' });
    expect(reply.attendees).toEqual(['ben@example.org=ACCEPTED']);
    expect(rows[0]!.calendardata).toContain('SEQUENCE:3');
    // The same answer again is no news.
    const accepted = await ben.request('GET', benPath);
    expect((await ben.put(benPath, unfold(accepted.text).replace('SUMMARY:Partner call', 'SUMMARY:Partner call (mine)'), { 'if-match': accepted.headers.get('etag')! })).status).toBe(204);
    expect(await mails(server, 'reply-1')).toHaveLength(1);
    expect((await ben.request('DELETE', benPath)).status).toBe(204);
    rows = await mails(server, 'reply-1');
    expect(rows.map((r) => [r.recipient, r.method])).toEqual([
      ['zed@elsewhere.example', 'REPLY'],
      ['zed@elsewhere.example', 'REPLY'],
    ]);
    expect(itipOf(rows[1]!.calendardata).attendees).toEqual(['ben@example.org=DECLINED']);

    // A copy stored already accepted (a client's "Accept" on a mailed invitation) answers at once …
    expect((await ben.put('/dav/calendars/ben/default/reply-2.ics', invitation('reply-2', 'ACCEPTED'))).status).toBe(201);
    expect((await mails(server, 'reply-2')).map((r) => [r.recipient, r.method])).toEqual([['zed@elsewhere.example', 'REPLY']]);
    // … unless the organizer's client answers for itself (SCHEDULE-AGENT=CLIENT on ORGANIZER).
    expect((await ben.put('/dav/calendars/ben/default/reply-3.ics', invitation('reply-3', 'ACCEPTED', ';SCHEDULE-AGENT=CLIENT'))).status).toBe(201);
    expect(await mails(server, 'reply-3')).toEqual([]);
  });

  it('a user here answering an organizer here: the organizer’s copy follows and the REPLY lands in the organizer’s inbox; nothing is mailed', async () => {
    await olga.put(path('local-1'), meeting('local-1', [], []));
    const before = (await inbox(server, 'olga')).length;
    const benPath = '/dav/calendars/ben/default/local-1.ics';
    const copy = await ben.request('GET', benPath);
    const accepted = unfold(copy.text).replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ben@', 'PARTSTAT=TENTATIVE;RSVP=TRUE:mailto:ben@');
    expect((await ben.put(benPath, accepted, { 'if-match': copy.headers.get('etag')! })).status).toBe(204);
    expect((await stored('local-1')).text).toMatch(/PARTSTAT=TENTATIVE[^\r\n]*:mailto:ben@example\.org/);
    const olgaInbox = (await inbox(server, 'olga')).slice(before).map(itipOf);
    expect(olgaInbox.map((m) => [m.method, m.uid, m.attendees])).toEqual([['REPLY', 'local-1', ['ben@example.org=TENTATIVE']]]);
    expect(await mails(server, 'local-1')).toEqual([]);
  });

  it('applyReply (answer links, imip receive): applied, unchanged, not-attendee, not-found; the answer is stored and left in the inbox', async () => {
    await olga.put(path('answer-1'), meeting('answer-1'));
    const queuedBefore = (await mails(server)).length;
    const inboxBefore = (await inbox(server, 'olga')).length;
    const scheduling = server.domain.scheduling;
    const answer = { attendee: 'Carl@Elsewhere.example', partstat: 'ACCEPTED', comment: 'Glad to' };
    expect(await scheduling.applyReply(null, 'principals/olga', 'answer-1', answer)).toBe('applied');
    const { text } = await stored('answer-1');
    expect(text).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*:mailto:carl@elsewhere\.example/);
    expect(text).toContain('Glad to');
    // SCHEDULE-STATUS written when it was sent stays: the answer is no new delivery.
    expect(statuses(text)['carl@elsewhere.example']).toBe('1.1');
    expect(await scheduling.applyReply(null, 'principals/olga', 'answer-1', answer)).toBe('unchanged');
    expect(await scheduling.applyReply(null, 'principals/olga', 'answer-1', { attendee: 'nobody@elsewhere.example', partstat: 'ACCEPTED' })).toBe('not-attendee');
    expect(await scheduling.applyReply(null, 'principals/olga', 'no-such-event', answer)).toBe('not-found');
    // Ben's copy is an attendee's, not an organizer's: answers are not applied to it.
    expect(await scheduling.applyReply(null, 'principals/ben', 'answer-1', answer)).toBe('not-found');
    const replies = (await inbox(server, 'olga')).slice(inboxBefore).map(itipOf);
    expect(replies.map((m) => [m.method, m.uid, m.attendees])).toEqual([['REPLY', 'answer-1', ['carl@elsewhere.example=ACCEPTED']]]);
    expect(await mails(server)).toHaveLength(queuedBefore);
  });

  it('invitations land in the calendar the user chose for them, while it holds events', async () => {
    expect((await ben.request('MKCALENDAR', '/dav/calendars/ben/work/')).status).toBe(201);
    await server.running.db.em().execute(`update principals set schedule_default_calendar = 'work' where uri = 'principals/ben'`);
    await olga.put(path('choice-1'), meeting('choice-1', [], []));
    expect((await ben.request('GET', '/dav/calendars/ben/work/choice-1.ics')).status).toBe(200);
    expect((await ben.request('GET', '/dav/calendars/ben/default/choice-1.ics')).status).toBe(404);
    await server.running.db.em().execute(`update principals set schedule_default_calendar = 'gone' where uri = 'principals/ben'`);
    await olga.put(path('choice-2'), meeting('choice-2', [], []));
    expect((await ben.request('GET', '/dav/calendars/ben/default/choice-2.ics')).status).toBe(200);
  });

  describe('the events API', () => {
    let tokenValue = '';
    const api = async (method: string, query: string, body?: object) => {
      if (!tokenValue) {
        const res = await fetch(`${server.url}/api/v0/tokens`, {
          method: 'POST',
          headers: { authorization: olga.auth(), 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'events', capabilities: ['events'], expires_at: null }),
        });
        tokenValue = ((await res.json()) as { token: string }).token;
      }
      const res = await fetch(`${server.url}/api/v2/calendars/events${query}`, {
        method,
        headers: { authorization: `Bearer ${tokenValue}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, json: res.status === 204 ? null : ((await res.json()) as Record<string, unknown>) };
    };
    const input = { caption: 'API meeting', startDate: '2026-03-12T10:00:00+00:00', endDate: '2026-03-12T11:00:00+00:00', recipients: ['ines@elsewhere.example', 'ben@example.org'] };
    const uidOf = async (id: unknown) => {
      const rows = await server.running.db.em().execute<{ uid: string }[]>('select uid from calendarobjects where id = ?', [Number(id)]);
      return rows[0]!.uid;
    };

    it('mails recipients elsewhere only with ?sendUpdates=all (all three writes); a bad value is a 400 that changes nothing', async () => {
      const quiet = await api('POST', '', input);
      expect(quiet.status).toBe(201);
      const quietUid = await uidOf(quiet.json!.id);
      expect((await ben.request('GET', `/dav/calendars/ben/default/${quietUid}.ics`)).status).toBe(200);
      expect((await api('PUT', `/${quiet.json!.id}`, { caption: 'API meeting, moved' })).status).toBe(200);
      expect((await api('DELETE', `/${quiet.json!.id}`)).status).toBe(204);
      expect(await mails(server, quietUid)).toEqual([]);

      const bad = await api('POST', '?sendUpdates=yes', input);
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.json)).toContain('sendUpdates');

      const loud = await api('POST', '?sendUpdates=all', input);
      expect(loud.status).toBe(201);
      const uid = await uidOf(loud.json!.id);
      expect((await api('PATCH', `/${loud.json!.id}?sendUpdates=all`, { caption: 'API meeting, renamed' })).status).toBe(200);
      expect((await api('PATCH', `/${loud.json!.id}`, { caption: 'API meeting, quietly renamed' })).status).toBe(200);
      expect((await api('DELETE', `/${loud.json!.id}?sendUpdates=all`)).status).toBe(204);
      expect((await mails(server, uid)).map((r) => [r.recipient, r.method])).toEqual([
        ['ines@elsewhere.example', 'REQUEST'],
        ['ines@elsewhere.example', 'REQUEST'],
        ['ines@elsewhere.example', 'CANCEL'],
      ]);
    });
  });
});

describe('iMIP out: the sending limits (SCHEDULE-STATUS 5.3)', () => {
  const clock = new ManualClock(START);
  const server = useTestServer({ env: { SMTP_URL: 'smtp://127.0.0.1:1', MAIL_PER_USER_PER_HOUR: '4', MAIL_MAX_ATTENDEES: '3', SYNC_WORKER: 'false' }, start: { clock } });
  const olga = server.user('olga', { email: 'olga@example.org' });
  const invite = (uid: string, who: string[]) =>
    calendar(event(uid, ['DTSTART:20260310T100000Z', 'DTEND:20260310T110000Z', 'SUMMARY:Town hall', 'ORGANIZER:mailto:olga@example.org', ...who.map((a) => `ATTENDEE;RSVP=TRUE:mailto:${a}`)]));
  const statusesOf = async (uid: string) => statuses((await olga.request('GET', `/dav/calendars/olga/default/${uid}.ics`)).text);

  it('past the per-event limit, then past the hourly limit, attendees get 5.3 and refused rows say why; an hour later mail goes again', async () => {
    await olga.put('/dav/calendars/olga/default/big.ics', invite('big', ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example', 'e@x.example']));
    expect(await statusesOf('big')).toEqual({ 'a@x.example': '1.1', 'b@x.example': '1.1', 'c@x.example': '1.1', 'd@x.example': '5.3', 'e@x.example': '5.3' });
    let rows = await mails(server, 'big');
    expect(rows.map((r) => r.status)).toEqual(['queued', 'queued', 'queued', 'refused', 'refused']);
    expect(rows[3]!.last_error).toContain('MAIL_MAX_ATTENDEES');
    const keys = await imipJobKeys(server);
    expect(rows.filter((r) => keys.has(`imip:${r.id}`)).map((r) => r.recipient)).toEqual(['a@x.example', 'b@x.example', 'c@x.example']);

    await olga.put('/dav/calendars/olga/default/small.ics', invite('small', ['f@x.example', 'g@x.example']));
    expect(await statusesOf('small')).toEqual({ 'f@x.example': '1.1', 'g@x.example': '5.3' });
    rows = await mails(server, 'small');
    expect(rows[1]!.last_error).toContain('MAIL_PER_USER_PER_HOUR');
    const failures = await server.domain.mailOutbox.failures('principals/olga', 'small');
    expect(failures.map((m) => [m.recipient, m.status])).toEqual([['g@x.example', 'refused']]);

    clock.advance(3601_000);
    await olga.put('/dav/calendars/olga/default/later.ics', invite('later', ['h@x.example']));
    expect(await statusesOf('later')).toEqual({ 'h@x.example': '1.1' });
  });
});

describe('iMIP out: without SMTP_URL', () => {
  const clock = new ManualClock(START);
  const server = useTestServer({ env: { SYNC_WORKER: 'false' }, start: { clock } });
  const olga = server.user('olga', { email: 'olga@example.org' });

  it('nothing is queued and attendees elsewhere get no SCHEDULE-STATUS', async () => {
    expect(server.domain.mailOutbox.enabled).toBe(false);
    const ics = calendar(event('off-1', ['DTSTART:20260310T100000Z', 'ORGANIZER:mailto:olga@example.org', 'ATTENDEE;RSVP=TRUE:mailto:a@x.example']));
    expect((await olga.put('/dav/calendars/olga/default/off-1.ics', ics)).status).toBe(201);
    expect(await mails(server)).toEqual([]);
    expect(statuses((await olga.request('GET', '/dav/calendars/olga/default/off-1.ics')).text)).toEqual({});
  });
});
