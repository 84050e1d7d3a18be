// The answer page in Debian's Chromium, as an invited person elsewhere uses it from the link in
// their mail: no account, the event shown, an answer chosen with the keyboard alone and sent with
// a comment, the organizer's copy (over CalDAV) following; a refused link says why; axe-core finds
// no serious or critical violation, light or dark.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, newContext, seriousViolations } from '../helpers/browser.ts';
import { basic, startTestServer, type TestServer } from '../helpers/server.ts';
import { calendar, event } from '../fixtures/ical.ts';

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

describe.runIf(hasChromium)('the answer page in Chromium (needs Debian chromium; .ci/run installs it)', () => {
  let server: TestServer;
  let browser: Browser;
  let link: string;
  const contexts: BrowserContext[] = [];
  const ANN = basic('ann', 'ann-password');

  async function open(path: string, opts: Parameters<typeof newContext>[1] = {}): Promise<Page> {
    const ctx = await newContext(browser, opts);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${server.url}${path}`);
    return page;
  }
  const organizerCopy = async () => unfold(await (await fetch(`${server.url}/dav/calendars/ann/default/walk.ics`, { headers: { authorization: ANN } })).text());

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'UTC', SYNC_WORKER: 'false' });
    await server.domain.users.create({ username: 'ann', password: 'ann-password', email: 'ann@example.org', displayName: 'Ann' });
    const ics = calendar(
      event('walk-1', [
        'DTSTART;TZID=Europe/Berlin:20370310T100000',
        'DTEND;TZID=Europe/Berlin:20370310T113000',
        'SUMMARY:Walk in the park',
        'LOCATION:Main gate',
        'ORGANIZER;CN=Ann:mailto:ann@example.org',
        'ATTENDEE;CN=Bea;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bea@example.net',
      ]),
      {
        timezones: [
          ['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:STANDARD', 'DTSTART:19701025T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD', 'BEGIN:DAYLIGHT', 'DTSTART:19700329T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'END:VTIMEZONE'],
        ],
      },
    );
    const put = await fetch(`${server.url}/dav/calendars/ann/default/walk.ics`, { method: 'PUT', headers: { authorization: ANN, 'content-type': 'text/calendar' }, body: ics });
    expect(put.status).toBe(201);
    const url = await server.domain.answerLinks.urlFor('principals/ann', 'walk-1', 'bea@example.net');
    link = `/answer/${url!.split('/answer/')[1]}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('shows the event in its own zone and in UTC, and takes an answer chosen with the keyboard alone', async () => {
    const page = await open(link);
    await expect(page.locator('h1').textContent()).resolves.toBe('Invitation: Walk in the park');
    const when = await page.locator('dd').first().innerText();
    expect(when).toContain('(Europe/Berlin)');
    expect(when).toContain('10:00 AM – 11:30 AM (Europe/Berlin)');
    expect(when).toContain('9:00 AM – 10:30 AM (UTC)');
    expect(when).toContain('(UTC)');
    // Tab to the first answer, arrow to "Maybe", tab to the comment, type, tab to the button, Enter.
    await page.locator('input[name=partstat][value=ACCEPTED]').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('input[name=partstat][value=TENTATIVE]').isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.type('I may be late');
    await page.keyboard.press('Tab');
    await Promise.all([page.waitForEvent('framenavigated'), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    await expect(page.locator('.notice.ok').textContent()).resolves.toContain('Your answer “Maybe” was recorded');
    const copy = await organizerCopy();
    expect(copy).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=TENTATIVE[^\r\n]*:mailto:bea@example\.net/);
    expect(copy).toContain('I may be late');
  });

  it('a link cut short shows why it is refused', async () => {
    const page = await open(link.slice(0, -4));
    await expect(page.locator('h1').textContent()).resolves.toBe('This answer link cannot be used');
    await expect(page.locator('.notice.error').textContent()).resolves.toContain('not valid');
  });

  it('has no serious or critical accessibility violations (axe-core), light or dark, answered or refused', { timeout: 120_000 }, async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const path of [link, link.slice(0, -4)]) {
        const page = await open(path, { colorScheme });
        const v = await seriousViolations(page);
        expect(v.map((x) => `${colorScheme} ${path.slice(0, 20)}: ${x.id} ${x.help} ${x.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    }
  });
});
