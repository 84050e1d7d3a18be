// Attendees on the web face's event form over raw HTTP, as a browser posts it, checked over
// CalDAV: the organizer invites (and becomes ORGANIZER), sees each answer; a bad address or an
// account without an address gets the form again with the reason beside the field and stores
// nothing; what the form does not model survives a save; an invitee answers Accept/Maybe/Decline
// and the organizer's copy follows.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarQuery, parseMultistatus, type Dav } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

const HOSTILE = `<img src=x onerror="window.__xss=1">`;
const crlf = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

interface Attendee {
  email: string;
  params: Record<string, string>;
}

/** ORGANIZER and ATTENDEEs of every VEVENT of an object, read with ical.js. */
function participants(text: string): { organizer: string | null; organizerCn: string | null; attendees: Attendee[] }[] {
  const root = new ICAL.Component(ICAL.parse(text) as never);
  return root.getAllSubcomponents('vevent').map((c) => {
    const o = c.getFirstProperty('organizer');
    return {
      organizer: o ? String(o.getFirstValue()).replace(/^mailto:/i, '') : null,
      organizerCn: o ? ((o.getParameter('cn') as string | undefined) ?? null) : null,
      attendees: c.getAllProperties('attendee').map((p) => {
        const json = p.toJSON() as [string, Record<string, string>, string, string];
        return { email: String(p.getFirstValue()).replace(/^mailto:/i, ''), params: json[1] };
      }),
    };
  });
}

describe('attendees on the event form over raw HTTP', { shuffle: false }, () => {
  const server = useTestServer({ env: { APP_TIMEZONE: 'UTC' } });
  const alice = server.user('alice', { email: 'alice@example.org', displayName: 'Alice Liddell' });
  const bob = server.user('bob', { email: 'bob@example.org' });
  const nomail = server.user('nomail');

  const session = async (username: string) => {
    const cookie = await webSignIn(server.url, username, `${username}-password`);
    return { cookie, csrf: await webCsrf(server.url, cookie) };
  };
  const get = async (cookie: string, path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, page: await res.text() };
  };
  const post = async (cookie: string, path: string, form: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual' });
    const notice = /calendula_notice=[^;]+/.exec(res.headers.getSetCookie().join('\n'))?.[0] ?? null;
    return { status: res.status, location: res.headers.get('location'), notice, page: await res.text() };
  };
  const eventForm = (over: Record<string, string> = {}) => ({ calendar: 'default', summary: 'Meeting', startDate: '2027-05-03', startTime: '10:00', endDate: '2027-05-03', endTime: '11:00', ...over });
  const count = async (username: string) => (await server.domain.calendars.get(`principals/${username}`, 'default'))!.objectCount;

  /** The user's objects in their default calendar whose SUMMARY holds `summary`: path, ETag, text (over CalDAV). */
  async function find(dav: Dav, summary: string): Promise<{ path: string; etag: string; text: string }[]> {
    const filter = `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match>${summary}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`;
    const res = await dav.report(`/dav/calendars/${dav.username}/default/`, calendarQuery(filter, '<d:getetag/>'));
    expect(res.status).toBe(207);
    const out = [];
    for (const href of parseMultistatus(res.text).members.keys()) {
      const got = await dav.request('GET', href);
      expect(got.status).toBe(200);
      out.push({ path: href, etag: (got.headers.get('etag') ?? '').replace(/"/g, ''), text: got.text });
    }
    return out;
  }
  const formPath = (davPath: string) => davPath.replace(/^\/dav\/calendars\/[^/]+\//, '/my/events/');

  it('invites people: ORGANIZER is the user (with their name), each address an ATTENDEE; a local attendee gets a copy; the form lists each answer', async () => {
    const { cookie, csrf } = await session('alice');
    const saved = await post(cookie, '/my/events', { _csrf: csrf, ...eventForm({ summary: 'Kickoff', attendees: 'bob@example.org\r\nCarol Example <Carol@Example.net>, mailto:dave@example.com\r\nbob@example.org' }) });
    expect(saved.status).toBe(303);
    const [stored] = await find(alice, 'Kickoff');
    expect(stored).toBeDefined();
    const [master] = participants(stored!.text);
    expect(master!.organizer).toBe('alice@example.org');
    expect(master!.organizerCn).toBe('Alice Liddell');
    expect(master!.attendees.map((a) => a.email)).toEqual(['bob@example.org', 'Carol@Example.net', 'dave@example.com']);
    expect(master!.attendees.every((a) => a.params.partstat === 'NEEDS-ACTION' && a.params.rsvp === 'TRUE')).toBe(true);
    // Bob, a user here, finds it in his calendar (scheduling delivered it), and the organizer's copy says so.
    const [copy] = await find(bob, 'Kickoff');
    expect(copy).toBeDefined();
    expect(participants(copy!.text)[0]!.organizer).toBe('alice@example.org');
    // The edit form (the event page's Edit) holds the field and the answers.
    const form = await get(cookie, `${formPath(stored!.path)}/edit`);
    expect(form.status).toBe(200);
    expect(form.page).toContain('<textarea id="ev-att" name="attendees"');
    expect(form.page).toMatch(/>bob@example.org\ncarol@example.net\ndave@example.com<\/textarea>/);
    const row = (email: string) => new RegExp(`<tr><th scope="row"><span class="mono">${email.replace(/\./g, '\\.')}</span>[\\s\\S]*?</tr>`).exec(form.page)?.[0] ?? '';
    expect(row('bob@example.org')).toContain('No answer yet');
    expect(row('bob@example.org')).toContain('In their calendar here');
    expect(row('carol@example.net')).toContain('No answer yet');
    // Without SMTP_URL the form says that people elsewhere are not told.
    expect(form.page).toContain('This server sends no e-mail');
    // In the user's language.
    for (const [lang, words] of [['de', ['Teilnehmende', 'Noch keine Antwort', 'In ihrem Kalender hier']], ['fr', ['Participants', 'Pas encore de réponse']], ['ja', ['参加者', '未返答']]] as const) {
      const page = (await get(cookie, `${formPath(stored!.path)}?lang=${lang}`)).page;
      for (const w of words) expect(page).toContain(w);
    }
  });

  it('refuses an address that is not one with the form again, the reason beside the field, and stores nothing', async () => {
    const { cookie, csrf } = await session('alice');
    const before = await count('alice');
    const res = await post(cookie, '/my/events', { _csrf: csrf, ...eventForm({ summary: 'Typo', attendees: `bob@example.org\nnot-an-address\n${HOSTILE}` }) });
    expect(res.status).toBe(400);
    expect(res.page).toContain('Attendees: “not-an-address” is not an e-mail address.');
    expect(res.page).toContain('<p class="field-error" id="ev-att-error">');
    expect(res.page).toContain('aria-invalid="true"');
    expect(res.page).toContain('aria-describedby="ev-att-hint ev-att-error"');
    // What was typed comes back, as text.
    expect(res.page).toContain('bob@example.org\nnot-an-address\n&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;</textarea>');
    expect(res.page).not.toContain('<img src=x');
    expect(res.page).toContain('value="Typo"');
    expect(await count('alice')).toBe(before);
  });

  it('refuses to invite from an account without an e-mail address (it would be the organizer), storing nothing; without attendees the event is saved', async () => {
    const { cookie, csrf } = await session('nomail');
    const before = await count('nomail');
    const form = await get(cookie, '/my/events/new');
    expect(form.page).toContain('your account needs an e-mail address');
    const res = await post(cookie, '/my/events', { _csrf: csrf, ...eventForm({ summary: 'Lonely', attendees: 'bob@example.org' }) });
    expect(res.status).toBe(400);
    expect(res.page).toContain('Attendees: your account has no e-mail address, so you cannot invite people');
    expect(res.page).toContain('id="ev-att-error"');
    expect(await count('nomail')).toBe(before);
    const plain = await post(cookie, '/my/events', { _csrf: csrf, ...eventForm({ summary: 'Lonely', attendees: '' }) });
    expect(plain.status).toBe(303);
    expect(await count('nomail')).toBe(before + 1);
    // An imported event listing attendees without an organizer stays editable; adding someone is not.
    const put = await nomail.put('/dav/calendars/nomail/default/imported.ics', crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', 'UID:imported-1', 'DTSTAMP:20261201T000000Z', 'DTSTART:20270801T090000Z', 'DTEND:20270801T100000Z', 'SUMMARY:Imported', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:someone@example.net', 'END:VEVENT', 'END:VCALENDAR'));
    expect(put.status).toBe(201);
    const edit = await get(cookie, '/my/events/default/imported.ics/edit');
    const etag = /name="etag" value="([^"]+)"/.exec(edit.page)![1]!;
    const fields = { _csrf: csrf, etag, summary: 'Imported, renamed', startDate: '2027-08-01', startTime: '09:00', endDate: '2027-08-01', endTime: '10:00' };
    const refused = await post(cookie, '/my/events/default/imported.ics', { ...fields, attendees: 'someone@example.net\nbob@example.org' });
    expect(refused.status).toBe(400);
    expect(refused.page).toContain('your account has no e-mail address');
    expect((await post(cookie, '/my/events/default/imported.ics', { ...fields, attendees: 'someone@example.net' })).status).toBe(303);
    const text = (await nomail.request('GET', '/dav/calendars/nomail/default/imported.ics')).text;
    expect(text).toContain('SUMMARY:Imported\\, renamed');
    expect(text).not.toContain('ORGANIZER');
    expect(participants(text)[0]!.attendees).toEqual([{ email: 'someone@example.net', params: { partstat: 'ACCEPTED' } }]);
  });

  it('keeps what the form does not model across a save: alarms, X- properties, attendee parameters, rooms, instances; removes and adds attendees', async () => {
    const put = await alice.put(
      '/dav/calendars/alice/default/rich.ics',
      crlf(
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 14.0//EN', 'BEGIN:VEVENT', 'UID:rich-1', 'DTSTAMP:20261201T000000Z', 'SEQUENCE:2',
        'DTSTART:20270607T090000Z', 'DTEND:20270607T100000Z', 'SUMMARY:Rich', 'RRULE:FREQ=WEEKLY;COUNT=3', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC', 'CATEGORIES:Work',
        'URL:https://example.org/agenda', 'ORGANIZER;CN=Alice:mailto:alice@example.org',
        'ATTENDEE;CN=Alice;CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@example.org',
        `ATTENDEE;CN="Zed ${HOSTILE.replace(/"/g, "'")}";CUTYPE=INDIVIDUAL;PARTSTAT=TENTATIVE;X-NUM-GUESTS=2;SCHEDULE-STATUS=2.0:mailto:zed@example.net`,
        'ATTENDEE;PARTSTAT=DECLINED:mailto:yves@example.net', 'ATTENDEE;CUTYPE=ROOM;CN=Room 1:urn:uuid:2b7c0d9e-0000-4000-8000-000000000001',
        'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Soon', 'TRIGGER:-PT10M', 'X-WR-ALARMUID:a1', 'END:VALARM', 'END:VEVENT',
        'BEGIN:VEVENT', 'UID:rich-1', 'RECURRENCE-ID:20270614T090000Z', 'DTSTAMP:20261201T000000Z', 'DTSTART:20270614T130000Z', 'DTEND:20270614T140000Z', 'SUMMARY:Rich (moved)',
        'ORGANIZER;CN=Alice:mailto:alice@example.org', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:yves@example.net', 'END:VEVENT', 'END:VCALENDAR',
      ),
    );
    expect(put.status).toBe(201);
    const { cookie, csrf } = await session('alice');
    const form = await get(cookie, '/my/events/default/rich.ics/edit');
    expect(form.status).toBe(200);
    expect(form.page).not.toContain('<img src=x');
    expect(form.page).toContain('Zed &lt;img src=x onerror=&#39;window.__xss=1&#39;&gt;');
    expect(form.page).toMatch(/>alice@example.org\nzed@example.net\nyves@example.net<\/textarea>/);
    const etag = /name="etag" value="([^"]+)"/.exec(form.page)![1]!;
    // The organizer drops Yves, adds Xena, and renames the series.
    const saved = await post(cookie, '/my/events/default/rich.ics', {
      _csrf: csrf, etag, summary: 'Rich renamed', startDate: '2027-06-07', startTime: '09:00', endDate: '2027-06-07', endTime: '10:00', repeat: 'WEEKLY', ends: 'count', count: '3',
      attendees: 'alice@example.org\nzed@example.net\nxena@example.net',
    });
    expect(saved.status).toBe(303);
    const got = await alice.request('GET', '/dav/calendars/alice/default/rich.ics');
    const text = got.text.replace(/\r\n[ \t]/g, '');
    for (const kept of ['X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC', 'CATEGORIES:Work', 'URL:https://example.org/agenda', 'TRIGGER:-PT10M', 'X-WR-ALARMUID:a1', 'SUMMARY:Rich (moved)', 'PRODID:-//Apple Inc.//macOS 14.0//EN']) expect(text).toContain(kept);
    expect(text).toContain('SUMMARY:Rich renamed');
    const [master, moved] = participants(got.text);
    expect(master!.organizerCn).toBe('Alice');
    expect(master!.attendees.map((a) => a.email)).toEqual(['alice@example.org', 'zed@example.net', 'urn:uuid:2b7c0d9e-0000-4000-8000-000000000001', 'xena@example.net']);
    expect(master!.attendees[0]!.params).toMatchObject({ cn: 'Alice', partstat: 'ACCEPTED', role: 'CHAIR' });
    expect(master!.attendees[1]!.params).toMatchObject({ partstat: 'TENTATIVE', 'x-num-guests': '2' });
    expect(master!.attendees[2]!.params).toMatchObject({ cutype: 'ROOM', cn: 'Room 1' });
    // The moved instance loses Yves and gets the new attendee too.
    expect(moved!.attendees.map((a) => a.email)).toEqual(['xena@example.net']);
    expect(moved!.organizer).toBe('alice@example.org');
    // Listed among the attendees, the organizer gives their own answer too.
    const again = await get(cookie, '/my/events/default/rich.ics');
    expect(again.page).toContain('Your answer so far: Accepted.');
    const tag = /action="\/my\/events\/default\/rich\.ics\/answer"[^>]*>.*?name="etag" value="([^"]+)"/s.exec(again.page)![1]!;
    expect((await post(cookie, '/my/events/default/rich.ics/answer', { _csrf: csrf, etag: tag, partstat: 'TENTATIVE' })).status).toBe(303);
    const answered = participants((await alice.request('GET', '/dav/calendars/alice/default/rich.ics')).text)[0]!;
    expect(answered.attendees.map((a) => [a.email, a.params.partstat ?? null])).toEqual([
      ['alice@example.org', 'TENTATIVE'],
      ['zed@example.net', 'TENTATIVE'],
      ['urn:uuid:2b7c0d9e-0000-4000-8000-000000000001', null],
      ['xena@example.net', 'NEEDS-ACTION'],
    ]);
  });

  it('lets an invitee answer Accept, Maybe or Decline: only their PARTSTAT changes, the organizer’s copy follows, the organizer sees the answer', async () => {
    const a = await session('alice');
    expect((await post(a.cookie, '/my/events', { _csrf: a.csrf, ...eventForm({ summary: 'Review', attendees: 'bob@example.org\nzoe@example.net' }) })).status).toBe(303);
    const [organizerCopy] = await find(alice, 'Review');
    const [bobCopy] = await find(bob, 'Review');
    expect(bobCopy).toBeDefined();
    const b = await session('bob');
    const page = await get(b.cookie, formPath(bobCopy!.path));
    expect(page.status).toBe(200);
    // An invitee answers; the list is shown, not edited.
    expect(page.page).toContain('<h2 id="own-answer">Your answer</h2>');
    expect(page.page).toContain('Your answer so far: No answer yet.');
    expect(page.page).not.toContain('name="attendees"');
    expect(page.page).toMatch(/Organizer: <span class="mono">alice@example.org<\/span> \(Alice Liddell\)/);
    const etag = /action="\/my\/events\/default\/[^"]+\/answer"[^>]*>.*?name="etag" value="([^"]+)"/s.exec(page.page)![1]!;
    const answered = await post(b.cookie, `${formPath(bobCopy!.path)}/answer`, { _csrf: b.csrf, etag, partstat: 'ACCEPTED' });
    expect(answered.status).toBe(303);
    expect(answered.location).toBe(formPath(bobCopy!.path));
    const bobAfter = participants((await bob.request('GET', bobCopy!.path)).text)[0]!;
    expect(bobAfter.attendees.find((x) => x.email === 'bob@example.org')!.params.partstat).toBe('ACCEPTED');
    const aliceAfter = participants((await alice.request('GET', organizerCopy!.path)).text)[0]!;
    expect(aliceAfter.attendees.find((x) => x.email === 'bob@example.org')!.params.partstat).toBe('ACCEPTED');
    expect(aliceAfter.attendees.find((x) => x.email === 'zoe@example.net')!.params.partstat).toBe('NEEDS-ACTION');
    const organizerForm = await get(a.cookie, formPath(organizerCopy!.path));
    expect(/<span class="mono">bob@example\.org<\/span>[\s\S]*?<\/tr>/.exec(organizerForm.page)![0]).toContain('Accepted');
    // The answer page after the redirect says what was saved; then a change of mind: Maybe, then Decline.
    const after = await get(`${b.cookie}; ${answered.notice}`, answered.location!);
    expect(after.page).toContain('Your answer is saved: Accepted.');
    expect(after.page).toContain('Your answer so far: Accepted.');
    for (const partstat of ['TENTATIVE', 'DECLINED']) {
      const now = await get(b.cookie, formPath(bobCopy!.path));
      const tag = /action="\/my\/events\/default\/[^"]+\/answer"[^>]*>.*?name="etag" value="([^"]+)"/s.exec(now.page)![1]!;
      expect((await post(b.cookie, `${formPath(bobCopy!.path)}/answer`, { _csrf: b.csrf, etag: tag, partstat })).status).toBe(303);
      const organizer = participants((await alice.request('GET', organizerCopy!.path)).text)[0]!;
      expect(organizer.attendees.find((x) => x.email === 'bob@example.org')!.params.partstat).toBe(partstat);
    }
    // Bob's own edit of his copy cannot change who is invited, whatever the post says.
    const now = await get(b.cookie, `${formPath(bobCopy!.path)}/edit`);
    const mainEtag = /class="card event-form">.*?name="etag" value="([^"]+)"/s.exec(now.page)![1]!;
    const edit = await post(b.cookie, formPath(bobCopy!.path), { _csrf: b.csrf, etag: mainEtag, ...eventForm({ summary: 'Review (my note)', attendees: 'mallory@example.net' }) });
    expect(edit.status).toBe(303);
    const mine = participants((await bob.request('GET', bobCopy!.path)).text)[0]!;
    expect(mine.attendees.map((x) => x.email)).toEqual(['bob@example.org', 'zoe@example.net']);
    expect(mine.organizer).toBe('alice@example.org');
  });

  it('refuses an answer that is none, one to an event the user is not invited to, and one without the CSRF token; nothing changes', async () => {
    const a = await session('alice');
    const b = await session('bob');
    expect((await post(a.cookie, '/my/events', { _csrf: a.csrf, ...eventForm({ summary: 'Standalone' }) })).status).toBe(303);
    const [own] = await find(alice, 'Standalone');
    const refused = await post(a.cookie, `${formPath(own!.path)}/answer`, { _csrf: a.csrf, etag: own!.etag, partstat: 'ACCEPTED' });
    expect(refused.status).toBe(400);
    expect(refused.page).toContain('You are not invited to this event');
    const [bobCopy] = await find(bob, 'Review');
    const before = (await bob.request('GET', bobCopy!.path)).text;
    expect((await post(b.cookie, `${formPath(bobCopy!.path)}/answer`, { _csrf: b.csrf, etag: bobCopy!.etag, partstat: 'MAYBE-LATER' })).status).toBe(400);
    expect((await post(b.cookie, `${formPath(bobCopy!.path)}/answer`, { etag: bobCopy!.etag, partstat: 'ACCEPTED' })).status).toBe(403);
    // An answer against a version the user has not seen is a conflict, not a silent overwrite.
    expect((await post(b.cookie, `${formPath(bobCopy!.path)}/answer`, { _csrf: b.csrf, etag: 'stale-etag', partstat: 'ACCEPTED' })).status).toBe(409);
    expect((await bob.request('GET', bobCopy!.path)).text).toBe(before);
  });
});
