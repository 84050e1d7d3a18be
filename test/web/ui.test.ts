// The web UI end to end in Debian's Chromium, against a real server on the engine under test:
// every flow a user and an admin have, what CalDAV clients see of it, the security rules
// (sessions, CSRF, escaping, admin pages), a phone-sized screen, keyboard-only use, and axe-core.
// With WRITE_UI_SCREENSHOTS=1 the run also writes the screenshots of docs/ui.md into docs/ui/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, newContext, seriousViolations, signIn } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, basic, startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = process.env.WRITE_UI_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'ui') : null;
const HOSTILE = `<img src=x onerror="window.__xss=1">"'&`;

describe.runIf(hasChromium)('web UI in Chromium (needs Debian chromium; .ci/run installs it)', () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  async function pageFor(username: string, password: string, opts: Parameters<typeof newContext>[1] = {}): Promise<Page> {
    const ctx = await newContext(browser, opts);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await signIn(page, base, username, password);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** Submits a form by clicking and waits for the page the answer leads to (same URL or not). */
  async function submit(page: Page, target: string | Locator): Promise<void> {
    const button = typeof target === 'string' ? page.locator(target) : target;
    await Promise.all([page.waitForEvent('framenavigated'), button.click()]);
    await page.waitForLoadState('load');
  }

  const dav = (user: string, pass: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method, body, headers: { authorization: basic(user, pass), ...headers } });

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'UTC' });
    base = server.url;
    await server.domain.users.create({ username: 'alice', password: 'alice-password', email: 'alice@example.org' });
    await server.domain.users.create({ username: 'bob', password: 'bob-password' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('shows the sign-in page at /, refuses a wrong password, and signs in with a fresh HttpOnly session', async () => {
    const ctx = await newContext(browser);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');
    await shot(page, 'sign-in');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wrong-password');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[type=submit]')]);
    expect(refused.status()).toBe(401);
    await expect(page.locator('.notice.error').textContent()).resolves.toContain('wrong');
    // A session id planted before sign-in is never adopted: signing in makes a new one.
    await ctx.addCookies([{ name: 'calendula_session', value: 'planted-by-someone-else-0123456789abcdefghij', url: base }]);
    await signIn(page, base, 'alice', 'alice-password');
    const first = (await ctx.cookies()).find((c) => c.name === 'calendula_session');
    expect(first).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(first?.value).not.toBe('planted-by-someone-else-0123456789abcdefghij');
    const second = first;
    await page.click('.sign-out button');
    await page.waitForURL(/\/sign-in$/);
    const replay = await fetch(`${base}/my/calendars`, { headers: { cookie: `calendula_session=${second?.value}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
  });

  it('signs in and creates a calendar with the keyboard alone', async () => {
    const ctx = await newContext(browser);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${base}/sign-in`);
    // The username field has focus; Tab moves to the password; Enter submits.
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('alice-password');
    await Promise.all([page.waitForURL(/\/my\/view/), page.keyboard.press('Enter')]);
    await page.goto(`${base}/my/calendars`);
    await page.focus('#c-name');
    await page.keyboard.type('Keyboard calendar');
    // Tab through colour, description and the component boxes to the button, as a person would.
    let onButton = false;
    for (let i = 0; i < 12 && !onButton; i++) {
      await page.keyboard.press('Tab');
      onButton = (await page.evaluate('document.activeElement?.textContent')) === 'Create';
    }
    expect(onButton).toBe(true);
    await Promise.all([page.waitForURL(/\/my\/calendars\/keyboard-calendar-/), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Calendar “Keyboard calendar”');
  });

  it('manages calendars: create, rename, recolour, describe, change components, and delete after typing the name; user text stays text', async () => {
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}/my/calendars`);
    await page.fill('#c-name', `Work ${HOSTILE}`);
    await page.fill('#c-desc', `Shifts ${HOSTILE}`);
    await page.check('input[name=comp_VTODO]');
    await submit(page, 'section.card form button[type=submit]');
    const path = new URL(page.url()).pathname;
    const uri = decodeURIComponent(path.split('/').pop() as string);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Calendar “Work ${HOSTILE}”`);
    await expect(page.locator('.notice.ok').textContent()).resolves.toContain('created');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
    // Settings: what the form saves is what CalDAV reads.
    await page.fill('#e-name', 'Work');
    await page.fill('#e-color', '#aa3300');
    await page.fill('#e-desc', 'Shifts and rotas');
    await page.uncheck('input[name=comp_VTODO]');
    await page.check('input[name=comp_VJOURNAL]');
    await submit(page, '#settings ~ form button[type=submit]');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Saved.');
    const view = await server.domain.calendars.get('principals/alice', uri);
    expect(view).toMatchObject({ displayname: 'Work', color: '#AA3300', description: 'Shifts and rotas', components: ['VEVENT', 'VJOURNAL'] });
    const propfind = await dav('alice', 'alice-password', 'PROPFIND', `/dav/calendars/alice/${encodeURIComponent(uri)}/`, '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>', { depth: '0' });
    expect(await propfind.text()).toContain('<d:displayname>Work</d:displayname>');
    await shot(page, 'calendar-settings');
    // Delete: the button waits for the exact name; the server checks it too.
    await expect(page.locator('#delete-calendar').isDisabled()).resolves.toBe(true);
    await page.fill('#confirm', 'Wor');
    await expect(page.locator('#delete-calendar').isDisabled()).resolves.toBe(true);
    await page.fill('#confirm', 'Work');
    await submit(page, '#delete-calendar');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Calendar “Work” deleted.');
    expect(await server.domain.calendars.get('principals/alice', uri)).toBeNull();
    await page.goto(`${base}/my/calendars`);
    await expect(page.locator('table').textContent()).resolves.toContain('Default Calendar');
    await shot(page, 'calendars');
  });

  it('refuses a POST without the CSRF token (403) and changes nothing; refuses a wrong typed name', async () => {
    const page = await pageFor('alice', 'alice-password');
    const before = (await server.domain.calendars.listForPrincipal('principals/alice')).length;
    const res = await page.request.post(`${base}/my/calendars`, { form: { name: 'Forged' } });
    expect(res.status()).toBe(403);
    const forged = await page.request.post(`${base}/my/calendars`, { form: { name: 'Forged', _csrf: 'not-the-token' } });
    expect(forged.status()).toBe(403);
    expect((await server.domain.calendars.listForPrincipal('principals/alice')).length).toBe(before);
    // With the page's own token, but the wrong name typed: 400, and the calendar stays.
    await page.goto(`${base}/my/calendars/default`);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const wrong = await page.request.post(`${base}/my/calendars/default/delete`, { form: { _csrf: csrf, confirm: 'Default' } });
    expect(wrong.status()).toBe(400);
    expect(await server.domain.calendars.get('principals/alice', 'default')).not.toBeNull();
  });

  it('imports an .ics file into an existing and into a new calendar, reporting every refused object, and exports it', async () => {
    const page = await pageFor('alice', 'alice-password');
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Test//EN',
      'METHOD:PUBLISH',
      'BEGIN:VEVENT',
      'UID:import-one@example.org',
      'DTSTAMP:20261201T000000Z',
      'DTSTART:20261210T090000Z',
      'DTEND:20261210T100000Z',
      'SUMMARY:Imported one',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:import-two@example.org',
      'DTSTAMP:20261201T000000Z',
      'DTSTART:20261211T090000Z',
      'RRULE:FREQ=DAILY;COUNT=2',
      'SUMMARY:Imported two',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'DTSTAMP:20261201T000000Z',
      'DTSTART:20261212T090000Z',
      'SUMMARY:No UID',
      'END:VEVENT',
      'BEGIN:VTODO',
      'UID:import-task@example.org',
      'DTSTAMP:20261201T000000Z',
      'SUMMARY:A task in an events-only calendar',
      'END:VTODO',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    // An events-only calendar (the default one takes tasks and notes too).
    await server.domain.calendars.createFor('principals/alice', { uri: 'events-only', displayname: 'Events only', components: ['VEVENT'] });
    await page.goto(`${base}/my/import`);
    await page.setInputFiles('#file', { name: 'team.ics', mimeType: 'text/calendar', buffer: Buffer.from(ics) });
    await page.selectOption('#into', 'events-only');
    await page.click('form.card button[type=submit]');
    await page.waitForSelector('#report');
    await expect(page.locator('#report').textContent()).resolves.toBe('Stored 2, replaced 0, refused 2.');
    const refused = await page.locator('.refused li').allTextContents();
    expect(refused.some((r) => r.includes('(no UID)') && r.includes('without a UID'))).toBe(true);
    expect(refused.some((r) => r.startsWith('import-task@example.org'))).toBe(true);
    await shot(page, 'import');
    // CalDAV sees the imported objects at once.
    const get = await dav('alice', 'alice-password', 'GET', '/dav/calendars/alice/events-only/import-one@example.org.ics');
    expect(get.status).toBe(200);
    expect(await get.text()).not.toContain('METHOD:');
    // The same file again replaces; into a new calendar it creates one that holds tasks too.
    await page.goto(`${base}/my/import`);
    await page.setInputFiles('#file', { name: 'team.ics', mimeType: 'text/calendar', buffer: Buffer.from(ics) });
    await page.fill('#newname', 'Team import');
    await page.click('form.card button[type=submit]');
    await page.waitForSelector('#report');
    await expect(page.locator('#report').textContent()).resolves.toBe('Stored 3, replaced 0, refused 1.');
    const created = (await server.domain.calendars.listForPrincipal('principals/alice')).find((v) => v.displayname === 'Team import');
    expect(created?.objectCount).toBe(3);
    // Export: the calendar as one .ics file.
    await page.goto(`${base}/my/calendars/${created?.uri}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/export"]')]);
    const text = await new Response((await download.createReadStream()) as unknown as ReadableStream).text();
    expect(text).toContain('SUMMARY:Imported two');
    expect(text).toContain('X-WR-CALNAME:Team import');
    expect(download.suggestedFilename()).toBe('Team import.ics');
  });

  it('refuses a picture named .ics with the import form again and the reason in the user’s language, making no calendar', async () => {
    const page = await pageFor('bob', 'bob-password', { locale: 'de-DE' });
    const before = await server.domain.calendars.listForPrincipal('principals/bob');
    await page.goto(`${base}/my/import`);
    // The first bytes of a real PNG file (signature and IHDR chunk).
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    await page.setInputFiles('#file', { name: 'kalender.ics', mimeType: 'text/calendar', buffer: png });
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form.card button[type=submit]')]);
    expect(answer.status()).toBe(400);
    await page.waitForLoadState('load');
    await expect(page.locator('#file-error').textContent()).resolves.toBe('Dies ist eine PNG-Datei, keine iCalendar-Datei (.ics).');
    await expect(page.locator('#file').isVisible()).resolves.toBe(true);
    expect(await server.domain.calendars.listForPrincipal('principals/bob')).toEqual(before);
  });

  it('shares a calendar read-only, shows who can see what, turns the public link on, and revokes', async () => {
    const alice = await pageFor('alice', 'alice-password');
    await alice.goto(`${base}/my/calendars/default`);
    await alice.fill('#s-user', 'bob');
    await alice.selectOption('#s-access', 'read');
    await submit(alice, '#sharing ~ form.row button[type=submit]');
    await expect(alice.locator('.notice.ok').textContent()).resolves.toBe('Shared with bob.');
    // The public link: on, shown with a copy button, readable without credentials.
    await submit(alice, '#public ~ form button');
    const link = await alice.locator('#public-url').inputValue();
    expect(link).toBe(`${base}/dav/calendars/alice/default/?export`);
    expect((await fetch(link)).status).toBe(200);
    await shot(alice, 'calendar-sharing');
    await alice.goto(`${base}/my/sharing`);
    const row = await alice.locator('tr', { hasText: 'Default Calendar' }).first().textContent();
    expect(row).toContain('bob (can read)');
    expect(row).toContain('anyone with the public link');
    await shot(alice, 'who-can-see-what');
    // Bob sees it, marked as shared by alice and read-only, and cannot write through CalDAV.
    const bob = await pageFor('bob', 'bob-password');
    await bob.goto(`${base}/my/calendars`);
    const bobRow = await bob.locator('tr', { hasText: 'Default Calendar' }).allTextContents();
    expect(bobRow.join('|')).toMatch(/shared by alice.*read-only/);
    // Revoke, and the public link off again.
    await alice.goto(`${base}/my/calendars/default`);
    await submit(alice, '#sharing ~ ul form button');
    await expect(alice.locator('.notice.ok').textContent()).resolves.toBe('Access revoked.');
    await submit(alice, '#public ~ form button');
    expect((await fetch(link)).status).toBe(401);
    expect(await server.domain.sharing.shares((await server.domain.calendars.get('principals/alice', 'default'))!.instanceId)).toEqual([]);
  });

  it("shows a feed calendar's secret URL, which serves the calendar without credentials", async () => {
    const alice = (await server.domain.users.get('alice'))!;
    const feed = await server.domain.feeds.create(alice.id, 'alice', { description: 'Token expiry' });
    const page = await pageFor('alice', 'alice-password');
    const view = await server.domain.calendars.getByInstanceId(feed.instanceId);
    await page.goto(`${base}/my/calendars/${view!.uri}`);
    const url = await page.locator('#feed-0').inputValue();
    expect(url).toBe(`${base}/calendars/${feed.feedId}`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/calendar');
  });

  it('creates an app password shown once, which CalDAV accepts until it is revoked', async () => {
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}/my/app-passwords`);
    await page.fill('#t-name', 'Phone');
    await page.click('form.card.row button[type=submit]');
    await page.waitForSelector('#new-secret');
    const secret = await page.locator('#new-secret').inputValue();
    expect(secret).toMatch(/^calendula_/);
    await shot(page, 'app-passwords');
    const ok = await dav('alice', secret, 'PROPFIND', '/dav/calendars/alice/', undefined, { depth: '0' });
    expect(ok.status).toBe(207);
    await page.goto(`${base}/my/app-passwords`);
    expect(await page.locator('#new-secret').count()).toBe(0);
    const row = await page.locator('tr', { hasText: 'Phone' }).textContent();
    expect(row).not.toContain('never'); // last used: just now
    await submit(page, 'tr:has-text("Phone") button');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('App password revoked.');
    expect((await dav('alice', secret, 'PROPFIND', '/dav/calendars/alice/', undefined, { depth: '0' })).status).toBe(401);
  });

  it('changes the own password: the current one is checked, other sessions end, CalDAV takes the new one', async () => {
    await server.domain.users.create({ username: 'carol', password: 'carol-password' });
    const other = await pageFor('carol', 'carol-password');
    const page = await pageFor('carol', 'carol-password');
    await page.goto(`${base}/my/account`);
    await page.fill('#current', 'not-it');
    await page.fill('#new', 'carol-new-password');
    await page.fill('#repeat', 'carol-new-password');
    await page.click('#pw ~ form button');
    await expect(page.locator('#current-error').textContent()).resolves.toBe('The current password is wrong.');
    await page.fill('#current', 'carol-password');
    await page.fill('#new', 'carol-new-password');
    await page.fill('#repeat', 'carol-new-password');
    await submit(page, '#pw ~ form button');
    await expect(page.locator('.notice.ok').textContent()).resolves.toContain('Password changed');
    expect((await dav('carol', 'carol-password', 'PROPFIND', '/dav/calendars/carol/', undefined, { depth: '0' })).status).toBe(401);
    expect((await dav('carol', 'carol-new-password', 'PROPFIND', '/dav/calendars/carol/', undefined, { depth: '0' })).status).toBe(207);
    await other.goto(`${base}/my/account`);
    expect(new URL(other.url()).pathname).toBe('/sign-in');
  });

  it('helps connect a client: the URL and username, an Apple profile without a password, a QR code for DAVx⁵', async () => {
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}/my/connect`);
    expect(await page.locator('#dav-url').inputValue()).toBe(`${base}/dav/`);
    expect(await page.locator('#dav-user').inputValue()).toBe('alice');
    const host = new URL(base).host;
    await expect(page.locator('.qr figcaption').textContent()).resolves.toBe(`caldav://alice@${host}/dav/`);
    expect(await page.locator('.qr svg').count()).toBe(1);
    await shot(page, 'connect');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="apple.mobileconfig"]')]);
    const profile = await new Response((await download.createReadStream()) as unknown as ReadableStream).text();
    expect(profile).toContain('<string>com.apple.caldav.account</string>');
    expect(profile).toContain('<key>CalDAVUsername</key><string>alice</string>');
    expect(profile).toContain(`<string>${base}/dav/principals/alice/</string>`);
    expect(profile).not.toMatch(/CalDAVPassword|alice-password/);
  });

  it('creates, shows, edits and deletes a weekly event; CalDAV sees each change at once', async () => {
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}/my/events/new?date=2027-01-04`);
    await page.fill('#ev-summary', `Standup ${HOSTILE}`);
    await page.fill('#ev-st', '09:00');
    await page.fill('#ev-et', '09:15');
    await page.selectOption('#ev-repeat', 'WEEKLY');
    await page.check('input[name=ends][value=count]');
    await page.fill('#ev-count', '3');
    await submit(page, 'form.event-form button[type=submit]');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Event saved.');
    const standups = page.locator('.month .event', { hasText: 'Standup' });
    expect(await standups.count()).toBe(3);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    // CalDAV: one object with the rule, in the default calendar.
    const query = `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20270101T000000Z" end="20270201T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
    const report = await dav('alice', 'alice-password', 'REPORT', '/dav/calendars/alice/default/', query, { depth: '1', 'content-type': 'application/xml' });
    const body = await report.text();
    expect(body).toContain('RRULE:FREQ=WEEKLY;COUNT=3');
    // Week and agenda views list it too (the views' own suite writes their screenshots).
    await page.goto(`${base}/my/view?mode=week&date=2027-01-11`);
    expect(await page.locator('.tgrid .event', { hasText: 'Standup' }).count()).toBe(1);
    await page.goto(`${base}/my/view?mode=agenda&date=2027-01-01`);
    expect(await page.locator('.agenda .event', { hasText: 'Standup' }).count()).toBe(3);
    // Edit from the view: the event page, Edit (all occurrences), a new title and no repeat.
    await submit(page, '.agenda .event >> nth=0');
    if (await page.locator('input[name=scope][value=all]').count()) await page.check('input[name=scope][value=all]');
    await submit(page, '#ev-edit');
    await expect(page.locator('h1').textContent()).resolves.toBe('Edit event');
    expect(await page.locator('#ev-summary').inputValue()).toBe(`Standup ${HOSTILE}`);
    expect(await page.locator('#ev-count').inputValue()).toBe('3');
    await page.fill('#ev-summary', 'Planning');
    await page.selectOption('#ev-repeat', '');
    await submit(page, 'form.event-form button[type=submit]');
    await page.goto(`${base}/my/view?mode=agenda&date=2027-01-01`);
    expect(await page.locator('.agenda .event', { hasText: 'Planning' }).count()).toBe(1);
    expect(await page.locator('.agenda .event', { hasText: 'Standup' }).count()).toBe(0);
    // Delete: the event page, Delete…, the confirmation.
    await submit(page, '.agenda .event >> nth=0');
    await submit(page, '#ev-delete');
    await submit(page, '#ev-delete-confirm');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Event deleted.');
    const again = await dav('alice', 'alice-password', 'REPORT', '/dav/calendars/alice/default/', query, { depth: '1', 'content-type': 'application/xml' });
    expect(await again.text()).not.toContain('Planning');
    await page.goto(`${base}/my/view?mode=agenda&date=2027-01-01`);
    expect(await page.locator('.agenda .event').count()).toBe(0);
  });

  it('refuses a bad event form with the reasons, storing nothing', async () => {
    const page = await pageFor('alice', 'alice-password');
    const before = (await server.domain.calendars.get('principals/alice', 'default'))!.objectCount;
    await page.goto(`${base}/my/events/new?date=2027-02-01`);
    await page.fill('#ev-summary', 'Backwards');
    await page.fill('#ev-st', '10:00');
    await page.fill('#ev-et', '09:00');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form.event-form button[type=submit]')]);
    expect(res.status()).toBe(400);
    await expect(page.locator('.notice.error').textContent()).resolves.toBe('The end must not be before the start.');
    expect((await server.domain.calendars.get('principals/alice', 'default'))!.objectCount).toBe(before);
  });

  it('lists tasks with due dates and toggles done; CalDAV sees STATUS:COMPLETED', async () => {
    await server.domain.calendars.createFor('principals/alice', { uri: 'todo', displayname: 'To do', components: ['VTODO'] });
    const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VTODO', 'UID:milk', 'DTSTAMP:20261201T000000Z', 'DUE;VALUE=DATE:20270110', 'SUMMARY:Buy milk', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
    expect((await dav('alice', 'alice-password', 'PUT', '/dav/calendars/alice/todo/milk.ics', todo, { 'content-type': 'text/calendar' })).status).toBe(201);
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}/my/tasks`);
    const item = page.locator('.tasks li', { hasText: 'Buy milk' });
    await expect(item.textContent()).resolves.toContain('due Jan 10, 2027');
    await submit(page, item.locator('button'));
    await expect(page.locator('.tasks li.done', { hasText: 'Buy milk' }).count()).resolves.toBe(1);
    const text = await (await dav('alice', 'alice-password', 'GET', '/dav/calendars/alice/todo/milk.ics')).text();
    expect(text).toContain('STATUS:COMPLETED');
    expect(text).toContain('PERCENT-COMPLETE:100');
    // Completed tasks are folded below the open ones (test/web/tasksUi.test.ts has the rest).
    await page.click('details.completed > summary');
    await submit(page, page.locator('.tasks li', { hasText: 'Buy milk' }).locator('button'));
    expect(await (await dav('alice', 'alice-password', 'GET', '/dav/calendars/alice/todo/milk.ics')).text()).toContain('STATUS:NEEDS-ACTION');
  });

  it('lets an admin list, create, edit, disable, reset and delete users, and see synchronizations and status', async () => {
    const page = await pageFor('admin', ADMIN_PASSWORD);
    await page.goto(`${base}/admin/users`);
    const aliceRow = await page.locator('tr', { hasText: 'alice@example.org' }).textContent();
    expect(aliceRow).toMatch(/alice/);
    await page.fill('#u-name', 'dave');
    await page.fill('#u-email', 'dave@example.org');
    await page.fill('#u-display', `Dave ${HOSTILE}`);
    await page.fill('#u-pass', 'dave-password');
    await submit(page, '#new-user ~ form button');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('User dave created.');
    expect(await page.locator('#u-display').inputValue()).toBe(`Dave ${HOSTILE}`);
    await shot(page, 'admin-user');
    // Make dave an admin, then disable him: every way in is refused.
    await page.check('input[name=isAdmin]');
    await page.check('input[name=disabled]');
    await submit(page, '#edit ~ form button');
    expect(await server.domain.users.get('dave')).toMatchObject({ isAdmin: true, disabled: true });
    expect((await dav('dave', 'dave-password', 'PROPFIND', '/dav/calendars/dave/', undefined, { depth: '0' })).status).toBe(401);
    await page.uncheck('input[name=disabled]');
    await submit(page, '#edit ~ form button');
    await page.fill('#reset ~ form #u-pass', 'dave-new-password');
    await submit(page, '#reset ~ form button');
    expect((await dav('dave', 'dave-new-password', 'PROPFIND', '/dav/calendars/dave/', undefined, { depth: '0' })).status).toBe(207);
    // An admin cannot disable or demote themselves.
    await page.goto(`${base}/admin/users/admin`);
    await page.uncheck('input[name=isAdmin]');
    const [self] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#edit ~ form button')]);
    expect(self.status()).toBe(400);
    // Delete after typing the username.
    await page.goto(`${base}/admin/users/dave`);
    await page.fill('#confirm', 'dave');
    await submit(page, '#delete-user');
    expect(await server.domain.users.get('dave')).toBeNull();
    await page.goto(`${base}/admin/users/alice`);
    await expect(page.locator('#cals ~ .table-wrap').textContent()).resolves.toContain('Default Calendar');
    await page.goto(`${base}/admin/synchronizations`);
    await expect(page.locator('main').textContent()).resolves.toContain('No synchronizations.');
    await page.goto(`${base}/admin/status`);
    const status = await page.locator('table.status').textContent();
    expect(status).toContain(server.config.databaseUrl ? 'PostgreSQL' : 'embedded (PGlite)');
    expect(status).toMatch(/Event-loop delay, p99 \/ max\d/);
    await shot(page, 'admin-status');
  });

  it('refuses admin pages to non-admins with 403', async () => {
    const page = await pageFor('bob', 'bob-password');
    for (const path of ['/admin/users', '/admin/users/alice', '/admin/status', '/admin/synchronizations']) {
      const res = await page.goto(`${base}${path}`);
      expect(res?.status()).toBe(403);
    }
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const res = await page.request.post(`${base}/admin/users/alice/delete`, { form: { _csrf: csrf, confirm: 'alice' } });
    expect(res.status()).toBe(403);
    expect(await server.domain.users.get('alice')).not.toBeNull();
  });

  it('speaks Japanese, German and French', async () => {
    const ctx = await newContext(browser, { locale: 'de-DE', extraHTTPHeaders: { 'accept-language': 'de-DE,de;q=0.9' } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${base}/sign-in`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Anmelden');
    await page.goto(`${base}/sign-in?lang=ja`);
    await expect(page.locator('h1').textContent()).resolves.toBe('サインイン');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    await page.goto(`${base}/sign-in?lang=fr`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Connexion');
  });

  it('fits a phone screen: no sideways scrolling, the menu reachable behind its button', async () => {
    const page = await pageFor('alice', 'alice-password', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    for (const path of ['/my/view', '/my/view?mode=agenda', '/my/calendars', '/my/calendars/default', '/my/connect', '/my/tasks']) {
      await page.goto(`${base}${path}`);
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.click('#menu-fold > summary');
    await expect(page.locator('nav .menu a', { hasText: 'Tasks' }).isVisible()).resolves.toBe(true);
    await page.click('#menu-fold > summary');
    await page.goto(`${base}/my/view`);
    await shot(page, 'phone-month');
  });

  // axe-core checks every page twice in Chromium: 40 s on two loaded cores, past the default minute
  // when other suites run beside it; the time is a wait, not what this test asserts.
  it('has no serious or critical accessibility violations (axe-core) on any page, light or dark', { timeout: 180_000 }, async () => {
    const admin = await pageFor('admin', ADMIN_PASSWORD);
    const anon = await (await newContext(browser)).newPage();
    contexts.push(anon.context());
    const dark = await pageFor('alice', 'alice-password', { colorScheme: 'dark' });
    const found: Record<string, string[]> = {};
    const check = async (page: Page, path: string) => {
      await page.goto(`${base}${path}`);
      const v = await seriousViolations(page);
      if (v.length) found[path] = v.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    };
    await check(anon, '/sign-in');
    const pages = ['/my/view', '/my/view?mode=week', '/my/view?mode=agenda', '/my/tasks', '/my/calendars', '/my/calendars/default', '/my/import', '/my/sharing', '/my/app-passwords', '/my/account', '/my/connect', '/my/events/new', '/admin/users', '/admin/users/alice', '/admin/synchronizations', '/admin/status'];
    for (const path of pages) await check(admin, path);
    for (const path of ['/my/view', '/my/calendars/default', '/my/connect']) await check(dark, path);
    expect(found).toEqual({});
  });
});
