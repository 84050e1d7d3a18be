// A plain ICS export is kept by its ETag and answered again without reading the calendar, and
// never outlives a write: every write moves the ETag, and an export read while a write landed is
// not kept. The statements are counted on the ORM's connection, which every query goes through.
import { describe, expect, it } from 'vitest';
import type { CalendarView } from '../../src/domain/calendars.ts';
import { calendar, event } from '../fixtures/ical.ts';
import { objectStatementsDuring } from '../helpers/statements.ts';
import { useTestServer } from '../helpers/testServer.ts';

const CAL = '/dav/calendars/pia/kept/';

describe('ICS export kept between requests', { shuffle: false }, () => {
  const server = useTestServer();
  const pia = server.user('pia');

  const objectReads = async (fn: () => Promise<unknown>): Promise<number> => (await objectStatementsDuring(server.running.db, fn)).length;
  /** Waits until the export just sent has been checked and kept (that runs after the answer). */
  const settled = () => new Promise((r) => setTimeout(r, 100));
  const view = async (): Promise<CalendarView> => (await server.domain.calendars.get('principals/pia', 'kept'))!;
  const drain = async (gen: AsyncGenerator<string>): Promise<string> => {
    let s = '';
    for await (const c of gen) s += c;
    return s;
  };

  it('answers the same bytes and ETag again without reading the objects', async () => {
    expect((await pia.request('MKCALENDAR', CAL)).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      expect((await pia.put(`${CAL}e${i}.ics`, calendar(event(`e${i}`, ['DTSTART:20260105T100000Z', `SUMMARY:Café ${i} 会議 🎉`])))).status).toBe(201);
    }
    const first = await pia.request('GET', CAL);
    expect(first.status).toBe(200);
    await settled();
    let again = first;
    expect(await objectReads(async () => (again = await pia.request('GET', CAL)))).toBe(0);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    // A time range is not kept: it reads the objects each time.
    expect(await objectReads(() => pia.request('GET', `${CAL}?start=1767225600&end=1798761600`))).toBeGreaterThan(0);
  });

  it('answers a write at once: the next export is read again, with the new object and a new ETag', async () => {
    const before = await pia.request('GET', CAL);
    expect((await pia.put(`${CAL}e3.ics`, calendar(event('e3', ['DTSTART:20260106T100000Z', 'SUMMARY:Added'])))).status).toBe(201);
    let after = before;
    expect(await objectReads(async () => (after = await pia.request('GET', CAL)))).toBeGreaterThan(0);
    expect(after.text).toContain('UID:e3');
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect((await pia.request('DELETE', `${CAL}e0.ics`)).status).toBe(204);
    const deleted = await pia.request('GET', CAL);
    expect(deleted.text).not.toContain('UID:e0');
    expect(deleted.text).toContain('UID:e3');
  });

  it('does not keep an export during which a write landed', async () => {
    // A write first, so that nothing is kept at the token the export starts from.
    expect((await pia.put(`${CAL}e5.ics`, calendar(event('e5', ['DTSTART:20260108T100000Z', 'SUMMARY:First'])))).status).toBe(201);
    const stale = await view();
    const gen = server.domain.exports.stream(stale, {});
    // The export begins (its header) at the token it was asked at; a write lands before its rows are read.
    const head = (await gen.next()).value as string;
    expect((await pia.put(`${CAL}e4.ics`, calendar(event('e4', ['DTSTART:20260107T100000Z', 'SUMMARY:Raced'])))).status).toBe(201);
    let rest = '';
    for await (const c of gen) rest += c;
    expect(head + rest).toContain('UID:e4');
    await settled();
    // Asked again at the old token, it is read again, not answered from what that export saw.
    expect(await objectReads(() => drain(server.domain.exports.stream(stale, {})))).toBeGreaterThan(0);
    // At the new token it is kept as usual.
    const fresh = await view();
    expect(fresh.synctoken).toBeGreaterThan(stale.synctoken);
    const text = await drain(server.domain.exports.stream(fresh, {}));
    await settled();
    expect(await objectReads(async () => expect(await drain(server.domain.exports.stream(fresh, {}))).toBe(text))).toBe(0);
  });

  it('keeps the calendar name of each home apart (a calendar without a display name is named by its path)', async () => {
    const mine = await view();
    const renamed = { ...mine, uri: 'other-name' };
    const a = await drain(server.domain.exports.stream(mine, {}));
    await settled();
    const b = await drain(server.domain.exports.stream(renamed, {}));
    expect(a).toContain('X-WR-CALNAME:kept');
    expect(b).toContain('X-WR-CALNAME:other-name');
  });
});
