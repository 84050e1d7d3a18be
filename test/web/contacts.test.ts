// The web face's contacts over raw HTTP, as a browser sends them: every change needs the CSRF
// token; hostile names are shown as text; the search finds contacts by name, e-mail and phone on
// the server; an edit keeps what the form does not show; the vCard import reports each card;
// export, address-book settings, and the CardDAV payload of the Apple profile.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/calendars.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

const HOSTILE = `<img src=x onerror="window.__xss=1">"'&`;
const crlf = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const card = (uid: string, fn: string, ...extra: string[]) => crlf('BEGIN:VCARD', 'VERSION:4.0', `UID:${uid}`, `FN:${fn}`, ...extra, 'END:VCARD');

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('contacts in the web UI over raw HTTP', { shuffle: false }, () => {
  const server = useTestServer();
  server.user('dora');
  server.user('eve');

  const actor = async (username: string): Promise<Actor> => {
    const u = await server.domain.users.require(username);
    return { userId: u.id, username, principaluri: u.principalUri };
  };
  const book = async (username: string, uri = 'default') => (await server.domain.addressBooks.get(await actor(username), username, uri))!;
  const allCards = async (username: string, uri = 'default') => {
    const out = [];
    for await (const b of server.domain.cards.all(await book(username, uri))) out.push(...b);
    return out;
  };

  const session = async (username = 'dora') => {
    const cookie = await webSignIn(server.url, username, `${username}-password`);
    return { cookie, csrf: await webCsrf(server.url, cookie) };
  };
  const get = async (cookie: string, path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, headers: res.headers, page: await res.text() };
  };
  const post = async (cookie: string, path: string, form: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), page: await res.text() };
  };

  it('refuses to create a contact without the CSRF token or from another site, and stores nothing', async () => {
    const { cookie, csrf } = await session();
    const before = (await allCards('dora')).length;
    expect((await post(cookie, '/my/contacts', { book: 'default', givenName: 'Forged', email0: '' })).status).toBe(403);
    expect((await post(cookie, '/my/contacts', { _csrf: 'not-the-token', book: 'default', givenName: 'Forged' })).status).toBe(403);
    const foreign = await fetch(`${server.url}/my/contacts`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ _csrf: csrf, book: 'default', givenName: 'Forged' }),
    });
    expect(foreign.status).toBe(403);
    const del = await server.domain.cards.put(await actor('dora'), await book('dora'), 'keep.vcf', card('keep', 'Keep me'));
    expect((await post(cookie, '/my/contacts/card/default/keep.vcf/delete', { etag: del.etag })).status).toBe(403);
    expect((await allCards('dora')).length).toBe(before + 1);
    await server.domain.cards.delete(await actor('dora'), await book('dora'), 'keep.vcf');
  });

  it('creates a contact from the form as a vCard 4.0 and shows hostile names only as text', async () => {
    const { cookie, csrf } = await session();
    const res = await post(cookie, '/my/contacts', {
      _csrf: csrf,
      book: 'default',
      givenName: `Mallory ${HOSTILE}`,
      familyName: 'Smith',
      organization: `Evil ${HOSTILE}`,
      email0: 'mallory@example.org',
      phone0: '+49 30 1234-567',
      adr0_street: 'Main St 1',
      adr0_locality: 'Berlin',
      adr0_region: '',
      adr0_postalCode: '10115',
      adr0_country: 'Germany',
      birthday: '--02-29',
      note: `Likes <script>alert(1)</script>\nand commas, too`,
    });
    expect(res.status).toBe(303);
    const [stored] = (await allCards('dora')).filter((c) => c.data.includes('Mallory'));
    expect(stored?.data).toMatch(/^BEGIN:VCARD\r\nVERSION:4.0\r\n/);
    expect(stored?.data).toContain('BDAY:--0229\r\n');
    expect(stored?.data).toContain('EMAIL:mallory@example.org\r\n');
    expect(res.location).toBe(`/my/contacts/card/default/${encodeURIComponent(stored!.uri)}`);
    for (const path of [res.location!, '/my/contacts', `${res.location}/edit`, `${res.location}/delete`]) {
      const { status, page } = await get(cookie, path);
      expect(status, path).toBe(200);
      expect(page, path).not.toContain('<img src=x');
      expect(page, path).not.toContain('<script>alert');
      expect(page, path).toContain('&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;&quot;&#39;&amp;');
    }
    const view = await get(cookie, res.location!);
    expect(view.page).toContain('mallory@example.org');
    expect(view.page).toContain('--02-29');
    expect(view.headers.get('content-security-policy')).toContain("img-src 'self' data:;");
  });

  it('refuses a form without a name or with a wrong birthday (400, the form again), and stores nothing', async () => {
    const { cookie, csrf } = await session();
    const before = (await allCards('dora')).length;
    const none = await post(cookie, '/my/contacts', { _csrf: csrf, book: 'default', givenName: ' ', email0: '' });
    expect(none.status).toBe(400);
    expect(none.page).toContain('Enter a name');
    const bday = await post(cookie, '/my/contacts', { _csrf: csrf, book: 'default', givenName: 'Bad', birthday: '2026-02-30' });
    expect(bday.status).toBe(400);
    expect(bday.page).toContain('YYYY-MM-DD');
    expect(bday.page).toContain('value="Bad"');
    expect((await allCards('dora')).length).toBe(before);
  });

  it('searches on the server by name (accents and case ignored), e-mail and phone digits', async () => {
    const eve = await actor('eve');
    const b = await book('eve');
    await server.domain.cards.put(eve, b, 'elodie.vcf', card('elodie', 'Élodie Martin', 'EMAIL:elodie@example.fr', 'TEL;VALUE=uri:tel:+33-1-23-45-67-89'));
    await server.domain.cards.put(eve, b, 'bruno.vcf', card('bruno', 'Bruno Keller', 'EMAIL;TYPE=work:bk@keller.example', 'TEL:+49 (30) 555 0100', 'ORG:Keller GmbH'));
    await server.domain.cards.put(eve, b, 'chen.vcf', crlf('BEGIN:VCARD', 'VERSION:3.0', 'UID:chen', 'FN:Chen Wei', 'N:Chen;Wei;;;', 'TEL;TYPE=CELL:090-1234-5678', 'END:VCARD'));
    const { cookie } = await session('eve');
    const names = async (q: string) => {
      const { page } = await get(cookie, `/my/contacts?q=${encodeURIComponent(q)}`);
      return [...page.matchAll(/<a href="\/my\/contacts\/card\/default\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    };
    expect(await names('')).toEqual(['Bruno Keller', 'Chen Wei', 'Élodie Martin']);
    expect(await names('elodie')).toEqual(['Élodie Martin']);
    expect(await names('MARTIN élo')).toEqual(['Élodie Martin']);
    expect(await names('keller.example')).toEqual(['Bruno Keller']);
    expect(await names('gmbh')).toEqual(['Bruno Keller']);
    expect(await names('30 555 01')).toEqual(['Bruno Keller']);
    expect(await names('090 1234')).toEqual(['Chen Wei']);
    expect(await names('+33 1 23')).toEqual(['Élodie Martin']);
    expect(await names('nobody')).toEqual([]);
    // Another user's contacts are never listed, found or opened.
    const dora = await session('dora');
    expect((await get(dora.cookie, '/my/contacts?q=keller')).page).not.toContain('Bruno');
    expect((await get(dora.cookie, '/my/contacts/card/default/bruno.vcf')).status).toBe(404);
  });

  it('edits a card written by another client and keeps every line the form does not show; a stale form gets 409', async () => {
    const dora = await actor('dora');
    const b = await book('dora');
    const apple = crlf(
      'BEGIN:VCARD',
      'VERSION:3.0',
      'PRODID:-//Apple Inc.//iPhone OS 17.0//EN',
      'N:Appleseed;Johnny;;;',
      'FN:Johnny Appleseed',
      'item1.EMAIL;type=INTERNET;type=pref:johnny@example.com',
      'item1.X-ABLabel:_$!<Other>!$_',
      'TEL;type=CELL;type=VOICE;type=pref:+1 555 0100',
      'PHOTO;VALUE=uri:https://photos.example.org/johnny.png',
      'X-SOCIALPROFILE;type=twitter:https://twitter.com/johnny',
      'CATEGORIES:friends,work',
      'UID:apple-johnny',
      'END:VCARD',
    );
    const { etag } = await server.domain.cards.put(dora, b, 'apple-johnny.vcf', apple);
    const { cookie, csrf } = await session();
    const form = await get(cookie, '/my/contacts/card/default/apple-johnny.vcf/edit');
    expect(form.page).toContain('value="johnny@example.com"');
    expect(form.page).toContain(`name="etag" value="${etag.replace(/"/g, '&quot;')}"`);
    // The page shows the photo from its URL (the browser loads it; the CSP names that origin).
    const view = await get(cookie, '/my/contacts/card/default/apple-johnny.vcf');
    expect(view.page).toContain('src="https://photos.example.org/johnny.png"');
    expect(view.page).toContain('referrerpolicy="no-referrer"');
    expect(view.headers.get('content-security-policy')).toContain("img-src 'self' data: https://photos.example.org;");
    const fields = { _csrf: csrf, etag, formattedName: 'Johnny Appleseed', givenName: 'Johnny', familyName: 'Appleseed', organization: 'Orchard Inc.', email0: 'johnny@example.com', email1: 'johnny@orchard.example', phone0: '+1 555 0199', phone1: '', adr0_street: '', adr0_locality: '', adr0_region: '', adr0_postalCode: '', adr0_country: '', birthday: '1970-01-02', note: '' };
    const saved = await post(cookie, '/my/contacts/card/default/apple-johnny.vcf', fields);
    expect(saved.status).toBe(303);
    const now = (await server.domain.cards.get(b, 'apple-johnny.vcf'))!;
    const lines = now.data.split('\r\n');
    for (const kept of ['VERSION:3.0', 'PRODID:-//Apple Inc.//iPhone OS 17.0//EN', 'N:Appleseed;Johnny;;;', 'FN:Johnny Appleseed', 'item1.EMAIL;type=INTERNET;type=pref:johnny@example.com', 'item1.X-ABLabel:_$!<Other>!$_', 'PHOTO;VALUE=uri:https://photos.example.org/johnny.png', 'X-SOCIALPROFILE;type=twitter:https://twitter.com/johnny', 'CATEGORIES:friends,work', 'UID:apple-johnny'])
      expect(lines, kept).toContain(kept);
    expect(lines).toContain('ORG:Orchard Inc.');
    expect(lines).toContain('EMAIL:johnny@orchard.example');
    expect(lines).toContain('BDAY:1970-01-02');
    expect(lines.find((l) => l.startsWith('TEL'))).toMatch(/:\+1 555 0199$/);
    // The form was made from the first version: saving it again is refused, nothing changes.
    const stale = await post(cookie, '/my/contacts/card/default/apple-johnny.vcf', { ...fields, organization: 'Stale' });
    expect(stale.status).toBe(409);
    expect((await server.domain.cards.get(b, 'apple-johnny.vcf'))!.data).toBe(now.data);
  });

  it('shows a data: photo, but never a javascript: or other photo', async () => {
    const dora = await actor('dora');
    const b = await book('dora');
    await server.domain.cards.put(dora, b, 'pic.vcf', card('pic', 'Pic', 'PHOTO:data:image/png;base64,iVBORw0KGgo='));
    await server.domain.cards.put(dora, b, 'js.vcf', card('js', 'Js', 'PHOTO:javascript:alert(1)'));
    const { cookie } = await session();
    const pic = await get(cookie, '/my/contacts/card/default/pic.vcf');
    expect(pic.page).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(pic.headers.get('content-security-policy')).toContain("img-src 'self' data:;");
    const js = await get(cookie, '/my/contacts/card/default/js.vcf');
    expect(js.page).not.toContain('javascript:');
    expect(js.page).not.toContain('class="photo"');
  });

  it('deletes a contact after the confirmation page', async () => {
    const dora = await actor('dora');
    const b = await book('dora');
    const { etag } = await server.domain.cards.put(dora, b, 'gone.vcf', card('gone', 'Gone Soon'));
    const { cookie, csrf } = await session();
    const confirm = await get(cookie, '/my/contacts/card/default/gone.vcf/delete');
    expect(confirm.page).toContain('Delete “Gone Soon”?');
    const res = await post(cookie, '/my/contacts/card/default/gone.vcf/delete', { _csrf: csrf, etag });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/my/contacts');
    expect(await server.domain.cards.get(b, 'gone.vcf')).toBeNull();
  });

  /** Posts a file to the vCard import (into an address book, or a new one when `into` is empty). */
  const importFile = async (cookie: string, csrf: string, bytes: Uint8Array, into = '', name = 'contacts.vcf') => {
    const form = new FormData();
    form.set('_csrf', csrf);
    form.set('into', into);
    form.set('file', new Blob([bytes]), name);
    const res = await fetch(`${server.url}/my/contacts/import`, { method: 'POST', headers: { cookie }, body: form });
    return { status: res.status, page: await res.text() };
  };

  it('imports a .vcf file card by card, with a report naming every refused card, and exports the address book', async () => {
    const { cookie, csrf } = await session('eve');
    const file =
      card('imp-1', 'Imported One', 'EMAIL:one@example.org') +
      crlf('BEGIN:VCARD', 'VERSION:3.0', 'FN:Without UID', 'N:UID;Without;;;', 'END:VCARD') +
      crlf('BEGIN:VCARD', 'VERSION:4.0', 'UID:imp-nofn', 'EMAIL:nofn@example.org', 'END:VCARD') +
      card('bruno', `Bruno Keller ${HOSTILE}`, 'EMAIL:bruno@new.example') +
      crlf('BEGIN:VCARD', 'VERSION:2.1', 'UID:imp-old', 'FN:Old Format', 'END:VCARD');
    const res = await importFile(cookie, csrf, Buffer.from(file), 'default');
    expect(res.status).toBe(200);
    expect(res.page).toContain('Stored 2, replaced 1, refused 2.');
    expect(res.page).toContain('1 cards had no UID');
    expect(res.page).toMatch(/imp-nofn<\/span>: [^<]*FN/);
    expect(res.page).toMatch(/imp-old<\/span> \(Old Format\): vCard 2\.1/);
    expect(res.page).not.toContain('<img src=x');
    const cards = await allCards('eve');
    expect(cards.find((c) => c.uid === 'bruno')?.uri).toBe('bruno.vcf');
    expect(cards.find((c) => c.uid === 'bruno')?.data).toContain('bruno@new.example');
    expect(cards.find((c) => c.uid === 'imp-1')?.data).toBe(card('imp-1', 'Imported One', 'EMAIL:one@example.org'));
    // The same file again: the card without a UID got a stable one, so nothing is doubled.
    const again = await importFile(cookie, csrf, Buffer.from(file), 'default');
    expect(again.page).toContain('Stored 0, replaced 3, refused 2.');
    expect((await allCards('eve')).length).toBe(cards.length);
    // Export: every card as stored, one after the other.
    const exp = await fetch(`${server.url}/my/contacts/books/default/export`, { headers: { cookie } });
    expect(exp.headers.get('content-type')).toBe('text/vcard; charset=utf-8');
    expect(exp.headers.get('content-disposition')).toContain('Contacts.vcf');
    const text = await exp.text();
    expect(text.match(/BEGIN:VCARD/g)?.length).toBe(cards.length);
    expect(text).toContain(card('imp-1', 'Imported One', 'EMAIL:one@example.org'));
  });

  it('imports into a new address book, removes it again when nothing was stored, and refuses files that are not vCard text', async () => {
    const { cookie, csrf } = await session('eve');
    const before = (await server.domain.addressBooks.list(await actor('eve'))).length;
    const made = await importFile(cookie, csrf, Buffer.from(card('nb-1', 'New Book Person')), '', 'Team.vcf');
    expect(made.page).toContain('Stored 1, replaced 0, refused 0.');
    const books = await server.domain.addressBooks.list(await actor('eve'));
    expect(books.map((b) => b.displayname)).toContain('Team');
    const none = await importFile(cookie, csrf, Buffer.from(crlf('BEGIN:VCARD', 'VERSION:4.0', 'UID:x', 'END:VCARD')), '', 'Empty.vcf');
    expect(none.page).toContain('Stored 0, replaced 0, refused 1.');
    expect((await server.domain.addressBooks.list(await actor('eve'))).length).toBe(before + 1);
    const png = await importFile(cookie, csrf, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'default');
    expect(png.status).toBe(400);
    expect(png.page).toContain('This is a PNG file, not a vCard (.vcf) file.');
    const latin1 = await importFile(cookie, csrf, Buffer.from(card('l1', 'Ren\u00e9'), 'latin1'), 'default');
    expect(latin1.status).toBe(400);
    expect(latin1.page).toContain('not UTF-8');
    const ics = await importFile(cookie, csrf, Buffer.from(crlf('BEGIN:VCALENDAR', 'END:VCALENDAR')), 'default');
    expect(ics.status).toBe(400);
    expect(ics.page).toContain('cannot be read as vCard');
    expect(await allCards('eve')).not.toContainEqual(expect.objectContaining({ uid: 'l1' }));
  });

  it('creates, renames and deletes an address book (after its name is typed), and gives its CardDAV URL', async () => {
    const { cookie, csrf } = await session();
    const made = await post(cookie, '/my/contacts/books', { _csrf: csrf, name: `Club ${HOSTILE}`, description: 'Members' });
    expect(made.status).toBe(303);
    const path = made.location!;
    const uri = decodeURIComponent(path.split('/').pop()!);
    const page = await get(cookie, path);
    expect(page.page).not.toContain('<img src=x');
    expect(page.page).toContain(`/dav/addressbooks/dora/${uri}/`);
    expect((await post(cookie, path, { _csrf: csrf, name: 'Club', description: 'All members' })).status).toBe(303);
    expect(await book('dora', uri)).toMatchObject({ displayname: 'Club', description: 'All members' });
    expect((await post(cookie, `${path}/delete`, { _csrf: csrf, confirm: 'Clu' })).status).toBe(400);
    expect(await book('dora', uri)).not.toBeNull();
    expect((await post(cookie, `${path}/delete`, { _csrf: csrf, confirm: 'Club' })).status).toBe(303);
    expect(await server.domain.addressBooks.get(await actor('dora'), 'dora', uri)).toBeNull();
  });

  it('lists the CardDAV URL under Connect a client and puts a CardDAV account in the Apple profile', async () => {
    const { cookie } = await session();
    const connect = await get(cookie, '/my/connect');
    expect(connect.page).toContain(`${server.url}/dav/addressbooks/dora/`);
    const profile = await get(cookie, '/my/connect/apple.mobileconfig');
    const host = new URL(server.url);
    expect(profile.page).toContain('<string>com.apple.caldav.account</string>');
    expect(profile.page).toContain('<string>com.apple.carddav.account</string>');
    expect(profile.page).toContain(`<key>CardDAVHostName</key><string>${host.hostname}</string>`);
    expect(profile.page).toContain(`<key>CardDAVPort</key><integer>${host.port}</integer>`);
    expect(profile.page).toContain('<key>CardDAVUseSSL</key><false/>');
    expect(profile.page).toContain(`<key>CardDAVPrincipalURL</key><string>${server.url}/dav/principals/dora/</string>`);
    expect(profile.page).toContain('<key>CardDAVUsername</key><string>dora</string>');
    expect(profile.page).not.toMatch(/Password/);
  });

  it('turns the birthday calendar off and on again from the account page (with the CSRF token only)', async () => {
    const { cookie, csrf } = await session();
    const dora = await actor('dora');
    expect(await server.domain.birthdays.isEnabled(dora)).toBe(true);
    const page = await get(cookie, '/my/account');
    expect(page.page).toContain('Turn the birthday calendar off');
    expect((await post(cookie, '/my/account/birthdays', { on: 'off' })).status).toBe(403);
    expect(await server.domain.birthdays.isEnabled(dora)).toBe(true);
    const off = await post(cookie, '/my/account/birthdays', { _csrf: csrf, on: 'off' });
    expect(off.status).toBe(303);
    expect(await server.domain.birthdays.isEnabled(dora)).toBe(false);
    expect((await get(cookie, '/my/account')).page).toContain('The birthday calendar is off.');
    expect((await post(cookie, '/my/account/birthdays', { _csrf: csrf, on: 'on' })).status).toBe(303);
    const cal = await server.domain.birthdays.calendar(dora);
    expect(cal).not.toBeNull();
    // Filled from the cards again: the contact made in the form earlier has a birthday (--02-29).
    expect(cal!.objectCount).toBeGreaterThan(0);
  });
});
