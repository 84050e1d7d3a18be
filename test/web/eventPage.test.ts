// The event page and form over raw HTTP, as a browser posts them, checked over CalDAV (and once
// through tsdav): the page shows the event, read-only on a calendar shared read-only (no
// controls; every POST 403, nothing changed); a new event with reminders, a time zone, a link, a
// colour and categories is stored as clients write them; a refused form comes back with what was
// typed; on Apple Calendar's and Thunderbird's own recurring events "this occurrence" writes an
// override with RECURRENCE-ID, "this and following" splits the series (UNTIL on the old one, a new
// UID with RELATED-TO and the rest of the COUNT), delete writes EXDATE or UNTIL after a
// confirmation page; reloading after a POST changes nothing; "Calendar" moves the event.
import ICAL from 'ical.js';
import { createDAVClient } from 'tsdav';
import { describe, expect, it } from 'vitest';
import { VTIMEZONE_BERLIN } from '../fixtures/ical.ts';
import { calendarQuery, parseMultistatus, type Dav } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

const crlf = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const HOSTILE = `<img src=x onerror="window.__xss=1">`;

/** A weekly series as Apple Calendar (macOS 14) writes it: TZID, COUNT, a reminder 15 minutes before, a URL. */
const APPLE_UID = '3B1F2F4E-0D7A-4C36-9E1B-5A1E0A000001';
const APPLE_WEEKLY = crlf(
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 14.4//EN', 'CALSCALE:GREGORIAN', ...VTIMEZONE_BERLIN,
  'BEGIN:VEVENT', 'CREATED:20270101T100000Z', 'DTEND;TZID=Europe/Berlin:20270301T100000', 'DTSTAMP:20270101T100000Z', 'DTSTART;TZID=Europe/Berlin:20270301T090000',
  'LAST-MODIFIED:20270101T100000Z', 'LOCATION:Room 4', 'RRULE:FREQ=WEEKLY;COUNT=6', 'SEQUENCE:0', 'SUMMARY:Apple weekly', 'TRANSP:OPAQUE', `UID:${APPLE_UID}`,
  'URL;VALUE=URI:https://example.org/notes', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC',
  'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Reminder', 'TRIGGER:-PT15M', 'UID:6C1D7C0E-AAAA-4B7E-9D0E-000000000001', 'X-WR-ALARMUID:6C1D7C0E-AAAA-4B7E-9D0E-000000000001', 'END:VALARM',
  'END:VEVENT', 'END:VCALENDAR',
);

/** A daily series as Thunderbird (Lightning) writes it: X-MOZ-GENERATION, CATEGORIES, a 5-minute alarm. */
const TB_UID = '8f0c9d2e-4a1b-4c3d-9e8f-7a6b5c4d3e2f';
const TB_DAILY = crlf(
  'BEGIN:VCALENDAR', 'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN', 'VERSION:2.0', ...VTIMEZONE_BERLIN,
  'BEGIN:VEVENT', 'CREATED:20270101T120000Z', 'LAST-MODIFIED:20270101T120000Z', 'DTSTAMP:20270101T120000Z', `UID:${TB_UID}`, 'SUMMARY:Thunderbird daily',
  'RRULE:FREQ=DAILY;COUNT=10', 'CATEGORIES:Business', 'DTSTART;TZID=Europe/Berlin:20270405T080000', 'DTEND;TZID=Europe/Berlin:20270405T083000', 'TRANSP:OPAQUE', 'X-MOZ-GENERATION:1',
  'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;VALUE=DURATION:-PT5M', 'DESCRIPTION:Default Mozilla Description', 'END:VALARM',
  'END:VEVENT', 'END:VCALENDAR',
);

/** The VEVENTs of an object, read with ical.js. */
function vevents(text: string): ICAL.Component[] {
  return new ICAL.Component(ICAL.parse(text) as never).getAllSubcomponents('vevent');
}
const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '');

describe('the event page and form over raw HTTP', { shuffle: false }, () => {
  const server = useTestServer({ env: { APP_TIMEZONE: 'UTC' } });
  const alice = server.user('alice', { email: 'alice@example.org', displayName: 'Alice Liddell' });
  server.user('carol', { email: 'carol@example.org' });

  const session = async (username: string) => {
    const cookie = await webSignIn(server.url, username, `${username}-password`);
    return { cookie, csrf: await webCsrf(server.url, cookie) };
  };
  const get = async (cookie: string, path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), page: await res.text() };
  };
  const post = async (cookie: string, path: string, form: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), page: await res.text() };
  };
  const etagIn = (page: string) => /class="card (?:event-form|danger)">.*?name="etag" value="([^"]+)"/s.exec(page)![1]!;

  /** Every object of a calendar over CalDAV (REPORT, then GET each): path and text. */
  async function objects(dav: Dav, cal = 'default'): Promise<{ path: string; text: string }[]> {
    const res = await dav.report(`/dav/calendars/${dav.username}/${cal}/`, calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>'));
    expect(res.status).toBe(207);
    const out = [];
    for (const href of parseMultistatus(res.text).members.keys()) {
      const got = await dav.request('GET', href);
      expect(got.status).toBe(200);
      out.push({ path: href, text: got.text });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }
  const objectCount = async (cal = 'default') => (await server.domain.calendars.get('principals/alice', cal))!.objectCount;

  it('creates an event with reminders, its own time zone, a link, a colour and categories, stored as clients write them; the page shows it in both zones', async () => {
    const { cookie, csrf } = await session('alice');
    // The new-event URL of an hour slot prefills the form.
    const form = await get(cookie, '/my/events/new?date=2027-06-14&time=23:30&calendar=default');
    expect(form.status).toBe(200);
    expect(form.page).toContain('id="ev-sd" name="startDate" type="date" required value="2027-06-14"');
    expect(form.page).toContain('id="ev-st" name="startTime" type="time" value="23:30"');
    expect(form.page).toContain('id="ev-ed" name="endDate" type="date" required value="2027-06-15"');
    expect(form.page).toContain('id="ev-et" name="endTime" type="time" value="00:30"');
    expect(form.page).toMatch(/<option selected>UTC<\/option>/);
    const allDay = await get(cookie, '/my/events/new?date=2027-06-14&allDay=on');
    expect(allDay.page).toContain('name="allDay" id="ev-allday" checked');
    const saved = await post(cookie, '/my/events', {
      _csrf: csrf, calendar: 'default', summary: `Call ${HOSTILE}`, startDate: '2027-06-14', startTime: '09:00', endDate: '2027-06-14', endTime: '10:00', zone: 'America/New_York',
      reminder0: '15', reminder1: 'custom', reminderMinutes1: '90', reminder2: '', url: 'https://example.org/call?id=1&x=2', color: 'teal', categories: 'Work, Calls,work', location: 'Phone',
    });
    expect(saved.status).toBe(303);
    const [stored] = (await objects(alice)).filter((o) => o.text.includes('SUMMARY:Call'));
    const text = unfold(stored!.text);
    expect(text).toContain('DTSTART;TZID=America/New_York:20270614T090000');
    expect(text).toContain('DTEND;TZID=America/New_York:20270614T100000');
    expect(text).toContain('URL:https://example.org/call?id=1&x=2');
    expect(text).toContain('COLOR:teal');
    expect(text).toContain('CATEGORIES:Work,Calls');
    const [master] = vevents(stored!.text);
    const triggers = master!.getAllSubcomponents('valarm').map((a) => [String(a.getFirstPropertyValue('action')), String(a.getFirstPropertyValue('trigger'))]).sort();
    expect(triggers).toEqual([['DISPLAY', '-PT15M'], ['DISPLAY', '-PT1H30M']]);
    // The page: in New York's time and in the viewer's (UTC), the link, reminders, colour, categories; all as text.
    const path = stored!.path.replace('/dav/calendars/alice/', '/my/events/');
    const page = await get(cookie, path);
    expect(page.status).toBe(200);
    expect(page.page).not.toContain('<img src=x');
    expect(page.page).toContain('Call &lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;</h1>');
    expect(page.page).toMatch(/Jun 14, 2027, 9:00\s?AM – 10:00\s?AM \(America\/New_York\)/);
    expect(page.page).toMatch(/In your time zone<\/dt><dd>Jun 14, 2027, 1:00\s?PM – 2:00\s?PM \(UTC\)/);
    expect(page.page).toContain('<a href="https://example.org/call?id=1&amp;x=2" rel="noopener noreferrer nofollow">');
    expect(page.page).toContain('15 minutes before, 90 minutes before');
    expect(page.page).toContain('fill="teal"');
    expect(page.page).toContain('<span class="badge">Work</span><span class="badge">Calls</span>');
    expect(page.page).toContain(`href="${path}/edit"`);
    expect(page.page).toContain(`href="${path}/delete"`);
    // The edit form shows what is stored.
    const edit = await get(cookie, `${path}/edit`);
    expect(edit.page).toMatch(/<option selected>America\/New_York<\/option>/);
    expect(edit.page).toMatch(/<select id="ev-rem0" name="reminder0" data-reminder>[\s\S]*?<option value="15" selected>/);
    expect(edit.page).toMatch(/<select id="ev-rem1"[\s\S]*?<option value="custom" selected>/);
    expect(edit.page).toContain('id="ev-remm1" name="reminderMinutes1" type="number" min="0" max="40320" inputmode="numeric" value="90"');
    expect(edit.page).toContain('value="https://example.org/call?id=1&amp;x=2"');
    expect(edit.page).toContain('<option value="teal" selected>Teal</option>');
    expect(edit.page).toContain('value="Work, Calls"');
    // In German the same page speaks German.
    const de = await get(cookie, `${path}?lang=de`);
    for (const w of ['In Ihrer Zeitzone', 'Erinnerungen', '15 Minuten vorher', 'Bearbeiten', 'Löschen…']) expect(de.page).toContain(w);
  });

  it('ignores the times of an all-day event and "Ends" without a repeat', async () => {
    const { cookie, csrf } = await session('alice');
    const saved = await post(cookie, '/my/events', {
      _csrf: csrf, calendar: 'default', summary: 'Holiday', allDay: 'on', startDate: '2027-07-01', startTime: '25:99', endDate: '2027-07-02', endTime: 'x', zone: 'Asia/Tokyo', ends: 'count', count: 'not a number', until: 'never',
    });
    expect(saved.status).toBe(303);
    const text = unfold((await objects(alice)).find((o) => o.text.includes('SUMMARY:Holiday'))!.text);
    expect(text).toContain('DTSTART;VALUE=DATE:20270701');
    expect(text).toContain('DTEND;VALUE=DATE:20270703');
    expect(text).not.toContain('RRULE');
    expect(text).not.toContain('TZID');
  });

  it('refuses a bad form with the same form again: values kept, the reasons beside the fields, in the user’s language; nothing stored', async () => {
    const { cookie, csrf } = await session('alice');
    const before = await objectCount();
    const fields = {
      _csrf: csrf, calendar: 'default', summary: `Kept ${HOSTILE}`, startDate: '2027-08-02', startTime: '10:00', endDate: '2027-08-02', endTime: '09:00', zone: 'Europe/Paris',
      reminder0: 'custom', reminderMinutes0: 'soon', url: 'javascript:alert(1)', color: 'chartreuse', categories: 'A, B', repeat: 'WEEKLY', ends: 'count', count: '0', description: 'Notes\nline 2',
    };
    const res = await post(cookie, '/my/events', fields);
    expect(res.status).toBe(400);
    expect(res.page).not.toContain('<img src=x');
    expect(res.page).toContain(`value="Kept &lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;"`);
    expect(res.page).toContain('<p class="field-error" id="ev-ed-error">The end must not be before the start.</p>');
    expect(res.page).toContain('<p class="field-error" id="ev-url-error">Enter a web address that starts with http:// or https://.</p>');
    expect(res.page).toContain('<p class="field-error" id="ev-color-error">Choose a colour from the list.</p>');
    expect(res.page).toContain('<p class="field-error" id="ev-rem-error">');
    expect(res.page).toContain('<p class="field-error" id="ev-count-error">');
    expect(res.page).toContain('id="ev-url" name="url" type="url" inputmode="url" maxlength="2000" placeholder="https://" value="javascript:alert(1)" aria-invalid="true" aria-describedby="ev-url-error"');
    expect(res.page).toMatch(/<option selected>Europe\/Paris<\/option>/);
    expect(res.page).toContain('value="soon"');
    expect(res.page).toContain('value="A, B"');
    expect(res.page).toContain('>Notes\nline 2</textarea>');
    expect(res.page).toMatch(/<option value="WEEKLY" selected>/);
    const fr = await post(cookie, '/my/events?lang=fr', fields);
    expect(fr.status).toBe(400);
    expect(fr.page).toContain('Saisissez une adresse web commençant par http:// ou https://.');
    expect(await objectCount()).toBe(before);
  });

  it('shows a calendar shared read-only without controls; every POST answers 403 with a page saying so and changes nothing', async () => {
    expect((await alice.put('/dav/calendars/alice/default/apple-weekly.ics', APPLE_WEEKLY)).status).toBe(201);
    const view = (await server.domain.calendars.get('principals/alice', 'default'))!;
    await server.domain.sharing.share('alice', view.instanceId, 'carol', false);
    const shared = (await server.domain.calendars.listForPrincipal('principals/carol')).find((v) => v.uri !== 'default' && v.displayname === view.displayname)!;
    expect(shared).toBeDefined();
    const before = (await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).text;
    const { cookie, csrf } = await session('carol');
    const path = `/my/events/${encodeURIComponent(shared.uri)}/apple-weekly.ics`;
    for (const p of [path, `${path}?occurrence=20270308T090000`]) {
      const page = await get(cookie, p);
      expect(page.status).toBe(200);
      expect(page.page).toContain('Apple weekly</h1>');
      expect(page.page).toContain('This calendar is shared with you read-only: you can see this event but not change it.');
      expect(page.page).not.toContain('<form method="post" action="/my/events');
      expect(page.page).not.toContain('/edit');
      expect(page.page).not.toContain('/delete');
      expect(page.page).not.toContain('name="scope"');
    }
    for (const p of [`${path}/edit`, `${path}/delete`]) {
      const refused = await get(cookie, p);
      expect(refused.status).toBe(403);
      expect(refused.page).toContain('the event cannot be changed here, and nothing was changed');
    }
    const fields = { _csrf: csrf, summary: 'Changed', startDate: '2027-03-01', startTime: '09:00', endDate: '2027-03-01', endTime: '10:00' };
    for (const [p, form] of [[path, fields], [path, { ...fields, scope: 'this', occurrence: '20270308T090000' }], [`${path}/delete`, { _csrf: csrf }], [`${path}/delete`, { _csrf: csrf, scope: 'this', occurrence: '20270308T090000' }], [`${path}/answer`, { _csrf: csrf, partstat: 'ACCEPTED' }]] as const) {
      const res = await post(cookie, p, form);
      expect(res.status).toBe(403);
      expect(res.page).toContain('This calendar is shared with you read-only: the event cannot be changed here, and nothing was changed.');
    }
    expect((await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).text).toBe(before);
  });

  it('edits one occurrence of Apple’s series: an override with RECURRENCE-ID in the master’s form; the rest of the series as it was; a reload changes nothing', async () => {
    const { cookie, csrf } = await session('alice');
    const page = await get(cookie, '/my/events/default/apple-weekly.ics?occurrence=20270308T090000');
    expect(page.status).toBe(200);
    expect(page.page).toContain('This is the occurrence of Monday, March 8, 2027 of a repeating event.');
    // The series' repeat, not what is left of it from this occurrence on.
    expect(page.page).toContain('<dt>Repeats</dt><dd>Weekly, 6 times</dd>');
    expect(page.page).toMatch(/<input type="radio" name="scope" value="this" checked> This occurrence/);
    expect(page.page).toContain('formaction="/my/events/default/apple-weekly.ics/delete"');
    const form = await get(cookie, '/my/events/default/apple-weekly.ics/edit?occurrence=20270308T090000&scope=this');
    expect(form.status).toBe(200);
    expect(form.page).toContain('You are changing only the occurrence of Monday, March 8, 2027');
    expect(form.page).toContain('name="occurrence" value="20270308T090000"');
    expect(form.page).not.toContain('id="ev-repeat"');
    expect(form.page).toContain('value="2027-03-08"');
    const res = await post(cookie, '/my/events/default/apple-weekly.ics', {
      _csrf: csrf, etag: etagIn(form.page), scope: 'this', occurrence: '20270308T090000', summary: 'Apple weekly (later)', startDate: '2027-03-08', startTime: '11:00', endDate: '2027-03-08', endTime: '12:00', zone: 'Europe/Berlin',
      reminder0: '15', location: 'Room 4', url: 'https://example.org/notes', color: '', categories: '',
    });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/my/events/default/apple-weekly.ics?occurrence=20270308T090000');
    const text = (await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).text;
    const [master, override] = vevents(text);
    expect(master!.getFirstPropertyValue('rrule')!.toString()).toBe('FREQ=WEEKLY;COUNT=6');
    expect(String(master!.getFirstPropertyValue('summary'))).toBe('Apple weekly');
    expect(override).toBeDefined();
    expect(String(override!.getFirstPropertyValue('uid'))).toBe(APPLE_UID);
    expect(unfold(text)).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20270308T090000');
    expect(unfold(text)).toContain('DTSTART;TZID=Europe/Berlin:20270308T110000');
    expect(String(override!.getFirstPropertyValue('summary'))).toBe('Apple weekly (later)');
    expect(override!.hasProperty('rrule')).toBe(false);
    // The browser follows the 303; reloading that page writes nothing.
    const count = await objectCount();
    const after = await get(cookie, res.location!);
    expect(after.page).toContain('Apple weekly (later)</h1>');
    await get(cookie, res.location!);
    expect(await objectCount()).toBe(count);
    expect((await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).text).toBe(text);
  });

  it('splits Thunderbird’s series at "this and following": UNTIL before the occurrence, a new UID with RELATED-TO and the rest of the COUNT', async () => {
    expect((await alice.put('/dav/calendars/alice/default/tb-daily.ics', TB_DAILY)).status).toBe(201);
    const { cookie, csrf } = await session('alice');
    const form = await get(cookie, '/my/events/default/tb-daily.ics/edit?occurrence=20270409T080000&scope=following');
    expect(form.status).toBe(200);
    expect(form.page).toContain('You are changing the occurrences from Friday, April 9, 2027 on');
    expect(form.page).toMatch(/<option value="DAILY" selected>/);
    expect(form.page).toContain('id="ev-count" name="count" type="number" min="1" max="1000" value="6"');
    const count = await objectCount();
    const res = await post(cookie, '/my/events/default/tb-daily.ics', {
      _csrf: csrf, etag: etagIn(form.page), scope: 'following', occurrence: '20270409T080000', summary: 'Thunderbird daily (new time)', startDate: '2027-04-09', startTime: '08:30', endDate: '2027-04-09', endTime: '09:00', zone: 'Europe/Berlin',
      repeat: 'DAILY', ends: 'count', count: '6', reminder0: '5', categories: 'Business',
    });
    expect(res.status).toBe(303);
    expect(await objectCount()).toBe(count + 1);
    const old = unfold((await alice.request('GET', '/dav/calendars/alice/default/tb-daily.ics')).text);
    const rule = /BEGIN:VEVENT[\s\S]*?RRULE:([^\r\n]*)/.exec(old)![1]!;
    expect(rule).not.toContain('COUNT');
    const until = /UNTIL=(\d{8}T\d{6}Z)/.exec(rule)![1]!;
    // UNTIL is a UTC date-time (DTSTART is a date-time), before 2027-04-09 08:00 Berlin (06:00Z), after the 8th's occurrence.
    expect(until < '20270409T060000Z' && until >= '20270408T060000Z').toBe(true);
    expect(old).toContain('X-MOZ-GENERATION');
    const next = (await objects(alice)).find((o) => o.text.includes('Thunderbird daily (new time)'))!;
    expect(next).toBeDefined();
    expect(res.location).toBe(next.path.replace('/dav/calendars/alice/', '/my/events/'));
    const head = unfold(next.text);
    expect(head).not.toContain(`UID:${TB_UID}`);
    expect(head).toMatch(new RegExp(`RELATED-TO(;RELTYPE=SIBLING)?:${TB_UID}`));
    expect(head).toContain('DTSTART;TZID=Europe/Berlin:20270409T083000');
    expect(head).toContain('RRULE:FREQ=DAILY;COUNT=6');
  });

  it('deletes after a confirmation: one occurrence as an EXDATE, this and following as an UNTIL, the whole event; a reload changes nothing', async () => {
    const { cookie, csrf } = await session('alice');
    const confirm = await get(cookie, '/my/events/default/apple-weekly.ics/delete?occurrence=20270315T090000&scope=this');
    expect(confirm.status).toBe(200);
    expect(confirm.page).toContain('Delete “Apple weekly”?</h1>');
    expect(confirm.page).toMatch(/<input type="radio" name="scope" value="this" checked> This occurrence/);
    expect(confirm.page).toContain('name="occurrence" value="20270315T090000"');
    // Nothing is deleted by the confirmation page itself.
    expect((await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).text).not.toContain('EXDATE');
    const one = await post(cookie, '/my/events/default/apple-weekly.ics/delete', { _csrf: csrf, etag: etagIn(confirm.page), scope: 'this', occurrence: '20270315T090000' });
    expect(one.status).toBe(303);
    let text = unfold((await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).text);
    expect(text).toContain('EXDATE;TZID=Europe/Berlin:20270315T090000');
    expect(text).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20270308T090000');
    const following = await get(cookie, '/my/events/default/apple-weekly.ics/delete?occurrence=20270329T090000&scope=following');
    expect(following.page).toMatch(/<input type="radio" name="scope" value="following" checked>/);
    const cut = await post(cookie, '/my/events/default/apple-weekly.ics/delete', { _csrf: csrf, etag: etagIn(following.page), scope: 'following', occurrence: '20270329T090000' });
    expect(cut.status).toBe(303);
    text = unfold((await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).text);
    const rule = /BEGIN:VEVENT[\s\S]*?RRULE:([^\r\n]*)/.exec(text)![1]!;
    expect(rule).not.toContain('COUNT');
    const until = /UNTIL=(\d{8}T\d{6}Z)/.exec(rule)![1]!;
    expect(until < '20270329T070000Z' && until >= '20270322T080000Z').toBe(true);
    // A stale ETag (the page was made before the last delete) is a conflict: nothing changes.
    const stale = await post(cookie, '/my/events/default/apple-weekly.ics/delete', { _csrf: csrf, etag: etagIn(confirm.page) });
    expect(stale.status).toBe(409);
    // The whole event, from a one-off event's confirmation.
    const whole = await get(cookie, '/my/events/default/apple-weekly.ics/delete');
    expect(whole.page).not.toContain('name="scope"');
    expect((await post(cookie, '/my/events/default/apple-weekly.ics/delete', { _csrf: csrf, etag: etagIn(whole.page) })).status).toBe(303);
    expect((await alice.request('GET', '/dav/calendars/alice/default/apple-weekly.ics')).status).toBe(404);
    const count = await objectCount();
    await get(cookie, '/my/view?mode=month&date=2027-03-01');
    expect(await objectCount()).toBe(count);
  });

  it('moves an event to another calendar when the form chooses one; tsdav reads the stored objects', async () => {
    await server.domain.calendars.createFor('principals/alice', { uri: 'work', displayname: 'Work', components: ['VEVENT'] });
    const { cookie, csrf } = await session('alice');
    const form = await get(cookie, '/my/events/default/tb-daily.ics/edit');
    expect(form.page).toContain('<option value="work">Work</option>');
    const res = await post(cookie, '/my/events/default/tb-daily.ics', {
      _csrf: csrf, etag: etagIn(form.page), calendar: 'work', summary: 'Thunderbird daily', startDate: '2027-04-05', startTime: '08:00', endDate: '2027-04-05', endTime: '08:30', zone: 'Europe/Berlin', keepRule: 'off',
      repeat: 'DAILY', ends: 'until', until: '2027-04-08', reminder0: '5', categories: 'Business',
    });
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/my\/events\/work\//);
    expect((await alice.request('GET', '/dav/calendars/alice/default/tb-daily.ics')).status).toBe(404);
    const moved = await objects(alice, 'work');
    expect(moved).toHaveLength(1);
    expect(unfold(moved[0]!.text)).toContain(`UID:${TB_UID}`);
    // As a CalDAV client library sees them.
    const client = await createDAVClient({ serverUrl: `${server.url}/`, credentials: { username: 'alice', password: 'alice-password' }, authMethod: 'Basic', defaultAccountType: 'caldav' });
    const calendars = await client.fetchCalendars();
    const work = calendars.find((c) => c.displayName === 'Work')!;
    const fetched = await client.fetchCalendarObjects({ calendar: work });
    expect(fetched).toHaveLength(1);
    expect(fetched[0]!.data).toContain(`UID:${TB_UID}`);
    expect(fetched[0]!.data).toContain('X-MOZ-GENERATION');
    const defaults = await client.fetchCalendarObjects({ calendar: calendars.find((c) => c.url.endsWith('/default/'))! });
    expect(defaults.some((o) => String(o.data).includes('Thunderbird daily (new time)'))).toBe(true);
  });
});
