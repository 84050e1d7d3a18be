// Rows written before a migration added index columns get them at start-up: the event columns
// and the instance spans are filled from the stored text, and rows that cannot be read are marked
// so the fill ends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calendar, event } from '../fixtures/ical.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('start-up backfill of index columns', () => {
  type Cols = { uri: string; summary: string | null; dtstart: string | number | null; spans: string | null; win: string | null };
  const cols = async (server: TestServer) =>
    server.running.db
      .em()
      .execute<Cols[]>('select uri, summary, dtstart, instancespans::text as spans, instancewindow::text as win from calendarobjects order by uri');

  /** A server of its own per case: each case rewrites rows behind the domain's back. */
  let server: TestServer | undefined;
  beforeEach(async () => {
    server = await startTestServer();
    const { domain } = server;
    await domain.users.create({ username: 'old', password: 'old-password' });
    const user = (await domain.users.get('old'))!;
    const view = (await domain.calendars.get('principals/old', 'default'))!;
    const actor = { userId: user.id, username: 'old', principaluri: 'principals/old' };
    await domain.objects.put(actor, view, 'a.ics', calendar(event('a', ['DTSTART:20260310T100000Z', 'DURATION:PT1H', 'SUMMARY:Standup'])));
    await domain.objects.put(actor, view, 'b.ics', calendar(event('b', ['DTSTART;VALUE=DATE:20260311', 'SUMMARY:Holiday'])));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('fills what older rows lack, and nothing twice', async () => {
    const s = server!;
    const written = await cols(s);
    await s.running.db.em().execute('update calendarobjects set dtstart = null, dtend = null, summary = null, description = null, organizer = null, attendees = null, instancespans = null, instancewindow = null');
    expect((await cols(s)).every((r) => r.summary === null && r.win === null)).toBe(true);
    expect(await s.domain.objects.backfillEventFields()).toBe(2);
    expect(await s.domain.objects.backfillInstanceSpans()).toBe(2);
    expect(await cols(s)).toEqual(written);
    expect(await s.domain.objects.backfillEventFields()).toBe(0);
    expect(await s.domain.objects.backfillInstanceSpans()).toBe(0);
  });

  it('marks a row whose text no longer parses, so the fill ends', async () => {
    const s = server!;
    await s.running.db.em().execute("update calendarobjects set calendardata = 'garbage', instancespans = null, instancewindow = null where uri = 'a.ics'");
    expect(await s.domain.objects.backfillInstanceSpans()).toBe(1);
    expect((await cols(s)).find((r) => r.uri === 'a.ics')).toMatchObject({ spans: null, win: 'empty' });
  });
});
