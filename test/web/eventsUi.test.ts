// Events in Debian's Chromium, as a person uses them: create with the form (all day hides the
// times, "Ends" shows only with a repeat, reminders, a time zone), open one occurrence of the
// series and edit it alone, this and the following ones, and all; delete one with the
// confirmation; a calendar shared read-only shows the event without controls. After each step
// CalDAV reads what Apple Calendar and Thunderbird write (an override with RECURRENCE-ID, a split
// series with UNTIL and a new UID with RELATED-TO, an EXDATE). axe-core on every page, light and
// dark. With WRITE_UI_SCREENSHOTS=1 the run writes docs/ui/event-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarQuery, Dav, parseMultistatus } from '../helpers/dav.ts';
import { hasChromium, launchBrowser, newContext, seriousViolations, signIn } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = process.env.WRITE_UI_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'ui') : null;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '');

describe.runIf(hasChromium)('events in Chromium (needs Debian chromium; .ci/run installs it)', { shuffle: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;
  let alice: Dav;
  const contexts: BrowserContext[] = [];
  const SERIES = '/my/events/default';

  async function pageFor(username: string, opts: Parameters<typeof newContext>[1] = {}): Promise<Page> {
    const ctx = await newContext(browser, opts);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await signIn(page, base, username, `${username}-password`);
    return page;
  }

  async function submit(page: Page, target: string | Locator): Promise<void> {
    const button = typeof target === 'string' ? page.locator(target) : target;
    await Promise.all([page.waitForEvent('framenavigated'), button.click()]);
    await page.waitForLoadState('load');
  }

  /** Every object of alice's default calendar whose text holds `needle`, over CalDAV. */
  async function stored(needle: string): Promise<{ path: string; text: string }[]> {
    const res = await alice.report('/dav/calendars/alice/default/', calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>'));
    const out = [];
    for (const href of parseMultistatus(res.text).members.keys()) {
      const text = unfold((await alice.request('GET', href)).text);
      if (text.includes(needle)) out.push({ path: href, text });
    }
    return out;
  }

  let seriesPath = '';

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'UTC' });
    base = server.url;
    await server.domain.users.create({ username: 'alice', password: 'alice-password', email: 'alice@example.org' });
    await server.domain.users.create({ username: 'carol', password: 'carol-password' });
    alice = new Dav(base, 'alice', 'alice-password');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('creates a weekly event: all day hides the times, "Ends" shows only with a repeat; the reminder and zone are stored', async () => {
    const page = await pageFor('alice');
    await page.goto(`${base}/my/events/new?date=2099-03-02&time=09:00`);
    expect(await page.locator('#ev-st').inputValue()).toBe('09:00');
    expect(await page.locator('#ev-et').inputValue()).toBe('10:00');
    // Without a repeat there is no "Ends"; all day hides the times and the zone.
    expect(await page.locator('#ev-ends').isVisible()).toBe(false);
    await page.check('#ev-allday');
    expect(await page.locator('#ev-st').isVisible()).toBe(false);
    expect(await page.locator('#ev-zone').isVisible()).toBe(false);
    await page.uncheck('#ev-allday');
    expect(await page.locator('#ev-st').isVisible()).toBe(true);
    await page.fill('#ev-summary', 'Standup');
    await page.selectOption('#ev-repeat', 'WEEKLY');
    expect(await page.locator('#ev-ends').isVisible()).toBe(true);
    await page.check('input[name=ends][value=count]');
    await page.fill('#ev-count', '5');
    expect(await page.locator('#ev-remm0').isVisible()).toBe(false);
    await page.selectOption('#ev-rem0', '15');
    await page.selectOption('#ev-color', 'royalblue');
    await page.fill('#ev-loc', 'Room 1');
    await shot(page, 'event-form');
    await submit(page, 'form.event-form button[type=submit]');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Event saved.');
    const [obj] = await stored('SUMMARY:Standup');
    expect(obj!.text).toContain('RRULE:FREQ=WEEKLY;COUNT=5');
    expect(obj!.text).toContain('DTSTART:20990302T090000Z');
    expect(obj!.text).toContain('TRIGGER:-PT15M');
    expect(obj!.text).toContain('COLOR:royalblue');
    seriesPath = obj!.path.replace('/dav/calendars/alice/default', SERIES);
  });

  it('edits one occurrence: the page asks which occurrences (this one by default); CalDAV has an override with RECURRENCE-ID', async () => {
    const page = await pageFor('alice');
    await page.goto(`${base}${seriesPath}?occurrence=20990309T090000Z`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Standup');
    expect(await page.locator('input[name=scope][value=this]').isChecked()).toBe(true);
    await shot(page, 'event-page');
    if (SHOTS) await page.locator('form.event-actions').screenshot({ path: join(SHOTS, 'event-scope.png') });
    await submit(page, '#ev-edit');
    await expect(page.locator('h1').textContent()).resolves.toBe('Edit event');
    expect(await page.locator('#ev-repeat').count()).toBe(0);
    expect(await page.locator('#ev-sd').inputValue()).toBe('2099-03-09');
    await page.fill('#ev-summary', 'Standup (moved)');
    await page.fill('#ev-st', '11:00');
    await page.fill('#ev-et', '12:00');
    await submit(page, 'form.event-form button[type=submit]');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Event saved.');
    await expect(page.locator('h1').textContent()).resolves.toBe('Standup (moved)');
    const [obj] = await stored('SUMMARY:Standup');
    expect(obj!.text).toContain('RECURRENCE-ID:20990309T090000Z');
    expect(obj!.text).toContain('DTSTART:20990309T110000Z');
    expect(obj!.text).toContain('RRULE:FREQ=WEEKLY;COUNT=5');
    // A reload of the page the save led to writes nothing.
    const before = (await alice.request('GET', obj!.path)).text;
    await page.reload();
    expect((await alice.request('GET', obj!.path)).text).toBe(before);
  });

  it('edits this and the following occurrences: the series splits (UNTIL; a new UID with RELATED-TO)', async () => {
    const page = await pageFor('alice');
    await page.goto(`${base}${seriesPath}?occurrence=20990323T090000Z`);
    await page.check('input[name=scope][value=following]');
    await submit(page, '#ev-edit');
    // 03-02, 03-09 and 03-16 came before: 2 of the 5 are left.
    expect(await page.locator('#ev-count').inputValue()).toBe('2');
    await page.fill('#ev-summary', 'Standup (new room)');
    await page.fill('#ev-loc', 'Room 2');
    await submit(page, 'form.event-form button[type=submit]');
    await expect(page.locator('h1').textContent()).resolves.toBe('Standup (new room)');
    const [old] = await stored('SUMMARY:Standup\r\n');
    const [next] = await stored('Standup (new room)');
    const until = /RRULE:FREQ=WEEKLY;UNTIL=(\d{8}T\d{6}Z)/.exec(old!.text)![1]!;
    expect(until >= '20990316T090000Z' && until < '20990323T090000Z').toBe(true);
    const oldUid = /\r\nUID:(.*)\r\n/.exec(old!.text)![1]!;
    expect(next!.text).not.toContain(`UID:${oldUid}\r\n`);
    expect(next!.text).toMatch(new RegExp(`RELATED-TO(;RELTYPE=SIBLING)?:${oldUid}`));
    expect(next!.text).toContain('DTSTART:20990323T090000Z');
    expect(next!.text).toContain('COUNT=2');
  });

  it('edits all occurrences from one of them, and deletes one occurrence after the confirmation (EXDATE)', async () => {
    const page = await pageFor('alice');
    await page.goto(`${base}${seriesPath}?occurrence=20990302T090000Z`);
    await page.check('input[name=scope][value=all]');
    await submit(page, '#ev-edit');
    expect(await page.locator('#ev-sd').inputValue()).toBe('2099-03-02');
    await page.fill('#ev-loc', 'Room 3');
    await submit(page, 'form.event-form button[type=submit]');
    let [old] = await stored('SUMMARY:Standup\r\n');
    expect(old!.text).toContain('LOCATION:Room 3');
    await page.goto(`${base}${seriesPath}?occurrence=20990316T090000Z`);
    await submit(page, '#ev-delete');
    await expect(page.locator('h1').textContent()).resolves.toBe('Delete “Standup”?');
    expect(await page.locator('input[name=scope][value=this]').isChecked()).toBe(true);
    [old] = await stored('SUMMARY:Standup\r\n');
    expect(old!.text).not.toContain('EXDATE');
    await submit(page, '#ev-delete-confirm');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Event deleted.');
    [old] = await stored('SUMMARY:Standup\r\n');
    expect(old!.text).toContain('EXDATE:20990316T090000Z');
  });

  it('shows an event of a calendar shared read-only without any control', async () => {
    const view = (await server.domain.calendars.get('principals/alice', 'default'))!;
    await server.domain.sharing.share('alice', view.instanceId, 'carol', false);
    const shared = (await server.domain.calendars.listForPrincipal('principals/carol')).find((v) => v.uri !== 'default' && v.displayname === view.displayname)!;
    const page = await pageFor('carol');
    await page.goto(`${base}${seriesPath.replace(SERIES, `/my/events/${shared.uri}`)}?occurrence=20990302T090000Z`);
    await expect(page.locator('#ev-readonly').textContent()).resolves.toContain('read-only');
    expect(await page.locator('main form').count()).toBe(0);
    expect(await page.locator('#ev-edit, #ev-delete').count()).toBe(0);
    await shot(page, 'event-readonly');
  });

  // axe-core checks each page twice (light and dark): a wait on two loaded cores, not an assertion.
  it('has no serious or critical accessibility violations (axe-core) on the event pages, light or dark', { timeout: 180_000 }, async () => {
    const found: Record<string, string[]> = {};
    const record = async (page: Page, name: string) => {
      const v = await seriousViolations(page);
      if (v.length) found[name] = v.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    };
    const view = (await server.domain.calendars.listForPrincipal('principals/carol')).find((v) => v.uri !== 'default')!;
    for (const colorScheme of ['light', 'dark'] as const) {
      const a = await pageFor('alice', { colorScheme });
      const c = await pageFor('carol', { colorScheme });
      for (const [name, path] of [
        ['new', '/my/events/new?date=2099-04-01'],
        ['page', `${seriesPath}?occurrence=20990309T090000Z`],
        ['edit', `${seriesPath}/edit?occurrence=20990309T090000Z&scope=this`],
        ['edit all', `${seriesPath}/edit`],
        ['delete', `${seriesPath}/delete?occurrence=20990309T090000Z`],
      ] as const) {
        await a.goto(`${base}${path}`);
        await record(a, `${colorScheme} ${name}`);
      }
      await c.goto(`${base}${seriesPath.replace(SERIES, `/my/events/${view.uri}`)}`);
      await record(c, `${colorScheme} read-only`);
      // The form again with field errors.
      await a.goto(`${base}/my/events/new?date=2099-04-02`);
      await a.fill('#ev-summary', 'Bad');
      await a.fill('#ev-url', 'ftp://example.org/agenda');
      await a.fill('#ev-et', '08:00');
      await Promise.all([a.waitForResponse((r) => r.request().method() === 'POST'), a.click('form.event-form button[type=submit]')]);
      await a.waitForLoadState('load');
      await expect(a.locator('#ev-ed-error').textContent()).resolves.toBe('The end must not be before the start.');
      expect(await a.locator('#ev-url').inputValue()).toBe('ftp://example.org/agenda');
      await record(a, `${colorScheme} field errors`);
    }
    expect(found).toEqual({});
  });
});
