// The calendar views over raw HTTP, as a browser gets them: where the hour grid places each event
// (quarter-hour row classes, lanes side by side), the month's bars and "+N more", an event from
// 22:00 to 02:00 on both of its days, links to one occurrence of a series, links to create at an
// empty slot, and hiding a calendar: kept for the user across sessions, CSRF-checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

interface Entry {
  classes: string[];
  href: string;
  title: string;
  text: string;
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The event links of a view page, with their placement classes and visible text. */
function entries(page: string): Entry[] {
  return [...page.matchAll(/<a class="event ([^"]*)" href="([^"]*)" title="([^"]*)">([\s\S]*?)<\/a>/g)].map((m) => ({
    classes: (m[1] as string).split(/\s+/).filter(Boolean),
    href: unescape(m[2] as string),
    title: unescape(m[3] as string),
    text: unescape((m[4] as string).replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim()),
  }));
}
const named = (list: Entry[], summary: string) => list.filter((e) => e.title.includes(summary));

function ics(uid: string, lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 14.0//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261201T000000Z', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

describe('calendar views over HTTP', () => {
  // Wednesday 9 December 2026, 10:30 in Berlin.
  const clock = new ManualClock(new Date('2026-12-09T09:30:00Z'));
  let server: TestServer;
  let cookie: string;
  const put = async (cal: string, uid: string, lines: string[]) => {
    const res = await fetch(`${server.url}/dav/calendars/gina/${cal}/${uid}.ics`, { method: 'PUT', body: ics(uid, lines), headers: { authorization: basic('gina', 'gina-password'), 'content-type': 'text/calendar' } });
    expect(res.status).toBe(201);
  };
  const get = async (path: string, c = cookie) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie: c } });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'Europe/Berlin' }, { clock });
    await server.domain.users.create({ username: 'gina', password: 'gina-password' });
    await server.domain.calendars.createFor('principals/gina', { uri: 'private', displayname: 'Private', color: '#AA3300', components: ['VEVENT'] });
    // Tuesday 8 December, Berlin (UTC+1): three overlapping meetings.
    await put('default', 'call', ['DTSTART:20261208T080000Z', 'DTEND:20261208T090000Z', 'SUMMARY:Call']);
    await put('default', 'standup', ['DTSTART:20261208T080000Z', 'DTEND:20261208T083000Z', 'SUMMARY:Standup']);
    await put('default', 'review', ['DTSTART:20261208T081500Z', 'DTEND:20261208T084500Z', 'SUMMARY:Review']);
    // Wednesday 22:00 to Thursday 02:00.
    await put('default', 'late', ['DTSTART:20261209T210000Z', 'DTEND:20261210T010000Z', 'SUMMARY:Late show']);
    // Thursday to Saturday, all day.
    await put('default', 'conf', ['DTSTART;VALUE=DATE:20261210', 'DTEND;VALUE=DATE:20261213', 'SUMMARY:Conference on the future of very long event titles in calendars']);
    // Mondays 18:00, four times.
    await put('default', 'yoga', ['DTSTART:20261207T170000Z', 'DTEND:20261207T180000Z', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Yoga']);
    // A busy Wednesday the week after: five one-hour events.
    for (let i = 0; i < 5; i++) await put('default', `busy${i}`, [`DTSTART:20261216T${String(8 + i).padStart(2, '0')}0000Z`, `DTEND:20261216T${String(9 + i).padStart(2, '0')}0000Z`, `SUMMARY:Busy ${i}`]);
    await put('private', 'dentist', ['DTSTART:20261208T130000Z', 'DTEND:20261208T140000Z', 'SUMMARY:Dentist']);
    cookie = await webSignIn(server.url, 'gina', 'gina-password');
  });
  afterAll(async () => {
    await server.close();
  });

  it('places the week on quarter-hour rows, overlapping events side by side in lanes', async () => {
    const page = await get('/my/view?mode=week&date=2026-12-08');
    const list = entries(page);
    // Tuesday is the second column; 09:00 Berlin is row 36 (of 96), an hour is four rows.
    const [call] = named(list, 'Call');
    const [standup] = named(list, 'Standup');
    const [review] = named(list, 'Review');
    expect(call?.classes).toEqual(expect.arrayContaining(['block', 'r36', 's4', 'l0', 'n3']));
    expect(standup?.classes).toEqual(expect.arrayContaining(['block', 'r36', 's2', 'l1', 'n3']));
    expect(review?.classes).toEqual(expect.arrayContaining(['block', 'r37', 's2', 'l2', 'n3']));
    expect(call?.text).toContain('9:00 AM – 10:00 AM');
    // Each block is in its day's column.
    const tuesday = page.slice(page.indexOf('role="group" aria-label="Tuesday, December 8, 2026"'), page.indexOf('role="group" aria-label="Wednesday, December 9, 2026"'));
    expect(tuesday).toContain('Call');
    expect(tuesday).not.toContain('Late show');
    // The all-day event is a bar in the band over Thursday to Saturday (columns 3–5).
    expect(named(list, 'Conference')[0]?.classes).toEqual(expect.arrayContaining(['bar', 'c3', 'w3', 'k0']));
    // The zone is shown; the now-line is on Wednesday 10:30 (row 42).
    expect(page).toContain('Times are in Europe/Berlin.');
    expect(page).toMatch(/<div class="now r42 m0"/);
    // An empty hour links to a new event there; an all-day band cell to a new all-day event.
    expect(page).toContain('href="/my/events/new?date=2026-12-08&amp;time=14:00"');
    expect(page).toContain('href="/my/events/new?date=2026-12-10&amp;allDay=on"');
    expect(page).toContain('New event on Tuesday, December 8, 2026 at 2:00 PM');
    expect(page).not.toMatch(/style="/);
  });

  it('shows 22:00–02:00 with its real start on day one and its end on day two', async () => {
    const week = entries(await get('/my/view?mode=week&date=2026-12-08'));
    const late = named(week, 'Late show');
    expect(late).toHaveLength(2);
    expect(late[0]?.classes).toEqual(expect.arrayContaining(['r88', 's8']));
    expect(late[0]?.text).toContain('10:00 PM');
    expect(late[0]?.text).toContain('(continues)');
    expect(late[1]?.classes).toEqual(expect.arrayContaining(['r0', 's8']));
    expect(late[1]?.text).toContain('until 2:00 AM');
    expect(late[1]?.text).not.toContain('10:00 PM');
    // The month: one bar over Wednesday and Thursday, the start shown once, then the end.
    const month = named(entries(await get('/my/view?mode=month&date=2026-12-01')), 'Late show');
    expect(month).toHaveLength(1);
    expect(month[0]?.classes).toEqual(expect.arrayContaining(['bar', 'c2', 'w2']));
    expect(month[0]?.text.match(/10:00 PM/g)).toHaveLength(1);
    expect(month[0]?.text).toContain('10:00 PM – 2:00 AM');
    // The agenda: day one at its start, day two until its end.
    const agenda = await get('/my/view?mode=agenda&date=2026-12-09');
    const lateInAgenda = named(entries(agenda), 'Late show');
    expect(lateInAgenda.map((e) => e.text)).toEqual([expect.stringContaining('10:00 PM'), expect.stringContaining('until 2:00 AM')]);
    expect(lateInAgenda[1]?.text).not.toContain('10:00 PM');
  });

  it('draws the month with one bar per multi-day event and week row, full titles, and "+N more" to the day', async () => {
    const page = await get('/my/view?mode=month&date=2026-12-01');
    const list = entries(page);
    const conf = named(list, 'Conference');
    expect(conf).toHaveLength(1);
    expect(conf[0]?.classes).toEqual(expect.arrayContaining(['bar', 'c3', 'w3']));
    // The full title is the link's text and title (CSS ellipsises it).
    expect(conf[0]?.text).toContain('Conference on the future of very long event titles in calendars');
    expect(conf[0]?.title).toBe('Conference on the future of very long event titles in calendars');
    // Wednesday 16 December: three lanes shown, two more behind a link to that day.
    expect(named(list, 'Busy ')).toHaveLength(3);
    expect(page).toMatch(/<a class="more c2" href="\/my\/view\?mode=day&amp;date=2026-12-16">\+2 more/);
    // The day view shows them all.
    const day = entries(await get('/my/view?mode=day&date=2026-12-16'));
    expect(named(day, 'Busy ')).toHaveLength(5);
    expect(named(day, 'Busy 0')[0]?.classes).toEqual(expect.arrayContaining(['block', 'r36', 's4']));
    // An empty day links to a new event on it.
    expect(page).toContain('href="/my/events/new?date=2026-12-22&amp;allDay=on"');
  });

  it('links each occurrence of a series to itself, a one-off event without occurrence', async () => {
    const list = entries(await get('/my/view?mode=month&date=2026-12-01'));
    const yoga = named(list, 'Yoga').map((e) => e.href);
    expect(yoga).toEqual([
      '/my/events/default/yoga.ics?occurrence=20261207T170000Z',
      '/my/events/default/yoga.ics?occurrence=20261214T170000Z',
      '/my/events/default/yoga.ics?occurrence=20261221T170000Z',
      '/my/events/default/yoga.ics?occurrence=20261228T170000Z',
    ]);
    expect(named(list, 'Call')[0]?.href).toBe('/my/events/default/call.ics');
  });

  it('hides a calendar for the user, in every session, until shown again; the toggle needs the CSRF token', async () => {
    const before = await get('/my/view?mode=week&date=2026-12-08');
    expect(named(entries(before), 'Dentist')).toHaveLength(1);
    expect(before).toMatch(/aria-pressed="true" title="Hide “Private” in the calendar views"/);
    // Without the token: refused, nothing changes.
    const forged = await fetch(`${server.url}/my/view/calendars/private/hidden`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'hidden=on' });
    expect(forged.status).toBe(403);
    expect((await server.domain.calendars.get('principals/gina', 'private'))?.webHidden).toBe(false);
    const csrf = await webCsrf(server.url, cookie);
    const hide = await fetch(`${server.url}/my/view/calendars/private/hidden`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, hidden: 'on', back: '/my/view?mode=week&date=2026-12-08' }),
    });
    expect(hide.status).toBe(303);
    expect(hide.headers.get('location')).toBe('/my/view?mode=week&date=2026-12-08');
    const hidden = await get('/my/view?mode=week&date=2026-12-08');
    expect(named(entries(hidden), 'Dentist')).toHaveLength(0);
    expect(named(entries(hidden), 'Call')).toHaveLength(1);
    expect(hidden).toMatch(/aria-pressed="false" title="Show “Private” in the calendar views"/);
    // Another sign-in (another browser) sees it hidden too; CalDAV still has the event.
    const other = await webSignIn(server.url, 'gina', 'gina-password');
    expect(named(entries(await get('/my/view?mode=agenda&date=2026-12-08', other)), 'Dentist')).toHaveLength(0);
    const dav = await fetch(`${server.url}/dav/calendars/gina/private/dentist.ics`, { headers: { authorization: basic('gina', 'gina-password') } });
    expect(dav.status).toBe(200);
    // A `back` elsewhere is not followed; showing it again brings the event back.
    const show = await fetch(`${server.url}/my/view/calendars/private/hidden`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: other, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: await webCsrf(server.url, other), hidden: 'off', back: 'https://evil.example/' }),
    });
    expect(show.status).toBe(303);
    expect(show.headers.get('location')).toBe('/my/view');
    expect(named(entries(await get('/my/view?mode=week&date=2026-12-08')), 'Dentist')).toHaveLength(1);
  });

  it('answers 404 for a calendar that is not the user’s', async () => {
    const csrf = await webCsrf(server.url, cookie);
    const res = await fetch(`${server.url}/my/view/calendars/nope/hidden`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, hidden: 'on' }) });
    expect(res.status).toBe(404);
  });
});
