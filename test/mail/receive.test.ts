// iMIP in: whole mail messages (test/fixtures/imip, in the shapes Thunderbird, Apple Mail, Gmail
// and Outlook send) handed to receiveImip as `calendula imip receive` does. A REPLY from the
// attendee's own address lands in the organizer's copy (read back over CalDAV, and by Debian's
// python3-icalendar); a REQUEST for a user here goes only to their schedule inbox (listed over
// CalDAV); a wrong sender, a DMARC or SPF failure, an unknown event or organizer is refused and
// changes nothing.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authenticationFailure, readImipMessage, receiveImip } from '../../src/mail/receive.ts';
import { parseMultistatus, type Dav } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/imip');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

/** The message with one header replaced (or added on top when absent). */
function withHeader(message: string, name: string, value: string): string {
  const re = new RegExp(`^${name}:.*(\\n[ \\t].*)*`, 'im');
  return re.test(message) ? message.replace(re, `${name}: ${value}`) : `${name}: ${value}\n${message}`;
}

const OUTLOOK_UID = '040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5DB010000000000000000100000004F2E1D0C3B4A59687766554433221100';

/** Each client's reply: its file, the event it answers, who answers, and with what. */
const REPLIES = [
  { client: 'Thunderbird', file: 'thunderbird-reply.eml', uid: '7a1c5e0e-3c11-4b5e-9a53-2f0c4d1e8b21', attendee: 'tom.tb@example.net', partstat: 'ACCEPTED', comment: null },
  { client: 'Apple Mail', file: 'apple-mail-reply.eml', uid: 'B5F1C2D3-8E4A-4F6B-9C7D-0A1B2C3D4E5F', attendee: 'bea.apple@example.net', partstat: 'TENTATIVE', comment: null },
  { client: 'Gmail', file: 'gmail-reply.eml', uid: 'c3a9f1e2-4b5d-4e6f-8a7b-9c0d1e2f3a4b@example.org', attendee: 'gina.gmail@example.com', partstat: 'DECLINED', comment: null },
  { client: 'Outlook', file: 'outlook-reply.eml', uid: OUTLOOK_UID, attendee: 'otto.outlook@example.com', partstat: 'ACCEPTED', comment: 'I will bring the figures.' },
] as const;

function pythonReads(text: string): Promise<{ code: unknown; out: string; err: string }> {
  const script = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read().decode('utf-8'))
out = []
for e in cal.walk('VEVENT'):
    atts = e.get('ATTENDEE')
    atts = atts if isinstance(atts, list) else [atts]
    out.append({'uid': str(e['UID']), 'attendees': {str(a).lower(): str(a.params.get('PARTSTAT')) for a in atts}})
print(json.dumps(out))`;
  const child = execFile('/usr/bin/python3', ['-c', script]);
  child.stdin!.end(Buffer.from(text, 'utf8'));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

describe('reading an iMIP message', () => {
  it('each client’s message gives its sender, recipients and the text/calendar part (not the duplicate attachment)', async () => {
    for (const r of REPLIES) {
      const read = await readImipMessage(Buffer.from(fixture(r.file)));
      expect(read.ok, r.client).toBe(true);
      if (!read.ok) continue;
      expect(read.message.from).toBe(r.attendee);
      expect(read.message.recipients).toEqual(['ann@example.org']);
      expect(read.message.contentMethod).toBe('REPLY');
      expect(unfold(read.message.itip)).toContain(`UID:${r.uid}`);
      expect(read.message.itip).toContain('METHOD:REPLY');
    }
  });

  it('Authentication-Results with dmarc=fail or spf=fail, or Received-SPF: fail, refuses; passes, softfails and words in comments do not', () => {
    const lines = (...l: string[]) => l.map((line) => ({ key: line.slice(0, line.indexOf(':')).toLowerCase(), line }));
    expect(authenticationFailure(lines('Authentication-Results: mx.example.org; dkim=pass; spf=pass; dmarc=fail (p=reject) header.from=example.net'))).toMatch(/^dmarc=fail/);
    expect(authenticationFailure(lines('Authentication-Results: mx.example.org;\r\n\tspf=fail smtp.mailfrom=example.net'))).toMatch(/^spf=fail/);
    expect(authenticationFailure(lines('Authentication-Results: mx.example.org; DMARC = FAIL header.from=example.net'))).toMatch(/^dmarc=fail/);
    expect(authenticationFailure(lines('Received-SPF: Fail (mx.example.org: domain does not designate 192.0.2.1) client-ip=192.0.2.1'))).toMatch(/^spf=fail/);
    expect(authenticationFailure(lines('Authentication-Results: mx.example.org; spf=softfail smtp.mailfrom=example.net; dmarc=pass'))).toBeNull();
    expect(authenticationFailure(lines('Authentication-Results: mx.example.org; spf=pass (not spf=fail; dmarc=fail) smtp.mailfrom=example.net; dmarc=none'))).toBeNull();
    expect(authenticationFailure(lines('ARC-Authentication-Results: i=1; mx.example.org; dmarc=fail'))).toBeNull();
    expect(authenticationFailure(lines('Received-SPF: pass (mx.example.org: sender is designated)'))).toBeNull();
  });

  it('a message without a calendar part, or with more than one From, is refused', async () => {
    const plain = 'From: a@example.net\nTo: ann@example.org\nSubject: hi\n\nJust text.\n';
    expect(await readImipMessage(Buffer.from(plain))).toEqual({ ok: false, reason: 'the message has no text/calendar part' });
    const two = withHeader(fixture('thunderbird-reply.eml'), 'From', 'a@example.net, b@example.net');
    expect(await readImipMessage(Buffer.from(two))).toMatchObject({ ok: false, reason: expect.stringContaining('more than one From') });
  });
});

describe('imip receive against the database', { shuffle: false }, () => {
  const server = useTestServer({ env: { SYNC_WORKER: 'false' } });
  const ann = server.user('ann', { email: 'ann@example.org' });
  const ben = server.user('ben', { email: 'ben@example.org' });

  const path = (i: number) => `/dav/calendars/ann/default/reply-${i}.ics`;
  const copyOf = async (i: number) => {
    const res = await ann.request('GET', path(i));
    return { status: res.status, etag: res.headers.get('etag'), text: unfold(res.text) };
  };
  const lineOf = (text: string, email: string) => text.split('\r\n').find((l) => l.startsWith('ATTENDEE') && l.toLowerCase().endsWith(`:mailto:${email}`)) ?? '';
  /** The items of a user's schedule inbox, as a CalDAV client lists them. */
  const inboxItems = async (who: Dav, username: string) => {
    const inbox = `/dav/calendars/${username}/inbox/`;
    return [...parseMultistatus((await who.propfind(inbox, '<d:getetag/>', '1')).text).members.keys()].filter((h) => h !== inbox);
  };
  const inboxCount = async (principaluri: string) => (await inboxItems(principaluri === 'principals/ann' ? ann : ben, principaluri.slice('principals/'.length))).length;
  const receive = (message: string) => receiveImip(server.domain, Buffer.from(message));

  it('stores Ann’s four events, each inviting one attendee elsewhere', async () => {
    for (const [i, r] of REPLIES.entries()) {
      const ics = calendar(
        event(r.uid, [
          'DTSTART:20270310T090000Z',
          'DTEND:20270310T100000Z',
          `SUMMARY:Meeting ${i}`,
          'ORGANIZER;CN=Ann:mailto:ann@example.org',
          'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.org',
          `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${r.attendee}`,
        ]),
      );
      expect((await ann.put(path(i), ics)).status).toBe(201);
    }
  });

  for (const [i, r] of REPLIES.entries()) {
    it(`${r.client}: a reply from the attendee sets PARTSTAT=${r.partstat} in the organizer’s copy and leaves the REPLY in her inbox`, async () => {
      const inbox = await inboxCount('principals/ann');
      const outcome = await receive(fixture(r.file));
      expect(outcome).toEqual({ ok: true, kind: 'reply', uid: r.uid, attendee: r.attendee, partstat: r.partstat, organizer: 'ann@example.org', changed: true });
      const copy = await copyOf(i);
      expect(lineOf(copy.text, r.attendee)).toContain(`PARTSTAT=${r.partstat}`);
      expect(lineOf(copy.text, 'ann@example.org')).toContain('PARTSTAT=ACCEPTED');
      if (r.comment) expect(copy.text).toContain(r.comment);
      expect(await inboxCount('principals/ann')).toBe(inbox + 1);
      const py = await pythonReads(copy.text);
      expect(py.code, py.err).toBe(0);
      expect(JSON.parse(py.out)).toEqual([{ uid: r.uid, attendees: { 'mailto:ann@example.org': 'ACCEPTED', [`mailto:${r.attendee}`]: r.partstat } }]);
      // The same message again (a mail server retrying) changes nothing and is not an error.
      expect(await receive(fixture(r.file))).toMatchObject({ ok: true, changed: false });
      expect((await copyOf(i)).etag).toBe(copy.etag);
    });
  }

  it('a reply that answers the series and one instance differently sets both, in one go', async () => {
    const uid = 'weekly-sync@example.org';
    const ics = calendar(
      event(uid, ['DTSTART:20270301T090000Z', 'DTEND:20270301T093000Z', 'RRULE:FREQ=WEEKLY;COUNT=10', 'SUMMARY:Weekly sync', 'ORGANIZER:mailto:ann@example.org', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:tom.tb@example.net']),
    );
    expect((await ann.put('/dav/calendars/ann/default/weekly.ics', ics)).status).toBe(201);
    const reply = [
      'BEGIN:VCALENDAR',
      'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN',
      'VERSION:2.0',
      'METHOD:REPLY',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20261203T101010Z',
      'DTSTART:20270301T090000Z',
      'RRULE:FREQ=WEEKLY;COUNT=10',
      'ORGANIZER:mailto:ann@example.org',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:tom.tb@example.net',
      'END:VEVENT',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20261203T101010Z',
      'RECURRENCE-ID:20270315T090000Z',
      'DTSTART:20270315T090000Z',
      'ORGANIZER:mailto:ann@example.org',
      'ATTENDEE;PARTSTAT=DECLINED:mailto:tom.tb@example.net',
      'COMMENT:Away that week',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\n');
    const mail = `From: tom.tb@example.net\nTo: ann@example.org\nSubject: Accepted: Weekly sync\nMIME-Version: 1.0\nContent-Type: text/calendar; method=REPLY; charset=UTF-8\n\n${reply}`;
    expect(await receive(mail)).toMatchObject({ ok: true, kind: 'reply', partstat: 'ACCEPTED', changed: true });
    const copy = unfold((await ann.request('GET', '/dav/calendars/ann/default/weekly.ics')).text);
    const [master, override] = copy.split('BEGIN:VEVENT').slice(1) as [string, string];
    expect(lineOf(master, 'tom.tb@example.net')).toContain('PARTSTAT=ACCEPTED');
    expect(override).toContain('RECURRENCE-ID:20270315T090000Z');
    expect(lineOf(override, 'tom.tb@example.net')).toContain('PARTSTAT=DECLINED');
    expect(override).toContain('Away that week');
  });

  it('a reply whose From is not the attendee is refused and changes nothing', async () => {
    const before = await copyOf(0);
    const forged = withHeader(fixture('thunderbird-reply.eml').replace('PARTSTAT=ACCEPTED', 'PARTSTAT=DECLINED'), 'From', 'Mallory <mallory@example.net>');
    const outcome = await receive(forged);
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining('mail is from mallory@example.net') });
    expect((await copyOf(0)).etag).toBe(before.etag);
  });

  it('a DMARC or SPF failure recorded by the receiving server refuses the reply; nothing changes', async () => {
    const before = await copyOf(2);
    const base = fixture('gmail-reply.eml').replaceAll('PARTSTAT=DECLINED', 'PARTSTAT=ACCEPTED');
    for (const verdict of ['dkim=pass; spf=pass; dmarc=fail (p=reject) header.from=example.com', 'spf=fail smtp.mailfrom=gina.gmail@example.com; dmarc=none']) {
      const outcome = await receive(withHeader(base, 'Authentication-Results', `mx.example.org; ${verdict}`));
      expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining('DMARC or SPF') });
    }
    expect((await copyOf(2)).etag).toBe(before.etag);
    expect(lineOf((await copyOf(2)).text, 'gina.gmail@example.com')).toContain('PARTSTAT=DECLINED');
  });

  it('a reply for an event or an attendee the organizer does not have, or for an organizer elsewhere, is refused', async () => {
    const tb = fixture('thunderbird-reply.eml');
    expect(await receive(tb.replaceAll('7a1c5e0e-3c11-4b5e-9a53-2f0c4d1e8b21', 'no-such-event'))).toMatchObject({ ok: false, reason: expect.stringContaining('has no event with UID no-such-event') });
    const stranger = withHeader(tb.replaceAll('tom.tb@example.net', 'tim@example.net'), 'From', 'tim@example.net');
    expect(await receive(stranger)).toMatchObject({ ok: false, reason: expect.stringContaining('tim@example.net is not an attendee') });
    expect(await receive(tb.replaceAll('mailto:ann@example.org', 'mailto:ann@elsewhere.example'))).toMatchObject({ ok: false, reason: 'the organizer ann@elsewhere.example is not a user here' });
  });

  it('a method parameter that contradicts METHOD, or a method that is not handled, is refused', async () => {
    const tb = fixture('thunderbird-reply.eml');
    expect(await receive(tb.replace('Content-type: text/calendar; method=REPLY', 'Content-type: text/calendar; method=REQUEST'))).toMatchObject({ ok: false, reason: expect.stringContaining('method=REQUEST') });
    expect(await receive(tb.replace('Content-type: text/calendar; method=REPLY', 'Content-type: text/calendar; method=COUNTER').replace('METHOD:REPLY', 'METHOD:COUNTER'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('METHOD:COUNTER is not handled'),
    });
  });

  it('a REQUEST from an organizer elsewhere goes only to the invited user’s schedule inbox, never into a calendar', async () => {
    const listing = async () => (await ben.propfind('/dav/calendars/ben/default/', '<d:getetag/>', '1')).text;
    const before = await listing();
    const inbox = await inboxCount('principals/ben');
    const outcome = await receive(fixture('gmail-request.eml'));
    expect(outcome).toEqual({ ok: true, kind: 'inbox', method: 'REQUEST', uid: '0f1e2d3c4b5a69788796a5b4c3d2e1f0@google.example', delivered: ['ben'] });
    expect(await inboxCount('principals/ben')).toBe(inbox + 1);
    expect(await inboxCount('principals/ann')).toBeGreaterThan(0);
    const texts = await Promise.all((await inboxItems(ben, 'ben')).map(async (h) => (await ben.request('GET', h)).text));
    const stored = texts.find((t) => unfold(t).includes('UID:0f1e2d3c4b5a69788796a5b4c3d2e1f0@google.example'))!;
    expect(stored).toContain('METHOD:REQUEST');
    expect(stored).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(stored).not.toMatch(/[^\r]\n/);
    expect(stored.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(await listing()).toBe(before);
    expect(await listing()).not.toContain('.ics');
  });

  it('a REQUEST not sent by its organizer, or for no user here, is refused and leaves nothing', async () => {
    const inbox = await inboxCount('principals/ben');
    const request = fixture('gmail-request.eml');
    const forged = withHeader(withHeader(request, 'From', 'spammer@example.net'), 'Reply-To', 'spammer@example.net');
    expect(await receive(forged)).toMatchObject({ ok: false, reason: expect.stringContaining('not from its organizer gina.gmail@example.com') });
    expect(await receive(request.replaceAll('ben@example.org', 'nobody@example.org'))).toMatchObject({ ok: false, reason: 'no attendee of the REQUEST is a user here' });
    expect(await inboxCount('principals/ben')).toBe(inbox);
  });
  it('a reply to an older version of the event (a SEQUENCE below the organizer’s) is refused as out of date; one to the current version is applied', async () => {
    // Gmail's reply answers SEQUENCE 0; Ann moves the meeting (a new version, SEQUENCE 1).
    const r = REPLIES[2];
    const moved = calendar(
      event(r.uid, [
        'DTSTART:20270311T090000Z',
        'DTEND:20270311T100000Z',
        'SEQUENCE:1',
        'SUMMARY:Meeting 2 (moved)',
        'ORGANIZER;CN=Ann:mailto:ann@example.org',
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.org',
        `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${r.attendee}`,
      ]),
    );
    expect((await ann.put(path(2), moved)).status).toBeLessThan(300);
    const before = await copyOf(2);
    const stale = await receive(fixture(r.file).replace('PARTSTAT=DECLINED', 'PARTSTAT=ACCEPTED'));
    expect(stale).toMatchObject({ ok: false, reason: expect.stringContaining('has changed since (SEQUENCE)') });
    expect((await copyOf(2)).etag).toBe(before.etag);
    expect(lineOf((await copyOf(2)).text, r.attendee)).toContain('PARTSTAT=NEEDS-ACTION');
    const current = await receive(fixture(r.file).replace('PARTSTAT=DECLINED', 'PARTSTAT=ACCEPTED').replace(/^SEQUENCE:0$/m, 'SEQUENCE:1'));
    expect(current).toMatchObject({ ok: true, kind: 'reply', partstat: 'ACCEPTED', changed: true });
    expect(lineOf((await copyOf(2)).text, r.attendee)).toContain('PARTSTAT=ACCEPTED');
  });
});
