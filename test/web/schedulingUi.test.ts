// Inviting people from the web UI in Debian's Chromium, as a person does it: the organizer types
// addresses into the event form and sees each attendee with their answer; an invitee (another
// user here) opens the invitation in their calendar and answers; what CalDAV clients read after
// each step; axe-core on the changed pages, light and dark, and on the status page's mail part.
// With WRITE_UI_SCREENSHOTS=1 the run also writes the screenshots of docs/ui.md for these pages into docs/ui/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarQuery, Dav, parseMultistatus } from '../helpers/dav.ts';
import { hasChromium, launchBrowser, newContext, seriousViolations, signIn } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';

const SECRET = 'smtp-password-never-shown';
const SHOTS = process.env.WRITE_UI_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'ui') : null;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe.runIf(hasChromium)('inviting and answering in Chromium (needs Debian chromium; .ci/run installs it)', { shuffle: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;
  let alice: Dav;
  let bob: Dav;
  const contexts: BrowserContext[] = [];

  async function pageFor(username: string, password: string, opts: Parameters<typeof newContext>[1] = {}): Promise<Page> {
    const ctx = await newContext(browser, opts);
    contexts.push(ctx);
    const page = await ctx.newPage();
    await signIn(page, base, username, password);
    return page;
  }

  async function submit(page: Page, target: string | Locator): Promise<void> {
    const button = typeof target === 'string' ? page.locator(target) : target;
    await Promise.all([page.waitForEvent('framenavigated'), button.click()]);
    await page.waitForLoadState('load');
  }

  /** The text of the one object in the user's default calendar whose SUMMARY holds `summary`, over CalDAV. */
  async function stored(dav: Dav, summary: string): Promise<{ path: string; text: string }> {
    const filter = `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match>${summary}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`;
    const hrefs = [...parseMultistatus((await dav.report(`/dav/calendars/${dav.username}/default/`, calendarQuery(filter))).text).members.keys()];
    expect(hrefs).toHaveLength(1);
    const got = await dav.request('GET', hrefs[0]!);
    return { path: hrefs[0]!, text: got.text.replace(/\r\n[ \t]/g, '') };
  }

  const attendeeRow = (page: Page, email: string) => page.locator('table.attendees tbody tr', { hasText: email });

  beforeAll(async () => {
    // No mail worker: the test records the mails' fates itself (markFailed), and a worker trying
    // smtp.example.org meanwhile could set a mail back to waiting between that step and its check.
    server = await startTestServer({ APP_TIMEZONE: 'UTC', SMTP_URL: `smtp://calendula:${SECRET}@smtp.example.org:587`, MAIL_FROM: 'calendar@example.org', SYNC_WORKER: 'false' });
    base = server.url;
    await server.domain.users.create({ username: 'alice', password: 'alice-password', email: 'alice@example.org', displayName: 'Alice Liddell' });
    await server.domain.users.create({ username: 'bob', password: 'bob-password', email: 'bob@example.org', displayName: 'Bob' });
    alice = new Dav(base, 'alice', 'alice-password');
    bob = new Dav(base, 'bob', 'bob-password');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('creates an event with attendees: the user becomes the organizer, each attendee is listed with their answer, CalDAV reads the same', async () => {
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}/my/events/new?date=2099-03-02`);
    await page.fill('#ev-summary', 'Design review');
    await page.fill('#ev-st', '14:00');
    await page.fill('#ev-et', '15:00');
    await expect(page.locator('#ev-att-hint').textContent()).resolves.toContain('You invite as the organizer (alice@example.org)');
    await page.fill('#ev-att', 'bob@example.org\ncarol@example.net');
    await submit(page, 'form.event-form button[type=submit]');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Event saved.');
    const text = (await stored(alice, 'Design review')).text;
    expect(text).toContain('ORGANIZER;CN=Alice Liddell:mailto:alice@example.org');
    expect(text).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:bob@example\.org/);
    expect(text).toMatch(/ATTENDEE;[^\r\n]*:mailto:carol@example\.net/);
    // Open it from the agenda, as a person does, and read the answers.
    await page.goto(`${base}/my/view?mode=agenda&date=2099-03-01`);
    await submit(page, page.locator('.agenda .event', { hasText: 'Design review' }));
    // The event page lists the answers; its Edit leads to the form with the field.
    await expect(page.locator('h1').textContent()).resolves.toBe('Design review');
    await expect(attendeeRow(page, 'bob@example.org').textContent()).resolves.toMatch(/No answer yet.*In their calendar here/s);
    await submit(page, '#ev-edit');
    await expect(page.locator('h1').textContent()).resolves.toBe('Edit event');
    expect(await page.locator('#ev-att').inputValue()).toBe('bob@example.org\ncarol@example.net');
    await expect(attendeeRow(page, 'bob@example.org').textContent()).resolves.toMatch(/No answer yet.*In their calendar here/s);
    await expect(attendeeRow(page, 'carol@example.net').textContent()).resolves.toMatch(/No answer yet.*Handed to the mail queue/s);
  });

  it('shows a bad address beside the field and keeps what was typed', async () => {
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}/my/events/new?date=2099-03-03`);
    await page.fill('#ev-summary', 'Typo');
    await page.fill('#ev-att', 'bob@example.org\nbob at example dot org');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form.event-form button[type=submit]')]);
    expect(res.status()).toBe(400);
    await page.waitForLoadState('load');
    await expect(page.locator('#ev-att-error').textContent()).resolves.toContain('“bob” is not an e-mail address.');
    await expect(page.locator('#ev-att').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await page.locator('#ev-att').inputValue()).toBe('bob@example.org\nbob at example dot org');
    expect(await page.locator('#ev-summary').inputValue()).toBe('Typo');
  });

  it('lets the invitee answer from their own calendar; the organizer sees the answer, CalDAV has it in both copies', async () => {
    const page = await pageFor('bob', 'bob-password');
    await page.goto(`${base}/my/view?mode=agenda&date=2099-03-01`);
    await submit(page, page.locator('.agenda .event', { hasText: 'Design review' }));
    const answer = page.locator('section[aria-labelledby=own-answer]');
    await expect(answer.locator('h2').textContent()).resolves.toBe('Your answer');
    await expect(answer.textContent()).resolves.toContain('Organizer: alice@example.org (Alice Liddell)');
    await expect(answer.textContent()).resolves.toContain('Your answer so far: No answer yet.');
    expect(await page.locator('#ev-att').count()).toBe(0);
    await answer.getByLabel('Accept').check();
    await submit(page, answer.locator('button[type=submit]'));
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Your answer is saved: Accepted.');
    await expect(page.locator('section[aria-labelledby=own-answer]').textContent()).resolves.toContain('Your answer so far: Accepted.');
    expect(await page.locator('section[aria-labelledby=own-answer] input[value=ACCEPTED]').isChecked()).toBe(true);
    expect((await stored(bob, 'Design review')).text).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*:mailto:bob@example\.org/);
    expect((await stored(alice, 'Design review')).text).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*:mailto:bob@example\.org/);
    // Changing one's mind: Maybe.
    await page.locator('section[aria-labelledby=own-answer]').getByLabel('Maybe').check();
    await submit(page, 'section[aria-labelledby=own-answer] button[type=submit]');
    expect((await stored(alice, 'Design review')).text).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=TENTATIVE[^\r\n]*:mailto:bob@example\.org/);
    const organizer = await pageFor('alice', 'alice-password');
    await organizer.goto(`${base}${(await stored(alice, 'Design review')).path.replace('/dav/calendars/alice/', '/my/events/')}`);
    await expect(attendeeRow(organizer, 'bob@example.org').textContent()).resolves.toContain('Maybe');
    await page.goto(page.url());
    await shot(page, 'event-answer');
  });

  it('shows a failed mail beside its attendee, and the mail settings and queue on the status page without the password', async () => {
    const failed = (await server.domain.mailOutbox.recent(20)).find((m) => m.recipient === 'carol@example.net');
    expect(failed).toBeDefined();
    await server.domain.mailOutbox.markFailed(failed!.id, '550 5.1.1 User unknown');
    const page = await pageFor('alice', 'alice-password');
    await page.goto(`${base}${(await stored(alice, 'Design review')).path.replace('/dav/calendars/alice/', '/my/events/')}`);
    await expect(attendeeRow(page, 'carol@example.net').textContent()).resolves.toMatch(/was not delivered: 550 5\.1\.1 User unknown/);
    await shot(page, 'event-attendees');
    const admin = await pageFor('admin', ADMIN_PASSWORD);
    await admin.goto(`${base}/admin/status`);
    const mail = admin.locator('section[aria-labelledby=mail]');
    await expect(mail.textContent()).resolves.toContain('smtp.example.org:587');
    await expect(mail.textContent()).resolves.toContain('calendar@example.org');
    await expect(mail.locator('table', { hasText: 'User unknown' }).count()).resolves.toBe(1);
    expect(await admin.content()).not.toContain(SECRET);
    await shot(admin, 'admin-status-mail');
  });

  // axe-core checks each page twice (light and dark): a wait on two loaded cores, not an assertion.
  it('has no serious or critical accessibility violations (axe-core) on the changed pages, light or dark', { timeout: 180_000 }, async () => {
    const organizerPath = (await stored(alice, 'Design review')).path.replace('/dav/calendars/alice/', '/my/events/');
    const inviteePath = (await stored(bob, 'Design review')).path.replace('/dav/calendars/bob/', '/my/events/');
    const found: Record<string, string[]> = {};
    const record = async (page: Page, name: string) => {
      const v = await seriousViolations(page);
      if (v.length) found[name] = v.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    };
    for (const colorScheme of ['light', 'dark'] as const) {
      const a = await pageFor('alice', 'alice-password', { colorScheme });
      const b = await pageFor('bob', 'bob-password', { colorScheme });
      const admin = await pageFor('admin', ADMIN_PASSWORD, { colorScheme });
      await a.goto(`${base}/my/events/new`);
      await record(a, `${colorScheme} new event`);
      await a.goto(`${base}${organizerPath}`);
      await record(a, `${colorScheme} organizer's event`);
      await b.goto(`${base}${inviteePath}`);
      await record(b, `${colorScheme} invitee's event`);
      await admin.goto(`${base}/admin/status`);
      await record(admin, `${colorScheme} status`);
      // The form again with a field error.
      await a.goto(`${base}/my/events/new?date=2099-03-04`);
      await a.fill('#ev-summary', 'Bad');
      await a.fill('#ev-att', 'nope');
      await Promise.all([a.waitForResponse((r) => r.request().method() === 'POST'), a.click('form.event-form button[type=submit]')]);
      await a.waitForLoadState('load');
      await record(a, `${colorScheme} field error`);
    }
    expect(found).toEqual({});
  });
});
