// iMIP mails as composed, sent through a real SMTP server on loopback and read back as a mail
// program would: mailparser for the structure and headers, ical.js and Debian's python3-icalendar
// for the text/calendar part. The iTIP texts and summaries come from the real src/ical/itip.ts.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSummary, itipCancel, itipReply, itipRequest, type EventSummary, type ItipMethod } from '../../src/ical/itip.ts';
import { composeImip, ComposeError, headerText, isPlainAddress, type ImipInput } from '../../src/mail/compose.ts';
import { MailTransport } from '../../src/mail/transport.ts';
import { calendarPart, pythonIcalendar, startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.ts';

const NOW = new Date('2026-12-01T08:00:00Z');
const FROM = 'calendula@calendar.example.org';

function organizerCopy(opts: { uid?: string; summary?: string; organizerCn?: string; attendeeCn?: string; sequence?: number; extra?: string[]; start?: string[] } = {}): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Calendula tests//EN',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:STANDARD',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    `UID:${opts.uid ?? 'team-meeting-1@example.com'}`,
    'DTSTAMP:20261130T120000Z',
    ...(opts.start ?? ['DTSTART;TZID=Europe/Berlin:20261214T100000', 'DTEND;TZID=Europe/Berlin:20261214T110000']),
    `SUMMARY:${opts.summary ?? 'Team meeting'}`,
    'LOCATION:Room 4 <b>&amp;</b>',
    'DESCRIPTION:Agenda:\\n1. Budget\\n2. <script>alert(1)</script>',
    `SEQUENCE:${opts.sequence ?? 0}`,
    `ORGANIZER;CN=${opts.organizerCn ?? 'Alice Organizer'}:mailto:alice@example.com`,
    'ATTENDEE;CN=Alice Organizer;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@example.com',
    `ATTENDEE;CN=${opts.attendeeCn ?? 'Someone Else'};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:someone@example.net`,
    'ATTENDEE;CN=Carol;PARTSTAT=DECLINED:mailto:carol@example.org',
    ...(opts.extra ?? []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

function input(method: ItipMethod, text: string, over: Partial<ImipInput> = {}): ImipInput {
  const summary = eventSummary(text);
  if (!summary) throw new Error('no summary');
  return { method, itipText: text, summary, recipient: 'someone@example.net', from: FROM, locale: null, answerUrl: null, ...over };
}

const request = (over: Parameters<typeof organizerCopy>[0] = {}) => itipRequest(organizerCopy(over), NOW);

/** One header's raw line(s), unfolded; '' when absent. */
function rawHeader(mail: ReceivedMail, name: string): string {
  const head = mail.raw.split(/\r\n\r\n/)[0] ?? '';
  const m = new RegExp(`^${name}:[^\\r\\n]*(?:\\r\\n[ \\t][^\\r\\n]*)*`, 'im').exec(head);
  return m ? m[0] : '';
}

function headerNames(mail: ReceivedMail): string[] {
  const head = mail.raw.split(/\r\n\r\n/)[0] ?? '';
  return head
    .split(/\r\n(?![ \t])/)
    .map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
}

function address(v: unknown): { name: string; address: string }[] {
  const list = Array.isArray(v) ? v : [v];
  return list.flatMap((x: { value?: { name: string; address: string }[] }) => x?.value ?? []);
}

describe('composeImip through a real SMTP server', () => {
  let smtp: TestSmtp;
  let transport: MailTransport;
  beforeAll(async () => {
    smtp = await startSmtp();
    transport = new MailTransport({ smtpUrl: smtp.url, timeoutSeconds: 10 });
  });
  afterAll(async () => {
    transport.close();
    await smtp.close();
  });

  async function send(i: ImipInput): Promise<ReceivedMail> {
    const before = smtp.received.length;
    const r = await transport.send(composeImip(i));
    expect(r).toMatchObject({ ok: true });
    expect(smtp.received).toHaveLength(before + 1);
    return smtp.received[before]!;
  }

  it('REQUEST: multipart/alternative with text, HTML and text/calendar; method=REQUEST; From the organizer at MAIL_FROM, Reply-To the organizer', async () => {
    const text = request();
    const mail = await send(input('REQUEST', text, { answerUrl: 'https://cal.example.org/answer/abc.DEF_123' }));
    const p = mail.parsed;
    // As Gmail sends it: the alternatives (text, HTML, calendar) and the same object as invite.ics for Outlook.
    const parts = [...mail.raw.matchAll(/^Content-Type: ([a-z]+\/[a-z-]+)/gim)].map((m) => m[1]!.toLowerCase());
    expect(parts).toEqual(['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/html', 'text/calendar', 'application/ics']);
    expect(address(p.from)).toEqual([{ name: 'Alice Organizer', address: FROM }]);
    expect(address(p.replyTo)).toEqual([{ name: 'Alice Organizer', address: 'alice@example.com' }]);
    expect(address(p.to)).toEqual([{ name: 'Someone Else', address: 'someone@example.net' }]);
    expect(mail.to).toEqual(['someone@example.net']);
    expect(mail.from).toBe(FROM);
    expect(p.subject).toBe('Invitation: Team meeting');
    expect(p.headers.get('auto-submitted')).toBe('auto-generated');

    // The text part: title, when in the event's zone named and in UTC, where, organizer, attendees with answers, description, answer link.
    const body = p.text ?? '';
    expect(body).toContain('Alice Organizer invites you to an event.');
    expect(body).toContain('Event: Team meeting');
    expect(body).toMatch(/When: Monday,? 14 December 2026.*10:00.*11:00 \(Europe\/Berlin\)/);
    expect(body).toMatch(/In UTC: Monday,? 14 December 2026.*09:00.*10:00 UTC/);
    expect(body).toContain('Where: Room 4 <b>&amp;</b>');
    expect(body).toContain('Organizer: Alice Organizer <alice@example.com>');
    expect(body).toContain('  - Someone Else <someone@example.net>: no answer yet');
    expect(body).toContain('  - Carol <carol@example.org>: declined');
    expect(body).toContain('Description:\nAgenda:\n1. Budget\n2. <script>alert(1)</script>');
    expect(body).toContain('Answer without signing in:\nhttps://cal.example.org/answer/abc.DEF_123');

    // The HTML part: the same, escaped.
    const html = p.html || '';
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/<b>/);
    expect(html).toContain('Room 4 &lt;b&gt;&amp;amp;&lt;/b&gt;');
    expect(html).toContain('href="https://cal.example.org/answer/abc.DEF_123"');
    expect(html).toContain('<html lang="en">');

    // The calendar part, as the mail programs read it.
    const cal = calendarPart(mail);
    expect(cal.contentType).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=REQUEST$/i);
    expect(cal.text.replace(/\r\n/g, '\n')).toBe(text.replace(/\r\n/g, '\n'));
    const comp = new ICAL.Component(ICAL.parse(cal.text));
    expect(comp.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(comp.getFirstSubcomponent('vevent')?.getFirstPropertyValue('uid')).toBe('team-meeting-1@example.com');
    const py = await pythonIcalendar(cal.text);
    expect(py.method).toBe('REQUEST');
    expect(py.events.map((e) => e.uid)).toEqual(['team-meeting-1@example.com']);
    expect(py.events[0]!.attendees.map((a) => a.address.toLowerCase())).toContain('mailto:someone@example.net');
  });

  it('REQUEST with SEQUENCE > 0: "Updated invitation"', async () => {
    const mail = await send(input('REQUEST', request({ sequence: 2 })));
    expect(mail.parsed.subject).toBe('Updated invitation: Team meeting');
    expect(mail.parsed.text).toContain('Alice Organizer has changed an event you are invited to.');
    expect(mail.parsed.text).not.toContain('Answer without signing in');
  });

  it('CANCEL: method=CANCEL, "Cancelled: …", no answer link even when one is given', async () => {
    const text = itipCancel(organizerCopy(), ['someone@example.net'], NOW);
    const mail = await send(input('CANCEL', text, { answerUrl: 'https://cal.example.org/answer/x' }));
    expect(mail.parsed.subject).toBe('Cancelled: Team meeting');
    expect(calendarPart(mail).contentType).toMatch(/method=CANCEL/);
    expect(mail.parsed.text).toContain('Alice Organizer has cancelled this event.');
    expect(mail.parsed.text).not.toContain('answer/x');
    const py = await pythonIcalendar(calendarPart(mail).text);
    expect(py.method).toBe('CANCEL');
    expect(py.events[0]!.status).toBe('CANCELLED');
    expect(py.events[0]!.sequence).toBe(1);
  });

  it('REPLY: From the attendee at MAIL_FROM, Reply-To the attendee, To the organizer, "Accepted: …", method=REPLY', async () => {
    const attendeeCopy = organizerCopy().replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:someone', 'PARTSTAT=ACCEPTED:mailto:someone');
    const text = itipReply(attendeeCopy, 'someone@example.net', NOW);
    const mail = await send(input('REPLY', text, { recipient: 'alice@example.com' }));
    const p = mail.parsed;
    expect(address(p.from)).toEqual([{ name: 'Someone Else', address: FROM }]);
    expect(address(p.replyTo)).toEqual([{ name: 'Someone Else', address: 'someone@example.net' }]);
    expect(address(p.to)).toEqual([{ name: 'Alice Organizer', address: 'alice@example.com' }]);
    expect(mail.to).toEqual(['alice@example.com']);
    expect(p.subject).toBe('Accepted: Team meeting');
    expect(p.text).toContain('Someone Else has accepted the invitation.');
    expect(calendarPart(mail).contentType).toMatch(/method=REPLY/);
    const py = await pythonIcalendar(calendarPart(mail).text);
    expect(py.method).toBe('REPLY');
    expect(py.events[0]!.attendees).toEqual([expect.objectContaining({ address: expect.stringMatching(/^mailto:someone@example\.net$/i), partstat: 'ACCEPTED' })]);
  });

  it('REPLY declined and tentative name the answer in the subject', async () => {
    for (const [partstat, subject] of [
      ['DECLINED', 'Declined: Team meeting'],
      ['TENTATIVE', 'Tentative: Team meeting'],
    ] as const) {
      const copy = organizerCopy().replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:someone', `PARTSTAT=${partstat}:mailto:someone`);
      const mail = await send(input('REPLY', itipReply(copy, 'someone@example.net', NOW), { recipient: 'alice@example.com' }));
      expect(mail.parsed.subject).toBe(subject);
    }
  });

  it('header injection in SUMMARY and CN (RFC 6868 ^n, escaped \\n): nothing injected, the text stays on one header line', async () => {
    const text = request({
      summary: 'Hi\\nBcc: victim@evil.example\\nX-Injected: summary',
      organizerCn: '"Eve^nBcc: x@evil.example^nX-Injected: cn^\'quoted^\'"',
      attendeeCn: '"Someone^nCc: cc@evil.example"',
    });
    const mail = await send(input('REQUEST', text));
    const names = headerNames(mail);
    expect(names).not.toContain('bcc');
    expect(names).not.toContain('cc');
    expect(names).not.toContain('x-injected');
    expect(mail.to).toEqual(['someone@example.net']);
    expect(mail.parsed.subject).toBe('Invitation: Hi Bcc: victim@evil.example X-Injected: summary');
    const from = address(mail.parsed.from);
    expect(from).toHaveLength(1);
    expect(from[0]!.address).toBe(FROM);
    expect(from[0]!.name).toBe('Eve Bcc: x@evil.example X-Injected: cnquoted');
    expect(address(mail.parsed.to)).toEqual([{ name: 'Someone Cc: cc@evil.example', address: 'someone@example.net' }]);
    expect(mail.parsed.headers.has('bcc')).toBe(false);
  });

  it('raw CR/LF, NUL, bidi overrides and a 5,000-character title: bounded, cleaned, encoded; every header line stays short', async () => {
    const base = eventSummary(request());
    if (!base) throw new Error('no summary');
    const summary: EventSummary = {
      ...base,
      summary: `Évènement 会議 🎉\r\nBcc: a@evil.example\u0000\u202eevil\u202c ${'x'.repeat(5000)}`,
      organizer: { email: 'alice@example.com', name: 'Ålice\r\n\r\nX-Injected: 1\u0007' },
    };
    const mail = await send({ ...input('REQUEST', request()), summary });
    expect(headerNames(mail)).not.toContain('x-injected');
    expect(headerNames(mail)).not.toContain('bcc');
    const subject = mail.parsed.subject ?? '';
    expect(subject.startsWith('Invitation: Évènement 会議 🎉 Bcc: a@evil.example evil xxx')).toBe(true);
    expect(Array.from(subject).length).toBeLessThanOrEqual('Invitation: '.length + 150);
    expect(subject).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(address(mail.parsed.from)[0]!.name).toBe('Ålice X-Injected: 1');
    // Non-ASCII is RFC 2047-encoded: the header block itself is ASCII, its lines within RFC 5322's 998.
    const head = mail.raw.split(/\r\n\r\n/)[0] ?? '';
    expect(head).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    for (const line of head.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(rawHeader(mail, 'Subject')).toMatch(/=\?UTF-8\?/i);
  });

  it('a recipient or organizer address that is not a plain address never reaches a header', () => {
    const i = input('REQUEST', request());
    expect(() => composeImip({ ...i, recipient: 'someone@example.net\r\nBcc: x@evil.example' })).toThrow(ComposeError);
    expect(() => composeImip({ ...i, recipient: '"a b"@example.net' })).toThrow(ComposeError);
    expect(() => composeImip({ ...i, recipient: 'a@b@example.net' })).toThrow(ComposeError);
    // An organizer address with a line break: no Reply-To at all, the From name is MAIL_FROM.
    const odd = composeImip({ ...i, summary: { ...i.summary, organizer: { email: 'alice@example.com>\r\nBcc: x@evil.example', name: null } } });
    expect(odd.replyTo).toBeUndefined();
    expect(odd.from).toEqual({ name: FROM, address: FROM });
    expect(isPlainAddress('someone@example.net')).toBe(true);
    expect(isPlainAddress('some one@example.net')).toBe(false);
    expect(headerText('a\r\n\tb "c" <d>', 64)).toBe('a b c d');
  });

  it('languages: the sender’s locale picks de, fr or ja (a region is ignored); anything else is English', async () => {
    const cases: [string | null, string, RegExp][] = [
      ['de', 'Einladung: Team meeting', /Wann: Montag, 14\. Dezember 2026.*\(Europe\/Berlin\)/],
      ['de-AT', 'Einladung: Team meeting', /Alice Organizer lädt Sie zu einem Termin ein\./],
      ['fr', 'Invitation : Team meeting', /Quand : |Quand: lundi 14 décembre 2026/],
      ['ja', '招待: Team meeting', /日時: 2026\/12\/14月曜日 10時00分～11時00分 \(Europe\/Berlin\)/],
      ['nl', 'Invitation: Team meeting', /When: Monday/],
      [null, 'Invitation: Team meeting', /When: Monday/],
    ];
    for (const [locale, subject, body] of cases) {
      const mail = await send(input('REQUEST', request(), { locale }));
      expect(mail.parsed.subject, String(locale)).toBe(subject);
      expect(mail.parsed.text, String(locale)).toMatch(body);
    }
    const de = await send(input('CANCEL', itipCancel(organizerCopy(), 'all', NOW), { locale: 'de' }));
    expect(de.parsed.subject).toBe('Abgesagt: Team meeting');
    expect(de.parsed.html).toContain('<html lang="de">');
    const ja = await send(input('REQUEST', request({ sequence: 1 }), { locale: 'ja' }));
    expect(ja.parsed.subject).toBe('更新された招待: Team meeting');
    const fr = await send(input('REPLY', itipReply(organizerCopy().replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:someone', 'PARTSTAT=DECLINED:mailto:someone'), 'someone@example.net', NOW), { recipient: 'alice@example.com', locale: 'fr' }));
    expect(fr.parsed.subject).toBe('Refusé : Team meeting');
  });

  it('an all-day event shows its dates only; a UTC event one line; an unknown zone falls back to UTC', () => {
    const allDay = composeImip(input('REQUEST', request({ start: ['DTSTART;VALUE=DATE:20261224', 'DTEND;VALUE=DATE:20261227'] })));
    expect(allDay.text).toMatch(/When: Thursday,? 24 – Saturday,? 26 December 2026 \(all day\)|When: Thursday 24 December 2026 – Saturday 26 December 2026 \(all day\)|When: .*24.*26 December 2026 \(all day\)/);
    expect(allDay.text).not.toContain('In UTC');
    const utc = composeImip(input('REQUEST', request({ start: ['DTSTART:20261214T090000Z', 'DTEND:20261214T100000Z'] })));
    expect(utc.text).toMatch(/When: Monday,? 14 December 2026.*09:00.*10:00 UTC/);
    expect(utc.text).not.toContain('In UTC');
    const base = input('REQUEST', request());
    const unknown = composeImip({ ...base, summary: { ...base.summary, zone: 'Mars/Olympus_Mons' } });
    expect(unknown.text).toMatch(/When: .*09:00.*10:00 UTC/);
  });

  it('a series names its rule', () => {
    const weekly = composeImip(input('REQUEST', request({ extra: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10'] })));
    expect(weekly.text).toMatch(/Repeats: weekly \(FREQ=WEEKLY;(?=[^)]*COUNT=10)(?=[^)]*BYDAY=MO)[^)]*\)/);
  });
});
