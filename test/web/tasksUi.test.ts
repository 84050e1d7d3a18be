// The tasks pages in Debian's Chromium, as a person uses them: create a task, a refused form that
// keeps what was typed, edit a tasks.org task, tick it done and find it folded under Completed,
// delete after the confirmation, a list shared read-only without controls; what CalDAV holds
// after each step; axe-core on every tasks page in light and dark. With WRITE_UI_SCREENSHOTS=1
// the run writes docs/ui/tasks.png and docs/ui/task-form.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, newContext, seriousViolations, signIn } from '../helpers/browser.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';
import { APPLE_REMINDER, TASKS_ORG } from '../fixtures/todos.ts';

const SHOTS = process.env.WRITE_UI_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'ui') : null;
const ZONE = 'Europe/Berlin';

// The cases build on each other (what one stores, the next reads): they keep their order.
describe.runIf(hasChromium)('tasks in Chromium (needs Debian chromium)', { shuffle: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;
  let ctx: BrowserContext;
  let page: Page;
  let sharedUri = '';

  const shot = async (name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const dav = async (user: string, method: string, path: string, body?: string) => {
    const res = await fetch(`${base}${path}`, { method, body, headers: { authorization: basic(user, `${user}-password`), 'content-type': 'text/calendar' } });
    return { status: res.status, text: await res.text() };
  };
  const count = async (user: string, uri: string) => (await server.domain.calendars.get(`principals/${user}`, uri))!.objectCount;
  /** Clicks and waits for the page the answer leads to; returns the answer's status. */
  const submit = async (target: Locator): Promise<number> => {
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), target.click()]);
    await page.waitForLoadState('load');
    return res.status();
  };

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: ZONE });
    base = server.url;
    await server.domain.users.create({ username: 'gina', password: 'gina-password' });
    await server.domain.users.create({ username: 'hal', password: 'hal-password' });
    await server.domain.calendars.createFor('principals/gina', { uri: 'chores', displayname: 'Chores', color: '#2E7D32', components: ['VTODO'] });
    expect((await dav('gina', 'PUT', '/dav/calendars/gina/default/apple.ics', APPLE_REMINDER)).status).toBe(201);
    expect((await dav('gina', 'PUT', '/dav/calendars/gina/chores/tasksorg.ics', TASKS_ORG)).status).toBe(201);
    const errands = await server.domain.calendars.createFor('principals/hal', { uri: 'errands', displayname: 'Hal’s errands', components: ['VTODO'] });
    expect((await dav('hal', 'PUT', '/dav/calendars/hal/errands/e.ics', TASKS_ORG.replace('SUMMARY:Renew passport', 'SUMMARY:Pick up the parcel').replace('UID:1829372653728348291', 'UID:hal-1'))).status).toBe(201);
    await server.domain.sharing.share('hal', errands.instanceId, 'gina', false);
    sharedUri = (await server.domain.calendars.listForPrincipal('principals/gina')).find((v) => v.ownerPrincipaluri === 'principals/hal')!.uri;
    browser = await launchBrowser();
    ctx = await newContext(browser, { timezoneId: ZONE });
    page = await ctx.newPage();
    await signIn(page, base, 'gina', 'gina-password');
  });
  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
  });

  it('creates a task from the form; CalDAV holds it; reloading the list creates nothing', async () => {
    await page.click('nav .menu a:text-is("Tasks")');
    await page.waitForURL(/\/my\/tasks$/);
    await Promise.all([page.waitForURL(/\/my\/tasks\/new$/), page.click('a:text-is("New task")')]);
    await expect(page.locator('#tk-list').inputValue()).resolves.toBe('default');
    await page.fill('#tk-summary', 'Book the dentist');
    await page.selectOption('#tk-list', 'chores');
    await page.fill('#tk-due', '2027-01-15');
    await page.fill('#tk-time', '08:30');
    await page.selectOption('#tk-priority', 'medium');
    await page.fill('#tk-notes', 'Ask about the\nwisdom tooth');
    await shot('task-form');
    const before = await count('gina', 'chores');
    expect(await submit(page.locator('form.task-form button[type=submit]'))).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/my/tasks');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Task saved.');
    const item = page.locator('.tasks li', { hasText: 'Book the dentist' });
    await expect(item.textContent()).resolves.toMatch(/due Jan 15, 2027, 8:30\s?AM[\s\S]*medium priority[\s\S]*Chores/);
    expect(await count('gina', 'chores')).toBe(before + 1);
    await page.reload();
    expect(await count('gina', 'chores')).toBe(before + 1);
    const uris: string[] = [];
    for await (const batch of server.domain.objects.listMeta((await server.domain.calendars.get('principals/gina', 'chores'))!)) uris.push(...batch.map((m) => m.uri));
    const stored = { uri: uris.find((u) => u !== 'tasksorg.ics')! };
    const text = (await dav('gina', 'GET', `/dav/calendars/gina/chores/${stored.uri}`)).text;
    expect(text).toContain('DUE;TZID=Europe/Berlin:20270115T083000');
    expect(text).toContain('PRIORITY:5');
    expect(text).toContain('DESCRIPTION:Ask about the\\nwisdom tooth');
  });

  it('shows a refused form again with what was typed, the message beside the field and the cursor in it', async () => {
    await page.goto(`${base}/my/tasks/new`);
    await page.fill('#tk-summary', '   ');
    await page.fill('#tk-notes', 'Typed notes stay');
    await page.selectOption('#tk-priority', 'low');
    const before = await count('gina', 'default');
    expect(await submit(page.locator('form.task-form button[type=submit]'))).toBe(400);
    await expect(page.locator('#tk-summary-error').textContent()).resolves.toBe('Give the task a title.');
    await expect(page.locator('#tk-notes').inputValue()).resolves.toBe('Typed notes stay');
    await expect(page.locator('#tk-priority').inputValue()).resolves.toBe('low');
    expect(await page.evaluate('document.activeElement?.id')).toBe('tk-summary');
    expect(await count('gina', 'default')).toBe(before);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('edits a tasks.org task; its alarm, categories and zone stay', async () => {
    await page.goto(`${base}/my/tasks`);
    await Promise.all([page.waitForURL(/\/my\/tasks\/chores\/tasksorg\.ics$/), page.click('a.summary:text-is("Renew passport")')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Edit task');
    await expect(page.locator('#tk-time').inputValue()).resolves.toBe('12:00');
    await page.fill('#tk-summary', 'Renew passport and ID');
    await page.selectOption('#tk-priority', 'high');
    expect(await submit(page.locator('form.task-form button[type=submit]'))).toBe(303);
    const text = (await dav('gina', 'GET', '/dav/calendars/gina/chores/tasksorg.ics')).text;
    expect(text).toContain('SUMMARY:Renew passport and ID');
    expect(text).toContain('PRIORITY:1');
    for (const line of ['DUE;TZID=Europe/Berlin:20261210T120000', 'CATEGORIES:Admin', 'TRIGGER;RELATED=END:PT0S', 'X-APPLE-SORT-ORDER:-1234']) expect(text).toContain(line);
  });

  it('ticks a task done: it moves under Completed, folded; CalDAV sees STATUS:COMPLETED', async () => {
    await page.goto(`${base}/my/tasks`);
    await submit(page.locator('.tasks li', { hasText: 'Call the plumber' }).locator('button'));
    expect((await dav('gina', 'GET', '/dav/calendars/gina/default/apple.ics')).text).toContain('STATUS:COMPLETED');
    const done = page.locator('details.completed .tasks li', { hasText: 'Call the plumber' });
    await expect(done.isVisible()).resolves.toBe(false);
    await expect(page.locator('details.completed > summary').textContent()).resolves.toBe('Completed (1)');
    // Enter on the summary unfolds it, as a keyboard user would.
    await page.focus('details.completed > summary');
    await page.keyboard.press('Enter');
    await expect(done.isVisible()).resolves.toBe(true);
    // The read-only list's task is there, without a control.
    const shared = page.locator('.tasks li', { hasText: 'Pick up the parcel' });
    await expect(shared.locator('button, input, form').count()).resolves.toBe(0);
    await shot('tasks');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousViolations(page)).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('deletes a task only after the confirmation', async () => {
    await page.goto(`${base}/my/tasks/chores/tasksorg.ics`);
    await Promise.all([page.waitForURL(/\/delete$/), page.click('a:text-is("Delete")')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Delete “Renew passport and ID”?');
    expect((await dav('gina', 'GET', '/dav/calendars/gina/chores/tasksorg.ics')).status).toBe(200);
    expect(await submit(page.locator('#delete-task'))).toBe(303);
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Task “Renew passport and ID” deleted.');
    expect((await dav('gina', 'GET', '/dav/calendars/gina/chores/tasksorg.ics')).status).toBe(404);
    await expect(page.locator('.tasks li', { hasText: 'Renew passport' }).count()).resolves.toBe(0);
  });

  it('opens a task of a list shared read-only as a page without a form', async () => {
    await page.goto(`${base}/my/tasks`);
    await Promise.all([page.waitForURL(new RegExp(`/my/tasks/${sharedUri}/e\\.ics$`)), page.click('a.summary:text-is("Pick up the parcel")')]);
    await expect(page.locator('main .notice').textContent()).resolves.toContain('shared with you read-only');
    await expect(page.locator('main form, main button').count()).resolves.toBe(0);
  });

  it('has no serious axe violations on the tasks pages, light and dark', async () => {
    // The list and the refused form are checked above; the new form is the edit form without its extras.
    const paths = ['/my/tasks/default/apple.ics', '/my/tasks/default/apple.ics/delete', `/my/tasks/${sharedUri}/e.ics`];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const path of scheme === 'light' ? ['/my/tasks/new', ...paths] : paths) {
        await page.goto(`${base}${path}`);
        expect({ path, scheme, violations: await seriousViolations(page) }).toEqual({ path, scheme, violations: [] });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('fits a phone screen: no sideways scrolling on the list and the form', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/my/tasks', '/my/tasks/default/apple.ics']) {
      await page.goto(`${base}${path}`);
      expect((await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number, path).toBeLessThanOrEqual(0);
    }
  });
});
