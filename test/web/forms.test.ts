// The web face's forms over raw HTTP, as a browser sends them: the time zone kept on the user
// (the browser's at first sign-in, changed in Account, named on every page); a refused form comes
// back with the values kept and the message beside the field in the user's language, and changes
// nothing; every successful POST answers 303; a new app password's secret and an import's report
// are shown on the next page only; the menu is folded behind a button (<details>).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, ADMIN_PASSWORD, type TestServer } from '../helpers/server.ts';
import { webCsrf } from '../helpers/web.ts';

const crlf = (...lines: string[]) => lines.join('\r\n') + '\r\n';

describe('web forms over raw HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'UTC' });
    await server.domain.users.create({ username: 'nora', password: 'nora-password' });
    await server.domain.users.create({ username: 'otto', password: 'otto-password', locale: 'de' });
    await server.domain.users.create({ username: 'pia', password: 'pia-password' });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Signs in as a browser does, sending `zone` as 40-forms.js fills it; the session cookie and the answer. */
  async function signIn(username: string, password: string, zone: string): Promise<{ cookie: string; res: Response }> {
    const form = await fetch(`${server.url}/sign-in`);
    const page = await form.text();
    expect(page).toContain('name="zone" value="" data-browser-zone');
    const token = /name="_signin" value="([^"]+)"/.exec(page)![1]!;
    const res = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `calendula_signin=${token}` },
      body: new URLSearchParams({ _signin: token, username, password, zone }),
    });
    expect(res.status).toBe(303);
    return { cookie: `calendula_session=${/calendula_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))![1]}`, res };
  }

  const get = async (cookie: string, path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, page: await res.text(), location: res.headers.get('location') };
  };
  const post = async (cookie: string, path: string, fields: Record<string, string>) => {
    const csrf = await webCsrf(server.url, cookie);
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }),
    });
    return { status: res.status, page: await res.text(), location: res.headers.get('location') };
  };
  const upload = async (cookie: string, path: string, bytes: Uint8Array, name: string, fields: Record<string, string> = {}) => {
    const form = new FormData();
    form.set('_csrf', await webCsrf(server.url, cookie));
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file', new Blob([bytes]), name);
    const res = await fetch(`${server.url}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: form });
    return { status: res.status, page: await res.text(), location: res.headers.get('location') };
  };
  /** The message shown beside the field `id`, which is marked invalid and points at it. */
  const besideField = (page: string, id: string): string | null => {
    const tag = new RegExp(`<(?:input|select|textarea) [^>]*id="${id}"[^>]*>`).exec(page)?.[0] ?? '';
    const field = tag.includes('aria-invalid="true"') && new RegExp(`aria-describedby="[^"]*\\b${id}-error\\b`).test(tag);
    const message = new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(page);
    return field && message ? message[1]! : null;
  };
  const valueOf = (page: string, id: string) => new RegExp(`id="${id}"[^>]*value="([^"]*)"`).exec(page)?.[1] ?? null;

  it('stores the browser’s zone at the first sign-in, keeps it in every other browser, names it on every page, and changes it in Account', async () => {
    const first = await signIn('nora', 'nora-password', 'America/New_York');
    expect((await server.domain.users.get('nora'))?.timezone).toBe('America/New_York');
    for (const path of ['/my/view', '/my/calendars', '/my/account', '/my/import']) {
      expect((await get(first.cookie, path)).page, path).toContain('Times in America/New_York</a>');
    }
    // Another browser elsewhere: the stored zone stays, and the user is told.
    const second = await signIn('nora', 'nora-password', 'Asia/Tokyo');
    expect(second.res.headers.get('location')).toBe('/my/view');
    // The notice rides in its one-minute cookie, as a browser would send it back.
    const notice = /calendula_notice=([^;]+)/.exec(second.res.headers.getSetCookie().join('\n'))![1];
    const view = await get(`${second.cookie}; calendula_notice=${notice}`, '/my/view');
    expect(view.page).toContain('Times are shown in America/New_York, your account’s time zone; this browser is in Asia/Tokyo.');
    expect(view.page).toContain('Times in America/New_York</a>');
    expect((await server.domain.users.get('nora'))?.timezone).toBe('America/New_York');
    // Account → Preferences: stored on the user, so the first browser shows it too.
    const saved = await post(second.cookie, '/my/account/preferences', { language: 'en', zone: 'Asia/Tokyo' });
    expect(saved.status).toBe(303);
    expect((await server.domain.users.get('nora'))?.timezone).toBe('Asia/Tokyo');
    expect((await get(first.cookie, '/my/account')).page).toMatch(/<option selected>Asia\/Tokyo<\/option>/);
    // A zone that is none: the form again, the message beside the select, nothing changed.
    const bad = await post(second.cookie, '/my/account/preferences', { language: 'en', zone: 'Mars/Olympus_Mons' });
    expect(bad.status).toBe(400);
    expect(besideField(bad.page, 'p-zone')).toBe('Choose a time zone from the list.');
    expect((await server.domain.users.get('nora'))?.timezone).toBe('Asia/Tokyo');
  });

  it('keeps APP_TIMEZONE for a user whose browser sends no zone or one that is none', async () => {
    const { cookie } = await signIn('pia', 'pia-password', 'Not/AZone');
    expect((await server.domain.users.get('pia'))?.timezone).toBeNull();
    expect((await get(cookie, '/my/view')).page).toContain('Times in UTC</a>');
    await signIn('pia', 'pia-password', '');
    expect((await server.domain.users.get('pia'))?.timezone).toBeNull();
  });

  it('refuses an empty, blank or too long calendar name beside the field, in the user’s language, keeping the values and creating nothing', async () => {
    const { cookie } = await signIn('otto', 'otto-password', 'Europe/Berlin');
    const before = await server.domain.calendars.listForPrincipal('principals/otto');
    for (const [name, message] of [
      ['', 'Geben Sie einen Namen ein.'],
      ['    ', 'Geben Sie einen Namen ein.'],
      ['x'.repeat(400), 'Ein Name ist höchstens 255 Zeichen lang.'],
    ] as const) {
      const res = await post(cookie, '/my/calendars', { name, color: '#112233', description: 'Für das Team <b>', comp_VEVENT: 'on', comp_VTODO: 'on' });
      expect(res.status, name).toBe(400);
      expect(besideField(res.page, 'c-name'), name).toBe(message);
      expect(res.page).toContain('Nichts wurde gespeichert.');
      expect(valueOf(res.page, 'c-name')).toBe(name);
      expect(valueOf(res.page, 'c-color')).toBe('#112233');
      expect(res.page).toContain('>Für das Team &lt;b&gt;</textarea>');
      expect(res.page).toMatch(/name="comp_VTODO" checked/);
    }
    expect(await server.domain.calendars.listForPrincipal('principals/otto')).toEqual(before);
    // The same rules when renaming; the stored name stays.
    const blank = await post(cookie, '/my/calendars/default', { name: '   ', color: '#112233', description: '' });
    expect(blank.status).toBe(400);
    expect(besideField(blank.page, 'e-name')).toBe('Geben Sie einen Namen ein.');
    expect((await server.domain.calendars.get('principals/otto', 'default'))?.displayname).toBe('Default Calendar');
    // A good name: 303 to the new calendar, its name trimmed.
    const made = await post(cookie, '/my/calendars', { name: '  Team  ', color: '#112233' });
    expect(made.status).toBe(303);
    expect((await server.domain.calendars.listForPrincipal('principals/otto')).map((v) => v.displayname)).toContain('Team');
  });

  it('refuses sharing with an unknown user or oneself beside the field, keeping what was typed', async () => {
    const { cookie } = await signIn('nora', 'nora-password', 'Asia/Tokyo');
    const own = (await server.domain.calendars.get('principals/nora', 'default'))!;
    const unknown = await post(cookie, '/my/calendars/default/shares', { username: 'nobody-here', access: 'write' });
    expect(unknown.status).toBe(400);
    expect(besideField(unknown.page, 's-user')).toBe('There is no user “nobody-here” on this server.');
    expect(valueOf(unknown.page, 's-user')).toBe('nobody-here');
    expect(unknown.page).toMatch(/<option value="write" selected>/);
    const self = await post(cookie, '/my/calendars/default/shares', { username: 'nora', access: 'read' });
    expect(besideField(self.page, 's-user')).toBe('This calendar is yours already: share it with someone else.');
    expect(await server.domain.sharing.shares(own.instanceId)).toEqual([]);
    const ok = await post(cookie, '/my/calendars/default/shares', { username: 'pia', access: 'read' });
    expect(ok.status).toBe(303);
    // A wrong typed name on delete: the page again, the message beside the box, the calendar kept.
    const wrong = await post(cookie, '/my/calendars/default/delete', { confirm: 'Default' });
    expect(wrong.status).toBe(400);
    expect(besideField(wrong.page, 'confirm')).toBe('The name you typed does not match.');
    expect(await server.domain.calendars.get('principals/nora', 'default')).not.toBeNull();
  });

  it('refuses a bad user in the admin console beside the field, keeping everything but the password', async () => {
    const { cookie } = await signIn('admin', ADMIN_PASSWORD, 'UTC');
    const bad = await post(cookie, '/admin/users', { username: 'bad name!', email: 'q@example.org', displayName: 'Quinn', password: 'quinn-password' });
    expect(bad.status).toBe(400);
    expect(besideField(bad.page, 'u-name')).toBe('A username is 1 to 64 characters: letters A–Z and a–z, digits and . _ @ -');
    expect(valueOf(bad.page, 'u-name')).toBe('bad name!');
    expect(valueOf(bad.page, 'u-email')).toBe('q@example.org');
    expect(valueOf(bad.page, 'u-display')).toBe('Quinn');
    expect(bad.page).not.toContain('quinn-password');
    const taken = await post(cookie, '/admin/users', { username: 'nora', password: 'quinn-password' });
    expect(besideField(taken.page, 'u-name')).toBe('There is already a user “nora”.');
    const email = await post(cookie, '/admin/users', { username: 'quinn', email: 'not an address', password: 'quinn-password' });
    expect(besideField(email.page, 'u-email')).toBe('Enter an e-mail address such as name@example.org, or leave it empty.');
    const short = await post(cookie, '/admin/users', { username: 'quinn', password: 'x' });
    expect(besideField(short.page, 'u-pass')).toMatch(/^A password is \d+ to 1024 characters long\.$/);
    expect(await server.domain.users.get('quinn')).toBeNull();
    // Demoting oneself: the edit form again, the message beside the box.
    const self = await post(cookie, '/admin/users/admin', { email: '', displayName: '' });
    expect(self.status).toBe(400);
    expect(besideField(self.page, 'u-admin')).toBe('You cannot remove your own admin rights, disable or delete yourself here.');
    expect((await server.domain.users.get('admin'))?.isAdmin).toBe(true);
    const made = await post(cookie, '/admin/users', { username: 'quinn', password: 'quinn-password' });
    expect(made.status).toBe(303);
  });

  it('answers a new app password with 303 and shows its secret on the next page only; a refused name keeps the form', async () => {
    const { cookie } = await signIn('pia', 'pia-password', 'UTC');
    const pia = (await server.domain.users.get('pia'))!;
    const count = async () => (await server.domain.tokens.list(pia.id)).length;
    const empty = await post(cookie, '/my/app-passwords', { name: '   ' });
    expect(empty.status).toBe(400);
    expect(besideField(empty.page, 't-name')).toBe('Enter a name: the device or app this password is for.');
    expect(await count()).toBe(0);
    const made = await post(cookie, '/my/app-passwords', { name: 'Phone' });
    expect(made.status).toBe(303);
    expect(made.location).toBe('/my/app-passwords');
    expect(made.page).not.toContain('calendula_');
    const shown = await get(cookie, '/my/app-passwords');
    const secret = /id="new-secret" class="mono" readonly value="([^"]+)"/.exec(shown.page)?.[1];
    expect(secret).toMatch(/^calendula_/);
    // Reloading shows it no more and makes no second one.
    const again = await get(cookie, '/my/app-passwords');
    expect(again.page).not.toContain('new-secret');
    expect(await count()).toBe(1);
    // Kept for that page only: another page first drops it.
    await post(cookie, '/my/app-passwords', { name: 'Laptop' });
    await get(cookie, '/my/calendars');
    expect((await get(cookie, '/my/app-passwords')).page).not.toContain('new-secret');
    expect(await count()).toBe(2);
  });

  it('answers an import with 303 and its report once; a binary or non-iCalendar file is refused beside the file field; a new calendar of refusals is not made', async () => {
    const { cookie } = await signIn('otto', 'otto-password', 'Europe/Berlin');
    const before = await server.domain.calendars.listForPrincipal('principals/otto');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const binary = await upload(cookie, '/my/import', png, 'bild.ics', { into: 'default', newname: '' });
    expect(binary.status).toBe(400);
    expect(besideField(binary.page, 'file')).toBe('Dies ist eine PNG-Datei, keine iCalendar-Datei (.ics).');
    expect(binary.page).toMatch(/<option value="default" selected>/);
    const long = await upload(cookie, '/my/import', Buffer.from('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n'), 'x.ics', { into: '', newname: 'n'.repeat(300) });
    expect(long.status).toBe(400);
    expect(besideField(long.page, 'newname')).toBe('Ein Name ist höchstens 255 Zeichen lang.');
    const onlyBad = crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//X//EN', 'BEGIN:VEVENT', 'UID:bad', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261203T090000Z', 'RDATE;VALUE=TIME:083000', 'END:VEVENT', 'END:VCALENDAR');
    const refused = await upload(cookie, '/my/import', Buffer.from(onlyBad), 'bad.ics', { into: '', newname: 'Nur Fehler' });
    expect(refused.status).toBe(303);
    expect((await get(cookie, '/my/import')).page).toContain('0 gespeichert, 0 ersetzt, 1 abgelehnt.');
    expect(await server.domain.calendars.listForPrincipal('principals/otto')).toEqual(before);
    const good = crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//X//EN', 'BEGIN:VEVENT', 'UID:good-one', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261203T090000Z', 'SUMMARY:Gut', 'END:VEVENT', 'END:VCALENDAR');
    const done = await upload(cookie, '/my/import', Buffer.from(good), 'gut.ics', { into: '', newname: 'Importiert' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/my/import');
    const report = await get(cookie, '/my/import');
    expect(report.page).toContain('1 gespeichert, 0 ersetzt, 0 abgelehnt.');
    expect(report.page).toContain('>Importiert</a>');
    expect((await get(cookie, '/my/import')).page).not.toContain('id="report"');
    const made = (await server.domain.calendars.listForPrincipal('principals/otto')).filter((v) => v.displayname === 'Importiert');
    expect(made.map((v) => v.objectCount)).toEqual([1]);
  });

  it('answers a vCard import with 303 and its report once; a file that is not vCard is refused beside the file field', async () => {
    const { cookie } = await signIn('pia', 'pia-password', 'UTC');
    const pia = (await server.domain.users.get('pia'))!;
    const actor = { userId: pia.id, username: 'pia', principaluri: pia.principalUri };
    const books = await server.domain.addressBooks.list(actor);
    const notCard = await upload(cookie, '/my/contacts/import', Buffer.from('hello, world\n'), 'x.vcf', { into: '', newname: 'Friends' });
    expect(notCard.status).toBe(400);
    expect(besideField(notCard.page, 'file')).toMatch(/^This file cannot be read as vCard: /);
    expect(valueOf(notCard.page, 'newname')).toBe('Friends');
    const card = crlf('BEGIN:VCARD', 'VERSION:4.0', 'UID:friend-1', 'FN:Ada Friend', 'END:VCARD');
    const long = await upload(cookie, '/my/contacts/import', Buffer.from(card), 'friends.vcf', { into: '', newname: 'n'.repeat(300) });
    expect(long.status).toBe(400);
    expect(besideField(long.page, 'newname')).toMatch(/^A name is at most \d+ characters long\.$/);
    const done = await upload(cookie, '/my/contacts/import', Buffer.from(card), 'friends.vcf', { into: '', newname: 'Friends' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/my/contacts/import');
    const report = await get(cookie, '/my/contacts/import');
    expect(report.page).toContain('Stored 1, replaced 0, refused 0.');
    expect(report.page).toContain('>Friends</a>');
    expect((await get(cookie, '/my/contacts/import')).page).not.toContain('id="report"');
    expect((await server.domain.addressBooks.list(actor)).length).toBe(books.length + 1);
  });

  it('folds the menu behind a button that works without script, and keeps the language switch in it', async () => {
    const { cookie } = await signIn('pia', 'pia-password', 'UTC');
    const { page } = await get(cookie, '/my/calendars');
    expect(page).toMatch(/<details class="fold" id="menu-fold"><summary class="button secondary">Menu<\/summary>/);
    expect(page).toMatch(/<details class="fold"[\s\S]*<nav aria-label="Main menu">[\s\S]*<form method="get"[^>]*class="lang">[\s\S]*<\/details>/);
    expect(page).not.toMatch(/<script>|style="/);
  });
});
