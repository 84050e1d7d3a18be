// The tasks pages over raw HTTP, as a browser sends them, and what CalDAV holds after each step:
// create (CSRF needed; the default list first), a refused form shown again with the values kept
// and the message beside the field in the user's language, edit keeping what the form does not
// show (a Thunderbird task), an edit made stale by a client, a move to another list, the done
// toggle with completed tasks folded, delete after a confirmation page, and a list shared
// read-only that shows no controls and refuses every write.
import { describe, expect, it } from 'vitest';
import type { CalendarView } from '../../src/domain/calendars.ts';
import { THUNDERBIRD_TODO } from '../fixtures/todos.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

const HOSTILE = `<img src=x onerror="window.__xss=1">"'&`;

// The cases build on each other (what one stores, the next reads): they keep their order.
describe('tasks in the web UI over raw HTTP', { shuffle: false }, () => {
  const server = useTestServer({ env: { APP_TIMEZONE: 'Europe/Berlin' } });
  const dora = server.user('dora');
  const eve = server.user('eve');

  const calendar = async (username: string, uri: string): Promise<CalendarView> => (await server.domain.calendars.get(`principals/${username}`, uri))!;
  const objects = async (username: string, uri: string) => {
    const out = [];
    for await (const b of server.domain.objects.candidates(await calendar(username, uri), {})) out.push(...b);
    return out;
  };

  const session = async (username = 'dora', lang?: string) => {
    const cookie = await webSignIn(server.url, username, `${username}-password`);
    return { cookie: lang ? `${cookie}; calendula_lang=${lang}` : cookie, csrf: await webCsrf(server.url, cookie) };
  };
  const get = async (cookie: string, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie, ...headers }, redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), page: await res.text() };
  };
  const post = async (cookie: string, path: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form), redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), page: await res.text() };
  };
  /** The value attribute of the input with this id (as the browser would show it). */
  const valueOf = (page: string, id: string) => /value="([^"]*)"/.exec(new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(page)?.[0] ?? '')?.[1];
  const etagIn = (page: string) => /name="etag" value="([^"]*)"/.exec(page)![1]!.replace(/&quot;/g, '"');
  const taskLinks = (page: string) => [...page.matchAll(/href="(\/my\/tasks\/[^"/]+\/[^"/]+)"/g)].map((m) => m[1]!).filter((h) => !h.endsWith('/new'));

  it('creates a task in the default list from the form; CSRF needed; CalDAV sees the VTODO; reloading the list creates nothing', async () => {
    await server.domain.calendars.createFor('principals/dora', { uri: 'chores', displayname: 'Chores', components: ['VTODO'] });
    await server.domain.calendars.createFor('principals/dora', { uri: 'events-only', displayname: 'Meetings', components: ['VEVENT'] });
    const { cookie, csrf } = await session();
    // The form offers the lists that take tasks, the default calendar first and chosen.
    const form = await get(cookie, '/my/tasks/new');
    expect(form.status).toBe(200);
    const options = [...form.page.matchAll(/<option value="([^"]+)"( selected)?>/g)].filter((m) => ['default', 'chores', 'events-only'].includes(m[1]!));
    expect(options.map((m) => m[1])).toEqual(['default', 'chores']);
    expect(options[0]![2]).toBe(' selected');

    const fields = { list: 'default', summary: `Pay rent ${HOSTILE}`, dueDate: '2027-01-31', dueTime: '17:30', priority: 'high', description: 'Line one\r\nLine two, with a comma' };
    expect((await post(cookie, '/my/tasks', fields)).status).toBe(403);
    expect((await post(cookie, '/my/tasks', { ...fields, _csrf: csrf }, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await objects('dora', 'default')).toHaveLength(0);

    const res = await post(cookie, '/my/tasks', { ...fields, _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/my/tasks');
    const [stored] = await objects('dora', 'default');
    const text = (await dora.request('GET', `/dav/calendars/dora/default/${stored!.uri}`)).text;
    expect(text).toContain('BEGIN:VTODO');
    expect(text).toContain('DUE;TZID=Europe/Berlin:20270131T173000');
    expect(text).toContain('PRIORITY:1');
    expect(text).toContain('STATUS:NEEDS-ACTION');
    expect(text).toContain('DESCRIPTION:Line one\\nLine two\\, with a comma');

    const list = await get(cookie, '/my/tasks');
    expect(list.page).toContain('Pay rent &lt;img src=x onerror=');
    expect(list.page).not.toContain('<img src=x');
    expect(list.page).toContain('high priority');
    expect(list.page).toContain('Default Calendar');
    await get(cookie, '/my/tasks');
    expect(await objects('dora', 'default')).toHaveLength(1);
  });

  it('shows a refused form again with the values kept and each message beside its field, in the user’s language; stores nothing', async () => {
    const { cookie, csrf } = await session('dora', 'de');
    const res = await post(cookie, '/my/tasks', { _csrf: csrf, list: 'chores', summary: '   ', dueDate: '', dueTime: '09:15', priority: 'low', description: 'Keep me' });
    expect(res.status).toBe(400);
    expect(res.page).toMatch(/<p class="field-error" id="tk-summary-error">Geben Sie der Aufgabe einen Titel\.<\/p>/);
    expect(res.page).toMatch(/<p class="field-error" id="tk-time-error">Eine Uhrzeit braucht ein Fälligkeitsdatum\.<\/p>/);
    expect(res.page).toMatch(/id="tk-summary"[^>]*aria-describedby="tk-summary-error"[^>]*aria-invalid="true"/);
    expect(valueOf(res.page, 'tk-time')).toBe('09:15');
    expect(res.page).toContain('>Keep me</textarea>');
    expect(res.page).toMatch(/<option value="chores" selected>/);
    expect(res.page).toMatch(/<option value="low" selected>/);
    const bad = await post(cookie, '/my/tasks', { _csrf: csrf, list: 'chores', summary: 'Fine', dueDate: '2027-02-30', dueTime: '', priority: 'none', description: '' });
    expect(bad.status).toBe(400);
    expect(bad.page).toContain('id="tk-due-error"');
    expect(valueOf(bad.page, 'tk-summary')).toBe('Fine');
    // A list that does not take tasks (or is not there) is refused beside the list field.
    const wrongList = await post(cookie, '/my/tasks', { _csrf: csrf, list: 'events-only', summary: 'Fine', dueDate: '', dueTime: '', priority: 'none', description: '' });
    expect(wrongList.status).toBe(400);
    expect(wrongList.page).toContain('id="tk-list-error"');
    expect(await objects('dora', 'chores')).toHaveLength(0);
    expect(await objects('dora', 'events-only')).toHaveLength(0);
  });

  it('edits a Thunderbird task, keeping what the form does not show; a stale form keeps the values and asks to save again', async () => {
    expect((await dora.put('/dav/calendars/dora/chores/tb.ics', THUNDERBIRD_TODO)).status).toBe(201);
    const { cookie, csrf } = await session();
    const form = await get(cookie, '/my/tasks/chores/tb.ics');
    expect(form.status).toBe(200);
    expect(valueOf(form.page, 'tk-summary')).toBe('Write report');
    expect(valueOf(form.page, 'tk-due')).toBe('2026-12-09');
    expect(valueOf(form.page, 'tk-time')).toBe('17:00');
    expect(form.page).toMatch(/<option value="low" selected>/);
    expect(form.page).toContain('>Q4 figures</textarea>');
    const etag = etagIn(form.page);
    const edit = { _csrf: csrf, etag, list: 'chores', summary: 'Write the Q4 report', dueDate: '2026-12-09', dueTime: '17:00', priority: 'high', description: 'Q4 figures' };

    // A client changes the task meanwhile: the form's save is refused, its values kept, nothing written.
    const changed = THUNDERBIRD_TODO.replace('X-MOZ-GENERATION:2', 'X-MOZ-GENERATION:3');
    expect((await dora.put('/dav/calendars/dora/chores/tb.ics', changed)).status).toBe(204);
    const stale = await post(cookie, '/my/tasks/chores/tb.ics', edit);
    expect(stale.status).toBe(409);
    expect(stale.page).toContain('changed elsewhere');
    expect(valueOf(stale.page, 'tk-summary')).toBe('Write the Q4 report');
    expect((await dora.request('GET', '/dav/calendars/dora/chores/tb.ics')).text).toContain('SUMMARY:Write report');

    // Saving again (with the ETag of the version now stored) writes it.
    const saved = await post(cookie, '/my/tasks/chores/tb.ics', { ...edit, etag: etagIn(stale.page) });
    expect(saved.status).toBe(303);
    const text = (await dora.request('GET', '/dav/calendars/dora/chores/tb.ics')).text;
    expect(text).toContain('SUMMARY:Write the Q4 report');
    expect(text).toContain('PRIORITY:1');
    for (const line of ['X-MOZ-GENERATION:3', 'STATUS:IN-PROCESS', 'PERCENT-COMPLETE:40', 'CLASS:PRIVATE', 'DTSTART;TZID=Europe/Berlin:20261206T090000', 'DUE;TZID=Europe/Berlin:20261209T170000', 'UID:2f8a3c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c']) {
      expect(text).toContain(line);
    }
  });

  it('moves a task to another list with the edit: gone from the old one, the same UID in the new one', async () => {
    const { cookie, csrf } = await session();
    const form = await get(cookie, '/my/tasks/chores/tb.ics');
    const res = await post(cookie, '/my/tasks/chores/tb.ics', { _csrf: csrf, etag: etagIn(form.page), list: 'default', summary: 'Write the Q4 report', dueDate: '2026-12-09', dueTime: '17:00', priority: 'high', description: 'Q4 figures' });
    expect(res.status).toBe(303);
    expect((await dora.request('GET', '/dav/calendars/dora/chores/tb.ics')).status).toBe(404);
    const moved = await dora.request('GET', '/dav/calendars/dora/default/tb.ics');
    expect(moved.status).toBe(200);
    expect(moved.text).toContain('UID:2f8a3c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c');
    expect(moved.text).toContain('X-MOZ-GENERATION:3');
    expect(await objects('dora', 'chores')).toHaveLength(0);
  });

  it('ticks a task done (CalDAV sees STATUS:COMPLETED) and lists it folded under Completed; unticks it again', async () => {
    const { cookie, csrf } = await session();
    expect((await post(cookie, '/my/tasks/default/tb.ics/done', { _csrf: csrf, done: 'on' })).status).toBe(303);
    expect((await dora.request('GET', '/dav/calendars/dora/default/tb.ics')).text).toMatch(/STATUS:COMPLETED[\s\S]*PERCENT-COMPLETE:100/);
    const list = (await get(cookie, '/my/tasks')).page;
    const folded = /<details class="completed"><summary>Completed \(1\)<\/summary>([\s\S]*?)<\/details>/.exec(list);
    expect(folded?.[1]).toContain('Write the Q4 report');
    expect(folded?.[1]).not.toContain('Pay rent');
    expect(list.indexOf('Pay rent')).toBeLessThan(list.indexOf('<details class="completed"'));
    expect((await post(cookie, '/my/tasks/default/tb.ics/done', { _csrf: csrf, done: 'off' })).status).toBe(303);
    expect((await dora.request('GET', '/dav/calendars/dora/default/tb.ics')).text).toContain('STATUS:NEEDS-ACTION');
    expect((await get(cookie, '/my/tasks')).page).not.toContain('<details class="completed"');
  });

  it('deletes a task only after the confirmation page; reloading changes nothing more', async () => {
    const { cookie, csrf } = await session();
    const confirm = await get(cookie, '/my/tasks/default/tb.ics/delete');
    expect(confirm.status).toBe(200);
    expect(confirm.page).toContain('Delete “Write the Q4 report”?');
    expect((await dora.request('GET', '/dav/calendars/dora/default/tb.ics')).status).toBe(200);
    const res = await post(cookie, '/my/tasks/default/tb.ics/delete', { _csrf: csrf, etag: etagIn(confirm.page) });
    expect(res.status).toBe(303);
    expect((await dora.request('GET', '/dav/calendars/dora/default/tb.ics')).status).toBe(404);
    expect(res.location).toBe('/my/tasks');
    expect((await post(cookie, '/my/tasks/default/tb.ics/delete', { _csrf: csrf, etag: etagIn(confirm.page) })).status).toBe(404);
    expect(await objects('dora', 'default')).toHaveLength(1);
  });

  it('shows a task in a list shared read-only without controls, and refuses every write to it with 403, changing nothing', async () => {
    const own = await server.domain.calendars.createFor('principals/eve', { uri: 'errands', displayname: 'Eve’s errands', components: ['VTODO'] });
    const todo = THUNDERBIRD_TODO.replace('SUMMARY:Write report', 'SUMMARY:Eve’s errand');
    expect((await eve.put('/dav/calendars/eve/errands/e.ics', todo)).status).toBe(201);
    await server.domain.sharing.share('eve', own.instanceId, 'dora', false);
    const shared = (await server.domain.calendars.listForPrincipal('principals/dora')).find((v) => v.ownerPrincipaluri === 'principals/eve')!;
    const before = (await eve.request('GET', '/dav/calendars/eve/errands/e.ics')).text;
    const { cookie, csrf } = await session();

    const list = (await get(cookie, '/my/tasks')).page;
    const item = /<li class="task[^"]*">(?:(?!<\/li>)[\s\S])*Eve’s errand[\s\S]*?<\/li>/.exec(list)?.[0] ?? '';
    expect(item).not.toBe('');
    expect(item).not.toContain('<form');
    expect(item).not.toContain('<button');
    const path = `/my/tasks/${encodeURIComponent(shared.uri)}/e.ics`;
    expect(taskLinks(list)).toContain(path);
    // The list is not offered for new tasks.
    expect((await get(cookie, '/my/tasks/new')).page).not.toContain(`value="${shared.uri}"`);

    const page = await get(cookie, path);
    expect(page.status).toBe(200);
    expect(page.page).toContain('shared with you read-only');
    expect(page.page).toContain('Q4 figures');
    expect(page.page).not.toMatch(/<form method="post" action="\/my\/tasks/);
    expect(page.page).not.toContain('/delete');

    const fields = { _csrf: csrf, etag: '', list: shared.uri, summary: 'Hijacked', dueDate: '', dueTime: '', priority: 'none', description: '' };
    expect((await post(cookie, path, fields)).status).toBe(403);
    expect((await post(cookie, `${path}/done`, { _csrf: csrf, done: 'on' })).status).toBe(403);
    expect((await get(cookie, `${path}/delete`)).status).toBe(403);
    expect((await post(cookie, `${path}/delete`, { _csrf: csrf, etag: '' })).status).toBe(403);
    // Nor can a task of dora's move into it.
    const mine = (await objects('dora', 'default'))[0]!;
    const form = await get(cookie, `/my/tasks/default/${mine.uri}`);
    const move = await post(cookie, `/my/tasks/default/${mine.uri}`, { ...fields, etag: etagIn(form.page), summary: 'Moved away' });
    expect(move.status).toBe(400);
    expect(move.page).toContain('id="tk-list-error"');
    expect((await eve.request('GET', '/dav/calendars/eve/errands/e.ics')).text).toBe(before);
    expect(await objects('eve', 'errands')).toHaveLength(1);
    expect((await objects('dora', 'default'))[0]!.data).toBe(mine.data);
  });

  it('answers 404 for a task that is not there or not a task', async () => {
    const { cookie } = await session();
    expect((await get(cookie, '/my/tasks/default/nothing.ics')).status).toBe(404);
    expect((await get(cookie, '/my/tasks/nowhere/x.ics')).status).toBe(404);
    const ev = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', 'UID:ev', 'DTSTAMP:20260101T000000Z', 'DTSTART:20270101T100000Z', 'SUMMARY:Not a task', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    expect((await dora.put('/dav/calendars/dora/default/ev.ics', ev)).status).toBe(201);
    expect((await get(cookie, '/my/tasks/default/ev.ics')).status).toBe(404);
  });
});
