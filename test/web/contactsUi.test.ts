// The Contacts pages in Debian's Chromium, as a person uses them: sign in, create a contact with
// the keyboard alone, find it by search, open it, edit it, delete it after the confirmation; an
// import with its report; what CardDAV holds after each step; hostile names stay text; a phone
// screen and axe-core. With WRITE_UI_SCREENSHOTS=1 the run writes the contacts screenshots of
// docs/ui.md into docs/ui/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/calendars.ts';
import { hasChromium, launchBrowser, newContext, seriousViolations, signIn } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SHOTS = process.env.WRITE_UI_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'ui') : null;
const HOSTILE = `<img src=x onerror="window.__xss=1">`;
const crlf = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
/** A 48×48 PNG drawn for this test (a head and shoulders), as a vCard 4 data: URI. */
const AVATAR = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAGH0lEQVR42u3WYYfr6hrG8f39DothGIahlFJCCCGEEGJSj6YeTT2aiqaiHWWoTkUmIusvIiIiX+K8Oy/PRziv95u91z5nd+3tGO4P8ON2X/f1yz//9e+/1fzyBfoCfYG+QF+g/2eQ5WF7OB6uh+fhewiPwEN6/AUg8xXrFfsV5xX3Fe8V/xXxSvCKfCV85eeB9AXGAnOBtcBe4CxwF3gL/AViQbBALggXqAXRgp8CEhgCU2AJbIEjcAWewBcIQSCQglCgBJG4P0hboi8xlphLrCX2EmeJu8Rb4i8RS4Ilckm4RC2JlsRL7giar9BW6CuMFeYKa4W9wlnhrvBW+CvEimCFXBGuUCuiFfGKZMXdQBJNoksMiSmxJLbEkbgST+JLhCSQSEkoUZJIEksSeT/QGm2NvsZYY66x1thrnDXuGm+Nv0asCdbINeEatSZaE69J1vcDbdA26BuMDeYGa4O9wdngbvA2+BvEhmCD3BBuUBuiDfGGZHM/kEJT6ApDYSosha1wFK7CU/gKoQgUUhEqlCJSxIpE3Q+0RduibzG2mFusLfYWZ4u7xdvibxFbgi1yS7hFbYm2xFuS7f1AO7Qd+g5jh7nD2mHvcHa4O7wd/g6xI9ghd4Q71I5oR7wj2d0PFKPF6DFGjBljxdgxTowb48X4MSImiJExYYyKiWLimCS+H2iPtkffY+wx91h77D3OHnePt8ffI/YEe+SecI/aE+2J9yR77pnUB/QDxgHzgHXAPuAccA94B/wD4kBwQB4ID6gD0YH4wP1/WYqRYqZYKXaKk+KmeCl+ikgJUmRKmKJSovTnPNcjxhHziHXEPuIccY94R/wj4khwRB4Jj6gj0ZGf2IfesN6w33DecN/w3vDfEG8Eb8g3wjf+isZ4xj7jnHHPeGf8M+JMcEae+erUf9OSf8G+4FxwL3gX/AviQnBBXn7uyvQrxhXzinXFvuJcca94V/wr4kpwRV4Jr6gr0fXOVza/od3Qbxg3zBvWDfuGc8O94d3wb4gbwQ15I7yhbkQ34hvJ7Q5JPc2YZcwztAw9w8gwM6wMO8PJcDO8DD9DZAQZMiPMUBlRRpyRZKQZp4w/DTTJmebMcuY5Wo6eY+SYOVaOnePkuDlejp8jcoIcmRPmqJwoJ85JctKcU845508AvRRMCqYFs4J5gVagFxgFZoFVYBc4BW6BV+AXiIKgQBaEBaogKogLkoK04FRwLngv+J9AzyUvJZOSacmsZF6ileglRolZYpXYJU6JW+KV+CWiJCiRJWGJKolK4pKkJC05lZxL3ksuJf8l6KniueKlYlIxrZhVzCu0Cr3CqDArrAq7wqlwK7wKv0JUBBWyIqxQFVFFXJFUpBWninPFe8Wl4qPiD4Me4Qme4QUmMIUZzEEDHQwwwQIbHHDBAx8EBCAhBAURxJBACic4wztc4AMy+AOgh5rHmqea55qXmknNtGZWM6/RavQao8assWrsGqfGrfFq/BpRE9TImrBG1UQ1cU1Sk9acas417zWXmo+arOaz5odBDY8NTw3PDS8Nk4Zpw6xh3qA16A1Gg9lgNdgNToPb4DX4DaIhaJANYYNqiBrihqQhbTg1nBveGy4NHw1Zw2fzY6BvLQ8tjy1PLc8tLy2TlmnLrGXeorXoLUaL2WK12C1Oi9vitfgtoiVokS1hi2qJWuKWpCVtObWcW95bLi0fLVnLZ0vZ8gOgjoeOx46njueOl45Jx7Rj1jHv0Dr0DqPD7LA67A6nw+3wOvwO0RF0yI6wQ3VEHXFH0pF2nDrOHe8dl46Pjqzjs6Psfg/0j55vPQ89jz1PPc89Lz2TnmnPrGfeo/XoPUaP2WP12D1Oj9vj9fg9oifokT1hj+qJeuKepCftOfWce957Lj0fPVnPZ0/Z873nN0ED3wYeBh4HngaeB14GJgPTgdnAfEAb0AeMAXPAGrAHnAF3wBvwB8RAMCAHwgE1EA3EA8lAOnAaOA+8D1wGPgaygc+BcuD78NugkW8jDyOPI08jzyMvI5OR6chsZD6ijegjxog5Yo3YI86IO+KN+CNiJBiRI+GIGolG4pFkJB05jZxH3kcuIx8j2cjnSDnyffwV6D88qSQuBapWYQAAAABJRU5ErkJggg==';

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe.runIf(hasChromium)('contacts in Chromium (needs Debian chromium)', { shuffle: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;
  let ctx: BrowserContext;
  let page: Page;

  const shot = async (name: string, p: Page = page) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const actor = async (): Promise<Actor> => {
    const u = await server.domain.users.require('frida');
    return { userId: u.id, username: 'frida', principaluri: u.principalUri };
  };
  const cards = async () => {
    const a = await actor();
    const out = [];
    for await (const b of server.domain.cards.all((await server.domain.addressBooks.get(a, 'frida', 'default'))!)) out.push(...b);
    return out;
  };
  /** Presses Tab until the focused element's text or label is `name` (at most `max` times). */
  const tabTo = async (name: string, max = 40) => {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      const text = (await page.evaluate('(document.activeElement?.textContent ?? "").trim()')) as string;
      if (text === name) return;
    }
    throw new Error(`Tab never reached "${name}"`);
  };

  beforeAll(async () => {
    server = await startTestServer({ APP_TIMEZONE: 'UTC' });
    base = server.url;
    await server.domain.users.create({ username: 'frida', password: 'frida-password' });
    const a = await actor();
    const book = (await server.domain.addressBooks.get(a, 'frida', 'default'))!;
    await server.domain.cards.put(a, book, 'ada.vcf', crlf('BEGIN:VCARD', 'VERSION:4.0', 'UID:ada', 'FN:Ada Lovelace', 'N:Lovelace;Ada;;;', 'EMAIL:ada@example.org', 'TEL:+44 20 7946 0000', 'ORG:Analytical Engines', 'BDAY:18151210', 'ADR;TYPE=home:;;12 St James\'s Square;London;;SW1Y 4JH;United Kingdom', `PHOTO:${AVATAR}`, 'NOTE:Wrote the first program.', 'END:VCARD'));
    await server.domain.cards.put(a, book, 'hostile.vcf', crlf('BEGIN:VCARD', 'VERSION:4.0', 'UID:hostile', `FN:Mallory ${HOSTILE}`, `NOTE:${HOSTILE}`, 'END:VCARD'));
    browser = await launchBrowser();
    ctx = await newContext(browser);
    page = await ctx.newPage();
    await signIn(page, base, 'frida', 'frida-password');
  });
  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.close();
  });

  it('creates a contact with the keyboard alone, finds it by search, edits it and deletes it', async () => {
    await page.click('nav .menu a:text-is("Contacts")');
    await page.waitForURL(/\/my\/contacts$/);
    await expect(page.locator('h1').textContent()).resolves.toBe('Contacts');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await expect(page.locator('main table').textContent()).resolves.toContain(`Mallory ${HOSTILE}`);

    // New contact: Tab to the link, Enter; type the fields, Tab between them; Enter saves.
    await page.locator('main').focus();
    await tabTo('New contact');
    await Promise.all([page.waitForURL(/\/my\/contacts\/new$/), page.keyboard.press('Enter')]);
    await page.locator('#ct-given').focus();
    await page.keyboard.type('Grace');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Hopper');
    await page.keyboard.press('Tab'); // display name: left empty, made from the names
    await page.keyboard.press('Tab');
    await page.keyboard.type('US Navy');
    await page.keyboard.press('Tab');
    await page.keyboard.type('grace@example.org');
    await page.keyboard.press('Tab');
    await page.keyboard.type('+1 202 555 0143');
    await shot('contact-form');
    await Promise.all([page.waitForURL(/\/my\/contacts\/card\/default\/.+\.vcf$/), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Grace Hopper');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Contact saved.');
    const created = (await cards()).find((c) => c.data.includes('FN:Grace Hopper'));
    expect(created?.data).toContain('EMAIL:grace@example.org');
    expect(created?.data).toContain('ORG:US Navy');

    // Search: type into the search box, Enter; the list holds Grace only.
    await page.goto(`${base}/my/contacts`);
    await page.locator('#q').focus();
    await page.keyboard.type('555 0143');
    await Promise.all([page.waitForURL(/q=555/), page.keyboard.press('Enter')]);
    await expect(page.locator('main tbody tr').count()).resolves.toBe(1);
    await expect(page.locator('main tbody').textContent()).resolves.toContain('Grace Hopper');
    await expect(page.locator('#q').inputValue()).resolves.toBe('555 0143');
    await page.locator('main tbody a', { hasText: 'Grace Hopper' }).focus();
    await Promise.all([page.waitForURL(/\.vcf$/), page.keyboard.press('Enter')]);

    // Edit: a new phone, a birthday without a year, a second e-mail in the empty row.
    await page.click('a:text-is("Edit")');
    await page.fill('#ct-phone0', '+1 202 555 0199');
    await page.fill('#ct-email1', 'hopper@navy.example');
    await page.fill('#ct-bday', '--12-09');
    await Promise.all([page.waitForURL(/\.vcf$/), page.click('form.contact-form button[type=submit]')]);
    await expect(page.locator('dl').textContent()).resolves.toContain('hopper@navy.example');
    await expect(page.locator('dl').textContent()).resolves.toContain('--12-09');
    const edited = (await cards()).find((c) => c.uri === created?.uri);
    expect(edited?.data).toContain('TEL:+1 202 555 0199');
    expect(edited?.data).toContain('BDAY:--1209');
    expect(edited?.data).toContain(`UID:${created?.uid}`);

    // Delete: the link leads to a confirmation page; its button deletes.
    await Promise.all([page.waitForURL(/\/delete$/), page.click('a:text-is("Delete")')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Delete “Grace Hopper”?');
    await page.locator('#delete-contact').focus();
    await Promise.all([page.waitForURL(/\/my\/contacts$/), page.keyboard.press('Enter')]);
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Contact “Grace Hopper” deleted.');
    expect((await cards()).some((c) => c.uri === created?.uri)).toBe(false);
    await shot('contacts');
  });

  it('imports a .vcf file and shows the report', async () => {
    await page.goto(`${base}/my/contacts/import`);
    const file = crlf('BEGIN:VCARD', 'VERSION:3.0', 'FN:Katherine Johnson', 'N:Johnson;Katherine;;;', 'EMAIL:kj@example.org', 'END:VCARD') + crlf('BEGIN:VCARD', 'VERSION:4.0', 'UID:no-name', 'EMAIL:x@example.org', 'END:VCARD');
    await page.setInputFiles('#file', { name: 'people.vcf', mimeType: 'text/vcard', buffer: Buffer.from(file) });
    await page.selectOption('#into', 'default');
    await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
    await page.waitForSelector('#report');
    await expect(page.locator('#report').textContent()).resolves.toBe('Stored 1, replaced 0, refused 1.');
    await expect(page.locator('.refused').textContent()).resolves.toContain('no-name');
    await shot('contacts-import');
    expect((await cards()).some((c) => c.data.includes('FN:Katherine Johnson'))).toBe(true);
  });

  it('fits a phone screen and has no serious accessibility violations on the contacts pages', async () => {
    const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await signIn(p, base, 'frida', 'frida-password');
    const paths = ['/my/contacts', '/my/contacts?q=ada', '/my/contacts/new', '/my/contacts/card/default/ada.vcf', '/my/contacts/card/default/ada.vcf/edit', '/my/contacts/card/default/ada.vcf/delete', '/my/contacts/import', '/my/contacts/books', '/my/contacts/books/default'];
    const found: Record<string, string[]> = {};
    for (const path of paths) {
      await p.goto(`${base}${path}`);
      const overflow = (await p.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow, path).toBeLessThanOrEqual(0);
      await page.goto(`${base}${path}`);
      const v = await seriousViolations(page);
      if (v.length) found[path] = v.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    }
    expect(found).toEqual({});
    await page.goto(`${base}/my/contacts/books/default`);
    await shot('address-book');
    // The contact page with its photo (a data: URI the page's CSP allows), shown, not broken.
    await page.goto(`${base}/my/contacts/card/default/ada.vcf`);
    expect(await page.evaluate("document.querySelector('img.photo').naturalWidth")).toBe(48);
    await shot('contact');
    await phone.close();
  });
});
