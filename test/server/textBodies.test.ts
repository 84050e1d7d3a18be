// Bodies that must be UTF-8 text, sent as real bytes to every face that reads one: a PNG, Latin-1
// text, UTF-16 with and without its byte-order mark are refused with a 4xx in the face's own
// error shape, naming what the bytes are; a UTF-8 byte-order mark is accepted and dropped. (The
// web import's answers are in test/web/router.test.ts and test/web/ui.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';

const API_KEY = 'text-bodies-admin-key-0123456789abcdef';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// The first bytes of a real PNG file (signature and IHDR chunk).
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const crlf = (...lines: string[]) => lines.join('\r\n') + '\r\n';

describe('bodies that are not UTF-8 text, on every face', () => {
  const server = useTestServer({ env: { API_KEY } });
  server.user('tess', { email: 'tess@example.org' });
  let token = '';
  beforeAll(async () => {
    const res = await fetch(`${server.url}/api/v0/tokens`, {
      method: 'POST',
      headers: { authorization: basic('tess', 'tess-password'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'events', capabilities: ['events'], expires_at: null }),
    });
    token = ((await res.json()) as { token: string }).token;
  });

  const event = (uid: string) => crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261201T000000Z', 'DTSTART:20261210T090000Z', 'SUMMARY:Caf\u00e9', 'END:VEVENT', 'END:VCALENDAR');

  it('CalDAV PUT: 403 valid-calendar-data naming what the bytes are; with a byte-order mark, stored without it', async () => {
    const put = (name: string, body: Uint8Array) =>
      fetch(`${server.url}/dav/calendars/tess/default/${name}.ics`, { method: 'PUT', headers: { authorization: basic('tess', 'tess-password'), 'content-type': 'text/calendar' }, body });
    const cases: [string, Uint8Array, string][] = [
      ['png', PNG, 'the body is a PNG file, not text'],
      ['latin1', Buffer.from(event('latin1'), 'latin1'), 'the body is not UTF-8: line 8 holds the byte 0xE9'],
      ['utf16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(event('utf16'), 'utf16le')]), 'the body is UTF-16 text'],
      ['utf16-no-bom', Buffer.from(event('utf16-no-bom'), 'utf16le'), 'the body holds NUL bytes'],
    ];
    for (const [name, body, reason] of cases) {
      const res = await put(name, body);
      expect(res.status, name).toBe(403);
      const xml = await res.text();
      expect(xml, name).toContain('<cal:valid-calendar-data/>');
      expect(xml, name).toContain(reason);
    }
    expect((await put('bom', Buffer.concat([BOM, Buffer.from(event('bom'))]))).status).toBe(201);
    const get = await fetch(`${server.url}/dav/calendars/tess/default/bom.ics`, { headers: { authorization: basic('tess', 'tess-password') } });
    expect(Buffer.from(await get.arrayBuffer())).toEqual(Buffer.from(event('bom')));
  });

  it('CalDAV XML bodies: Latin-1 bytes without a declaration are 400 naming the byte (they became U+FFFD in a dead property); UTF-16 with its mark and a declared ISO-8859-1 body are read as XML says', async () => {
    const href = `${server.url}/dav/calendars/tess/default/`;
    const proppatch = (body: Uint8Array) => fetch(href, { method: 'PROPPATCH', headers: { authorization: basic('tess', 'tess-password'), 'content-type': 'application/xml' }, body });
    const xml = (decl: string) => `${decl}<D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x-test:"><D:set><D:prop><X:note>Caf\u00e9</X:note></D:prop></D:set></D:propertyupdate>`;
    const note = async () => {
      const res = await fetch(href, { method: 'PROPFIND', headers: { authorization: basic('tess', 'tess-password'), depth: '0', 'content-type': 'application/xml' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><X:note xmlns:X="urn:x-test:"/></D:prop></D:propfind>' });
      return /<[^>]*note[^>]*>([^<]*)</.exec(await res.text())?.[1];
    };
    const latin = await proppatch(Buffer.from(xml(''), 'latin1'));
    expect(latin.status).toBe(400);
    expect(await latin.text()).toContain('holds the byte 0xE9');
    expect(await note()).toBeFalsy();
    expect((await proppatch(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml('<?xml version="1.0" encoding="UTF-16"?>'), 'utf16le')]))).status).toBe(207);
    expect(await note()).toBe('Caf\u00e9');
    expect((await proppatch(Buffer.from(xml('<?xml version="1.0" encoding="ISO-8859-1"?>').replace('Caf\u00e9', 'Ol\u00e9'), 'latin1'))).status).toBe(207);
    expect(await note()).toBe('Ol\u00e9');
  });

  it('events API: 400 problem+json (not_text) for Latin-1 JSON, and a byte-order mark is fine', async () => {
    const post = (body: Uint8Array) =>
      fetch(`${server.url}/api/v2/calendars/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    const json = '{"caption":"Caf\u00e9","startDate":"2026-12-10T09:00:00+00:00","endDate":"2026-12-10T10:00:00+00:00"}';
    const latin = await post(Buffer.from(json, 'latin1'));
    expect(latin.status).toBe(400);
    expect(latin.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await latin.json()) as { detail: string }).detail).toBe('The body must be UTF-8 JSON: the body is not UTF-8: line 1 holds the byte 0xE9 (Latin-1 or Windows-1252 text?).');
    const png = await post(PNG);
    expect(png.status).toBe(400);
    expect(((await png.json()) as { detail: string }).detail).toContain('PNG');
    const bom = await post(Buffer.concat([BOM, Buffer.from(json)]));
    expect(bom.status).toBe(201);
    expect(((await bom.json()) as { caption: string }).caption).toBe('Caf\u00e9');
  });

  it('admin API: 400 in the Davis envelope for Latin-1 JSON, and a byte-order mark is fine', async () => {
    const create = (body: Uint8Array) => fetch(`${server.url}/api/v1/users`, { method: 'POST', headers: { 'x-davis-api-token': API_KEY, 'content-type': 'application/json' }, body });
    const latin = await create(Buffer.from('{"username":"latin","password":"long-enough","displayname":"Ren\u00e9e"}', 'latin1'));
    expect(latin.status).toBe(400);
    expect(await latin.json()).toEqual({ status: 'error', message: 'Invalid JSON: the body is not UTF-8: line 1 holds the byte 0xE9 (Latin-1 or Windows-1252 text?)', timestamp: expect.any(String) });
    expect(await server.domain.users.get('latin')).toBeNull();
    const bom = await create(Buffer.concat([BOM, Buffer.from('{"username":"renee","password":"long-enough","displayname":"Ren\u00e9e"}')]));
    expect(bom.status).toBe(200);
    expect((await server.domain.users.get('renee'))?.displayName).toBe('Ren\u00e9e');
  });

  it('provisioning API: 400 {error, error_description} for UTF-16 and Latin-1 bodies, and a byte-order mark is fine', async () => {
    const putUser = (name: string, body: Uint8Array) =>
      fetch(`${server.url}/api/v0/users/${name}`, { method: 'PUT', headers: { apiToken: API_KEY, 'content-type': 'application/json' }, body });
    const latin = await putUser('latin', Buffer.from('{"password":"p\u00e4ssword-1"}', 'latin1'));
    expect(latin.status).toBe(400);
    expect(await latin.json()).toEqual({ error: 'invalid_request', error_description: 'the body is not UTF-8: line 1 holds the byte 0xE4 (Latin-1 or Windows-1252 text?)' });
    const utf16 = await putUser('wide', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"password":"password-1"}', 'utf16le')]));
    expect(utf16.status).toBe(400);
    expect(await utf16.json()).toEqual({ error: 'invalid_request', error_description: 'the body is UTF-16 text, not UTF-8' });
    expect((await putUser('bom', Buffer.concat([BOM, Buffer.from('{"password":"p\u00e4ssword-1"}')]))).status).toBe(201);
    const names = (await server.domain.users.list()).map((u) => u.username);
    expect(names).toContain('bom');
    expect(names).not.toContain('latin');
    expect(names).not.toContain('wide');
    const dav = await fetch(`${server.url}/dav/`, { method: 'PROPFIND', headers: { authorization: basic('bom', 'p\u00e4ssword-1'), depth: '0' } });
    expect(dav.status).toBe(207);
  });
});
