// The web face over raw HTTP: what a browser (or anyone) can send it. Sessions end when they
// should; forms over the limit, broken uploads, foreign origins and missing tokens get a clear
// 4xx page and change nothing; every domain error kind has its status; the pages carry the
// security headers.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { DomainError, type DomainErrorKind } from '../../src/domain/errors.ts';
import { html } from '../../src/web/html.ts';
import { webErrorOf } from '../../src/web/router.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { webCsrf, webSignIn } from '../helpers/web.ts';

describe('web UI over raw HTTP', () => {
  const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WEB_SESSION_IDLE_MINUTES: '30', WEB_SESSION_MAX_DAYS: '1', MAX_FORM_BYTES: '2048', MAX_IMPORT_BYTES: '4096' }, { clock });
    await server.domain.users.create({ username: 'erin', password: 'erin-password' });
  });
  afterAll(async () => {
    await server.close();
  });

  /** The session cookie's value of a fresh sign-in. */
  const signIn = async (username = 'erin', password = 'erin-password') => (await webSignIn(server.url, username, password)).replace('calendula_session=', '');
  const csrfOf = (session: string) => webCsrf(server.url, `calendula_session=${session}`);

  it('sends the security headers and a strict Content Security Policy on every page', async () => {
    const res = await fetch(`${server.url}/sign-in`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    expect(page).not.toMatch(/<script>|onclick=|style="/);
  });

  it('refuses a sign-in without its form token (no login CSRF)', async () => {
    const res = await fetch(`${server.url}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=erin&password=erin-password' });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().join('')).not.toContain('calendula_session=');
  });

  it('ends a session after the idle time and after the hard limit', async () => {
    const session = await signIn();
    const open = (s: string) => fetch(`${server.url}/my/calendars`, { headers: { cookie: `calendula_session=${s}` }, redirect: 'manual' });
    expect((await open(session)).status).toBe(200);
    clock.advance(29 * 60_000);
    expect((await open(session)).status).toBe(200); // pushes the idle end back
    clock.advance(29 * 60_000);
    expect((await open(session)).status).toBe(200);
    clock.advance(31 * 60_000);
    expect((await open(session)).status).toBe(303);
    // Kept busy, it still ends a day after sign-in.
    const busy = await signIn();
    for (let i = 0; i < 70; i++) {
      clock.advance(25 * 60_000);
      if ((await open(busy)).status !== 200) break;
    }
    expect((await open(busy)).status).toBe(303);
  });

  it('answers a form over MAX_FORM_BYTES with 413, a foreign Origin with 403, and keeps everything', async () => {
    const session = await signIn();
    const csrf = await csrfOf(session);
    const before = (await server.domain.calendars.listForPrincipal('principals/erin')).length;
    const big = await fetch(`${server.url}/my/calendars`, {
      method: 'POST',
      headers: { cookie: `calendula_session=${session}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, name: 'x'.repeat(5000) }),
    });
    expect(big.status).toBe(413);
    expect(await big.text()).toContain('too large');
    const foreign = await fetch(`${server.url}/my/calendars`, {
      method: 'POST',
      headers: { cookie: `calendula_session=${session}`, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ _csrf: csrf, name: 'Forged' }),
    });
    expect(foreign.status).toBe(403);
    const unreadable = await fetch(`${server.url}/my/calendars`, {
      method: 'POST',
      headers: { cookie: `calendula_session=${session}`, 'content-type': 'application/x-www-form-urlencoded', origin: 'not a url' },
      body: new URLSearchParams({ _csrf: csrf, name: 'Forged' }),
    });
    expect(unreadable.status).toBe(403);
    expect((await server.domain.calendars.listForPrincipal('principals/erin')).length).toBe(before);
  });

  it('answers broken and oversized uploads with a 4xx page and stores nothing', async () => {
    const session = await signIn();
    const csrf = await csrfOf(session);
    const before = (await server.domain.calendars.listForPrincipal('principals/erin')).length;
    const post = (body: string, type: string) => fetch(`${server.url}/my/import`, { method: 'POST', headers: { cookie: `calendula_session=${session}`, 'content-type': type }, body });
    expect((await post('not multipart at all', 'multipart/form-data')).status).toBe(400);
    const form = new FormData();
    form.set('_csrf', csrf);
    form.set('file', new Blob(['BEGIN:VCALENDAR\r\n' + 'X-PAD:'.padEnd(6000, 'x') + '\r\nEND:VCALENDAR\r\n']), 'big.ics');
    const large = await fetch(`${server.url}/my/import`, { method: 'POST', headers: { cookie: `calendula_session=${session}` }, body: form });
    expect(large.status).toBe(413);
    const garbage = new FormData();
    garbage.set('_csrf', csrf);
    garbage.set('into', 'default');
    garbage.set('file', new Blob(['this is not iCalendar']), 'junk.ics');
    const junk = await fetch(`${server.url}/my/import`, { method: 'POST', headers: { cookie: `calendula_session=${session}` }, body: garbage });
    expect(junk.status).toBe(400);
    expect(await junk.text()).toContain('This file cannot be read as iCalendar: line 1: content outside BEGIN:VCALENDAR');
    expect((await server.domain.calendars.listForPrincipal('principals/erin')).length).toBe(before);
  });

  /** Posts a file to the import form (into a calendar, or a new one when `into` is empty). */
  const importFile = async (session: string, bytes: Uint8Array, into = '', name = 'file.ics') => {
    const form = new FormData();
    form.set('_csrf', await csrfOf(session));
    form.set('into', into);
    form.set('file', new Blob([bytes]), name);
    const res = await fetch(`${server.url}/my/import`, { method: 'POST', headers: { cookie: `calendula_session=${session}` }, body: form });
    return { status: res.status, page: await res.text() };
  };
  const crlf = (...lines: string[]) => lines.join('\r\n') + '\r\n';
  const EVENT = crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', 'UID:text-check', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261210T090000Z', 'SUMMARY:Caf\u00e9', 'END:VEVENT', 'END:VCALENDAR');
  // The first bytes of a real PNG file (signature and IHDR chunk).
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

  it('answers a file that is not UTF-8 text with the import form again and the reason, and changes nothing; a byte-order mark is fine', async () => {
    const session = await signIn();
    const before = await server.domain.calendars.listForPrincipal('principals/erin');
    const cases: [Uint8Array, string][] = [
      [PNG, 'This is a PNG file, not an iCalendar (.ics) file.'],
      [Buffer.from(EVENT, 'latin1'), 'This file is not UTF-8: line 8 holds the byte 0xE9 (Latin-1 or Windows-1252 text?).'],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EVENT, 'utf16le')]), 'This file is UTF-16 text.'],
      [Buffer.from(EVENT, 'utf16le'), 'This file holds binary data or UTF-16 text'],
    ];
    for (const [bytes, reason] of cases) {
      for (const into of ['', 'default']) {
        const res = await importFile(session, bytes, into, 'photo.ics');
        expect(res.status, reason).toBe(400);
        expect(res.page, reason).toContain(reason);
        expect(res.page, reason).toContain('enctype="multipart/form-data"');
      }
    }
    expect(await server.domain.calendars.listForPrincipal('principals/erin')).toEqual(before);
    const bom = await importFile(session, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(EVENT)]), 'default');
    expect(bom.status).toBe(200);
    expect(bom.page).toContain('Stored 1, replaced 0, refused 0.');
    const stored = await server.domain.objects.get((await server.domain.calendars.get('principals/erin', 'default'))!, 'text-check.ics');
    expect(stored?.data).toBe(EVENT);
  });

  it('stores each object as the file’s own lines, and refuses a value the server cannot read with its UID, summary and reason instead of rewriting it', async () => {
    const session = await signIn();
    const kept = [
      'BEGIN:VEVENT',
      'UID:kept-as-sent',
      'DTSTAMP:20261201T000000Z',
      'DTSTART;X-ORDER=first;VALUE=DATE-TIME:20261210T090000Z',
      'SUMMARY:A summary long enough that the exporter folded it at seventy-five octe',
      ' ts\\, with an escaped comma',
      'X-VENDOR-THING;X-PARAM="a:b":value',
      'END:VEVENT',
    ];
    const bad = ['BEGIN:VEVENT', 'UID:bad-rdate', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261203T090000Z', 'RDATE;VALUE=TIME:083000', 'SUMMARY:Time-only RDATE', 'END:VEVENT'];
    const file = crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Exporter//EN', 'METHOD:PUBLISH', ...kept, ...bad, 'END:VCALENDAR');
    const res = await importFile(session, Buffer.from(file), 'default');
    expect(res.status).toBe(200);
    expect(res.page).toContain('Stored 1, replaced 0, refused 1.');
    expect(res.page).toMatch(/<li><span class="mono">bad-rdate<\/span> \(Time-only RDATE\): .*RDATE;VALUE=TIME:083000.*RDATE cannot have VALUE=TIME/);
    const view = (await server.domain.calendars.get('principals/erin', 'default'))!;
    expect((await server.domain.objects.get(view, 'kept-as-sent.ics'))?.data).toBe(crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Exporter//EN', ...kept, 'END:VCALENDAR'));
    expect(await server.domain.objects.uriOfUid(view, 'bad-rdate')).toBeNull();
  });

  it('leaves no new calendar behind when it stores nothing of the file', async () => {
    const session = await signIn();
    const before = await server.domain.calendars.listForPrincipal('principals/erin');
    const onlyBad = crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//X//EN', 'BEGIN:VEVENT', 'UID:bad', 'DTSTAMP:20261201T000000Z', 'DTSTART:20261203T090000Z', 'RDATE;VALUE=TIME:083000', 'END:VEVENT', 'END:VCALENDAR');
    const res = await importFile(session, Buffer.from(onlyBad));
    expect(res.page).toContain('Stored 0, replaced 0, refused 1.');
    const empty = await importFile(session, Buffer.from(crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//X//EN', 'END:VCALENDAR')));
    expect(empty.page).toContain('Stored 0, replaced 0, refused 0.');
    expect(await server.domain.calendars.listForPrincipal('principals/erin')).toEqual(before);
  });

  it('answers names no calendar, object, user or token can have with 404', async () => {
    const session = await signIn();
    const csrf = await csrfOf(session);
    const cookie = `calendula_session=${session}`;
    for (const path of ['/my/calendars/%00', '/my/calendars/a%0Ab', `/my/events/default/${'x'.repeat(600)}.ics`]) {
      expect((await fetch(`${server.url}${path}`, { headers: { cookie } })).status, path).toBe(404);
    }
    for (const path of ['/my/app-passwords/%00/revoke', '/my/calendars/default/shares/%00/delete', '/my/tasks/default/%00/done']) {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, done: 'on' }) });
      expect(res.status, path).toBe(404);
    }
  });

  it('refuses a sharee making public, sharing on or unsharing a calendar shared with them, and changes nothing', async () => {
    await server.domain.users.create({ username: 'gwen', password: 'gwen-password' });
    await server.domain.users.create({ username: 'hugo', password: 'hugo-password' });
    const own = (await server.domain.calendars.get('principals/erin', 'default'))!;
    await server.domain.sharing.share('erin', own.instanceId, 'gwen', true);
    await server.domain.sharing.share('erin', own.instanceId, 'hugo', false);
    const mine = (await server.domain.calendars.listForPrincipal('principals/gwen')).find((v) => v.calendarId === own.calendarId)!;
    const session = await signIn('gwen', 'gwen-password');
    const csrf = await csrfOf(session);
    const before = await server.domain.sharing.shares(own.instanceId);
    const base = `/my/calendars/${encodeURIComponent(mine.uri)}`;
    for (const [path, fields] of [
      [`${base}/public`, { public: 'on' }],
      [`${base}/shares`, { username: 'hugo', access: 'write' }],
      [`${base}/shares/hugo/delete`, {}],
      [`${base}/shares/gwen/delete`, {}],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { cookie: `calendula_session=${session}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...fields }),
        redirect: 'manual',
      });
      expect(res.status, path).toBe(403);
      expect(await res.text(), path).toContain('You may not do this.');
    }
    expect(await server.domain.sharing.shares(own.instanceId)).toEqual(before);
    expect((await server.domain.calendars.get('principals/erin', 'default'))!.isPublic).toBe(false);
  });

  it('ignores a malformed session cookie and serves only its own assets', async () => {
    const res = await fetch(`${server.url}/my/calendars`, { headers: { cookie: 'calendula_session=%E0%A4%A' }, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect((await fetch(`${server.url}/assets/app.css`)).headers.get('content-type')).toContain('text/css');
    expect((await fetch(`${server.url}/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/router.ts`)).status).toBe(404);
  });

  it('gives every domain error kind a 4xx page, and nothing else one', () => {
    const kinds: DomainErrorKind[] = ['NotFound', 'Forbidden', 'Conflict', 'Invalid', 'PreconditionFailed', 'TooLarge', 'Unauthorized'];
    for (const kind of kinds) {
      const mapped = webErrorOf(new DomainError(kind, 'x'));
      expect(mapped?.status, kind).toBeGreaterThanOrEqual(400);
      expect(mapped?.status, kind).toBeLessThan(500);
    }
    expect(webErrorOf(new Error('a bug'))).toBeNull();
  });

  it('escapes every interpolated value', () => {
    expect(html`<p title="${`"><script>`}">${'<b>&</b>'}</p>`.value).toBe('<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;&amp;&lt;/b&gt;</p>');
  });
});
