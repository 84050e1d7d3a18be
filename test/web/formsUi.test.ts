// Forms, time zone and the phone menu in Debian's Chromium: the browser's zone (the context's
// timezoneId) is sent with sign-in, stored on the user and used in another browser; reloading
// after each POST creates nothing; a refused form keeps the values with the message beside the
// field; on a 390×844 phone the menu is folded behind a button (with and without script); axe
// light and dark. With WRITE_UI_SCREENSHOTS=1 it writes docs/ui/account.png, phone-menu.png and
// form-error.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, newContext, seriousViolations, signIn } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = process.env.WRITE_UI_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'ui') : null;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

describe.runIf(hasChromium)('forms, time zone and phone menu in Chromium (needs Debian chromium; .ci/run installs it)', () => {
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

  async function shot(page: Page, name: string, fullPage = true): Promise<void> {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  }

  /** Clicks and waits for the page the answer leads to. */
  async function submit(page: Page, selector: string): Promise<void> {
    await Promise.all([page.waitForEvent('framenavigated'), page.click(selector)]);
    await page.waitForLoadState('load');
  }

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'UTC' });
    base = server.url;
    await server.domain.users.create({ username: 'rita', password: 'rita-password' });
    await server.domain.users.create({ username: 'sven', password: 'sven-password' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('takes the zone from the browser at sign-in, keeps it on the user, and uses it in a browser elsewhere', async () => {
    const ny = await pageFor('rita', 'rita-password', { timezoneId: 'America/New_York' });
    expect((await server.domain.users.get('rita'))?.timezone).toBe('America/New_York');
    await expect(ny.locator('.zone-line').textContent()).resolves.toBe('Times in America/New_York');
    const paris = await pageFor('rita', 'rita-password', { timezoneId: 'Europe/Paris' });
    await expect(paris.locator('.notice.ok').textContent()).resolves.toContain('this browser is in Europe/Paris');
    await expect(paris.locator('.zone-line').textContent()).resolves.toBe('Times in America/New_York');
    // Changed in Account, in the second browser: the first one follows.
    await paris.goto(`${base}/my/account`);
    await paris.selectOption('#p-zone', 'Europe/Paris');
    await submit(paris, '#prefs ~ form button[type=submit]');
    await expect(paris.locator('.notice.ok').textContent()).resolves.toBe('Preferences saved.');
    await ny.reload();
    await expect(ny.locator('.zone-line').textContent()).resolves.toBe('Times in Europe/Paris');
    await shot(paris, 'account');
  });

  it('keeps a refused form as it was, with the message beside the field and the focus on it; reloads after each POST create nothing', async () => {
    const page = await pageFor('sven', 'sven-password', { timezoneId: 'Asia/Tokyo' });
    const count = async () => (await server.domain.calendars.listForPrincipal('principals/sven')).length;
    const before = await count();
    await page.goto(`${base}/my/calendars`);
    await page.fill('#c-name', '   ');
    await page.fill('#c-desc', 'For the whole team');
    await page.check('input[name=comp_VTODO]');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#new-cal ~ form button[type=submit]')]);
    expect(refused.status()).toBe(400);
    await page.waitForLoadState('load');
    await expect(page.locator('#c-name-error').textContent()).resolves.toBe('Enter a name.');
    expect(await page.locator('#c-desc').inputValue()).toBe('For the whole team');
    expect(await page.locator('input[name=comp_VTODO]').isChecked()).toBe(true);
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('c-name');
    await shot(page, 'form-error');
    // Now a name: 303 to the calendar; reloading it makes no second one.
    await page.fill('#c-name', 'Team');
    await submit(page, '#new-cal ~ form button[type=submit]');
    expect(new URL(page.url()).pathname).toMatch(/^\/my\/calendars\/team-/);
    await page.reload();
    expect(await count()).toBe(before + 1);
    // An app password: the secret on the page after the POST, gone on reload; still one password.
    const sven = (await server.domain.users.get('sven'))!;
    await page.goto(`${base}/my/app-passwords`);
    await page.fill('#t-name', 'Tablet');
    await submit(page, 'form.card.row button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/my/app-passwords');
    expect(await page.locator('#new-secret').inputValue()).toMatch(/^calendula_/);
    await page.reload();
    expect(await page.locator('#new-secret').count()).toBe(0);
    expect((await server.domain.tokens.list(sven.id)).length).toBe(1);
    // An import: the report once; a reload imports nothing again.
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//T//EN', 'BEGIN:VEVENT', 'UID:ui-one', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261210T090000Z', 'SUMMARY:One', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    await page.goto(`${base}/my/import`);
    await page.setInputFiles('#file', { name: 'one.ics', mimeType: 'text/calendar', buffer: Buffer.from(ics) });
    await page.fill('#newname', 'Imported');
    await submit(page, 'form.card button[type=submit]');
    await expect(page.locator('#report').textContent()).resolves.toBe('Stored 1, replaced 0, refused 0.');
    await page.reload();
    expect(await page.locator('#report').count()).toBe(0);
    expect(await count()).toBe(before + 2);
  });

  it('folds the menu behind a button on a phone, with and without script, and shows it open on a wide screen', async () => {
    const phone = await pageFor('rita', 'rita-password', PHONE);
    await phone.goto(`${base}/my/calendars`);
    const menuLink = phone.locator('nav .menu a', { hasText: 'Tasks' });
    expect(await menuLink.isVisible()).toBe(false);
    const header = await phone.locator('header.top').boundingBox();
    expect(header!.height).toBeLessThan(844 * 0.1);
    await phone.click('#menu-fold > summary');
    expect(await menuLink.isVisible()).toBe(true);
    await shot(phone, 'phone-menu', false);
    await phone.keyboard.press('Escape');
    expect(await menuLink.isVisible()).toBe(false);
    // Without script the button still opens it (a <details>).
    const plain = await pageFor('rita', 'rita-password', { ...PHONE, javaScriptEnabled: false });
    await plain.goto(`${base}/my/tasks`);
    const plainLink = plain.locator('nav .menu a', { hasText: 'Calendars' });
    expect(await plainLink.isVisible()).toBe(false);
    await plain.click('#menu-fold > summary');
    expect(await plainLink.isVisible()).toBe(true);
    // A wide screen: the menu is there without a click, and the button is not.
    const wide = await pageFor('rita', 'rita-password', { viewport: { width: 1280, height: 800 }, javaScriptEnabled: false });
    await wide.goto(`${base}/my/calendars`);
    expect(await wide.locator('nav .menu a', { hasText: 'Tasks' }).isVisible()).toBe(true);
    expect(await wide.locator('#menu-fold > summary').isVisible()).toBe(false);
  });

  it('has no serious or critical accessibility violations on the account page, a refused form, the new app password and the phone menu, light and dark', { timeout: 120_000 }, async () => {
    const found: Record<string, string[]> = {};
    const check = async (page: Page, label: string) => {
      const v = await seriousViolations(page);
      if (v.length) found[label] = v.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    };
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await pageFor('sven', 'sven-password', { colorScheme });
      await page.goto(`${base}/my/account`);
      await check(page, `${colorScheme} account`);
      await page.goto(`${base}/my/calendars`);
      await page.fill('#c-name', ' ');
      await submit(page, '#new-cal ~ form button[type=submit]');
      await check(page, `${colorScheme} refused calendar`);
      await page.goto(`${base}/my/app-passwords`);
      await page.fill('#t-name', `Axe ${colorScheme}`);
      await submit(page, 'form.card.row button[type=submit]');
      await check(page, `${colorScheme} new app password`);
      const phone = await pageFor('sven', 'sven-password', { ...PHONE, colorScheme });
      await phone.goto(`${base}/my/import`);
      await phone.click('#menu-fold > summary');
      await check(phone, `${colorScheme} phone menu`);
    }
    expect(found).toEqual({});
  });
});
