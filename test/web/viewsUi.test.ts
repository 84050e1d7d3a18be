// The calendar views in Debian's Chromium, as a person uses them: through the week grid with the
// keyboard alone (Tab to the grid, arrows between hours and days, Enter creates there), a click on
// an empty slot or day opens the new-event form at that place, a calendar hidden from the panel,
// a phone that opens on the agenda and shows every time, and axe-core in light and dark. With
// WRITE_UI_SCREENSHOTS=1 the run writes the views' screenshots of docs/ui.md into docs/ui/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { hasChromium, launchBrowser, newContext, seriousViolations, signIn } from '../helpers/browser.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = process.env.WRITE_UI_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'ui') : null;

function ics(uid: string, lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261201T000000Z', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

describe.runIf(hasChromium)('calendar views in Chromium (needs Debian chromium)', { shuffle: false }, () => {
  // Wednesday 9 December 2026, 10:30 in Berlin.
  const clock = new ManualClock(new Date('2026-12-09T09:30:00Z'));
  let server: TestServer;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];
  /** A desktop screen, light, signed in once for the cases that need nothing else. */
  let page: Page;

  const pageFor = async (opts: Parameters<typeof newContext>[1] = {}): Promise<Page> => {
    // The browser's zone is the user's at the first sign-in (Account keeps it): Berlin, as the server's.
    const ctx = await newContext(browser, { viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Berlin', ...opts });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await signIn(page, base, 'hana', 'hana-password');
    return page;
  };
  const shot = async (page: Page, name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const put = async (cal: string, uid: string, lines: string[]) => {
    const res = await fetch(`${base}/dav/calendars/hana/${cal}/${uid}.ics`, { method: 'PUT', body: ics(uid, lines), headers: { authorization: basic('hana', 'hana-password'), 'content-type': 'text/calendar' } });
    expect(res.status).toBe(201);
  };
  const focused = (page: Page) => page.evaluate('({ cls: document.activeElement?.className ?? "", x: document.activeElement?.dataset?.x, y: document.activeElement?.dataset?.y, text: document.activeElement?.textContent ?? "" })') as Promise<{ cls: string; x?: string; y?: string; text: string }>;

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'Europe/Berlin' }, { clock });
    base = server.url;
    await server.domain.users.create({ username: 'hana', password: 'hana-password' });
    await server.domain.calendars.createFor('principals/hana', { uri: 'family', displayname: 'Family', color: '#2E7D32', components: ['VEVENT'] });
    await put('default', 'call', ['DTSTART:20261208T080000Z', 'DTEND:20261208T090000Z', 'SUMMARY:Call with the Lisbon office', 'LOCATION:Room 4']);
    await put('default', 'standup', ['DTSTART:20261208T080000Z', 'DTEND:20261208T083000Z', 'SUMMARY:Standup']);
    await put('default', 'review', ['DTSTART:20261208T081500Z', 'DTEND:20261208T084500Z', 'SUMMARY:Design review']);
    await put('default', 'late', ['DTSTART:20261209T210000Z', 'DTEND:20261210T010000Z', 'SUMMARY:Late show']);
    await put('default', 'conf', ['DTSTART;VALUE=DATE:20261210', 'DTEND;VALUE=DATE:20261213', 'SUMMARY:Conference on calendaring and scheduling']);
    await put('default', 'yoga', ['DTSTART:20261207T170000Z', 'DTEND:20261207T180000Z', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Yoga']);
    await put('default', 'lunch', ['DTSTART:20261209T110000Z', 'DTEND:20261209T120000Z', 'SUMMARY:Lunch with Ana']);
    for (let i = 0; i < 5; i++) await put('default', `busy${i}`, [`DTSTART:20261216T${String(8 + i).padStart(2, '0')}0000Z`, `DTEND:20261216T${String(9 + i).padStart(2, '0')}0000Z`, `SUMMARY:Interview ${i + 1}`]);
    await put('family', 'dinner', ['DTSTART:20261211T180000Z', 'DTEND:20261211T200000Z', 'SUMMARY:Family dinner']);
    await put('family', 'trip', ['DTSTART;VALUE=DATE:20261219', 'DTEND;VALUE=DATE:20261224', 'SUMMARY:Trip to the mountains']);
    browser = await launchBrowser();
    page = await pageFor();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('goes through the week grid with the keyboard: Tab to the grid, arrows between hours and days, Enter creates there', async () => {
    await page.goto(`${base}/my/view?mode=week&date=2026-12-08`);
    expect(await page.locator('.tgrid .block', { hasText: 'Standup' }).isVisible()).toBe(true);
    await shot(page, 'week');
    // From the "New event" button, Tab reaches the grid's one tabbable slot: today (Wednesday) at 09:00.
    await page.focus('.view-nav a.button:not(.secondary)');
    let at = await focused(page);
    for (let i = 0; i < 40 && !(at.cls.includes('slot') && !at.cls.includes('band-slot')); i++) {
      await page.keyboard.press('Tab');
      at = await focused(page);
    }
    expect(at).toMatchObject({ x: '2', y: '9' });
    expect(at.text).toBe('New event on Wednesday, December 9, 2026 at 9:00 AM');
    // The focus is visible.
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toMatchObject({ x: '3', y: '11' });
    // One slot in the Tab order at a time: Tab leaves the slots for the events after them.
    await page.keyboard.press('Tab');
    expect((await focused(page)).cls).toContain('event');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ x: '3', y: '11' });
    await Promise.all([page.waitForURL(/\/my\/events\/new\?/), page.keyboard.press('Enter')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('date')).toBe('2026-12-10');
    expect(url.searchParams.get('time')).toBe('11:00');
    expect(await page.locator('#ev-sd').inputValue()).toBe('2026-12-10');
  });

  it('opens an event with Enter from the grid, an occurrence of a series with its occurrence', async () => {
    await page.goto(`${base}/my/view?mode=week&date=2026-12-08`);
    await page.locator('.tgrid .event', { hasText: 'Yoga' }).focus();
    await Promise.all([page.waitForURL(/\/my\/events\/default\/yoga\.ics/), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).searchParams.get('occurrence')).toBe('20261207T170000Z');
  });

  it('creates at an empty slot or day with a click, without script too', async () => {
    const noScript = await pageFor({ javaScriptEnabled: false });
    for (const p of [page, noScript]) {
      await p.goto(`${base}/my/view?mode=week&date=2026-12-08`);
      const slot = p.locator('.tg-col a.slot[data-x="0"][data-y="14"]');
      await slot.scrollIntoViewIfNeeded();
      await Promise.all([p.waitForURL(/\/my\/events\/new\?/), slot.click({ position: { x: 20, y: 10 } })]);
      expect(new URL(p.url()).search).toBe('?date=2026-12-07&time=14:00');
      expect(await p.locator('#ev-sd').inputValue()).toBe('2026-12-07');
    }
    // A month day, clicked below its events, makes an all-day event on it.
    await page.goto(`${base}/my/view?mode=month&date=2026-12-01`);
    await Promise.all([page.waitForURL(/\/my\/events\/new\?/), page.locator('a.mday', { hasText: 'Tuesday, December 22, 2026' }).click({ position: { x: 60, y: 70 } })]);
    expect(new URL(page.url()).search).toBe('?date=2026-12-22&allDay=on');
    expect(await page.locator('#ev-sd').inputValue()).toBe('2026-12-22');
  });

  it('draws the month with bars and "+N more", the day view, and hides a calendar from the panel', async () => {
    await page.goto(`${base}/my/view?mode=month&date=2026-12-01`);
    // One bar for the conference over three days, wider than one day.
    const conf = page.locator('.month .bar', { hasText: 'Conference' });
    expect(await conf.count()).toBe(1);
    const day = await page.locator('a.mday.c3').first().boundingBox();
    expect((await conf.boundingBox())!.width).toBeGreaterThan(2.5 * day!.width);
    // Every week row has the same height, the busy day too.
    const heights = await page.locator('.mweek').evaluateAll((rows) => rows.map((r) => r.clientHeight));
    expect(new Set(heights).size).toBe(1);
    await expect(page.locator('.month .more').textContent()).resolves.toContain('+2 more');
    await shot(page, 'month');
    await Promise.all([page.waitForURL(/mode=day&date=2026-12-16/), page.locator('.month .more').click()]);
    expect(await page.locator('.tgrid .block').count()).toBe(5);
    await shot(page, 'day');
    // Hide "Family" with the keyboard: its events leave the views, the panel says so; show it again.
    await page.goto(`${base}/my/view?mode=week&date=2026-12-08`);
    expect(await page.locator('.tgrid .event', { hasText: 'Family dinner' }).count()).toBe(1);
    await page.locator('.cal-toggle', { hasText: 'Family' }).focus();
    // The answer is the same address as the page (303 back): wait for the navigation itself.
    await Promise.all([page.waitForEvent('framenavigated'), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    expect(await page.locator('.tgrid .event', { hasText: 'Family dinner' }).count()).toBe(0);
    await expect(page.locator('.cal-toggle', { hasText: 'Family' }).getAttribute('aria-pressed')).resolves.toBe('false');
    await Promise.all([page.waitForEvent('framenavigated'), page.locator('.cal-toggle', { hasText: 'Family' }).click()]);
    await page.waitForLoadState('load');
    expect(await page.locator('.tgrid .event', { hasText: 'Family dinner' }).count()).toBe(1);
  });

  it('opens on the agenda on a phone and shows the times everywhere, without sideways scrolling', async () => {
    const phone = await pageFor({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(`${base}/my/view?date=2026-12-08`);
    await phone.waitForURL(/mode=agenda/);
    const call = phone.locator('.agenda .event', { hasText: 'Call with the Lisbon office' });
    expect(await call.locator('.time').isVisible()).toBe(true);
    await expect(call.locator('.time').textContent()).resolves.toBe('9:00 AM – 10:00 AM');
    await shot(phone, 'phone-agenda');
    for (const path of ['/my/view?mode=agenda&date=2026-12-08', '/my/view?mode=week&date=2026-12-08', '/my/view?mode=day&date=2026-12-08', '/my/view?mode=month&date=2026-12-01']) {
      await phone.goto(`${base}${path}`);
      const overflow = (await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    // Asked for, the week stays the week; its blocks show their times.
    await phone.goto(`${base}/my/view?mode=week&date=2026-12-08`);
    expect(await phone.locator('.tgrid .block', { hasText: 'Call' }).locator('.time').isVisible()).toBe(true);
    expect(new URL(phone.url()).searchParams.get('mode')).toBe('week');
  });

  it('has no serious or critical accessibility violations (axe-core) in any view, light or dark', { timeout: 120_000 }, async () => {
    const dark = await pageFor({ colorScheme: 'dark' });
    const found: Record<string, string[]> = {};
    const all = ['/my/view?mode=day&date=2026-12-08', '/my/view?mode=week&date=2026-12-08', '/my/view?mode=month&date=2026-12-01', '/my/view?mode=agenda&date=2026-12-08'];
    // The day view is the week's markup with one column: dark mode is checked on the other three.
    for (const [name, p, paths] of [['light', page, all], ['dark', dark, all.slice(1)]] as const) {
      for (const path of paths) {
        await p.goto(`${base}${path}`);
        const v = await seriousViolations(p);
        if (v.length) found[`${name} ${path}`] = v.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
        if (name === 'light' && path.includes('agenda')) await shot(p, 'agenda');
      }
    }
    expect(found).toEqual({});
  });
});
