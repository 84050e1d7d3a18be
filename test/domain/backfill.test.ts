// Rows written before a migration added index columns get them at start-up: the event columns
// and the instance spans are filled from the stored text, and rows that cannot be read are marked
// so the fill ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendar, event } from '../fixtures/ical.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('start-up backfill of index columns', () => {
  let server: TestServer;
  type Cols = { uri: string; summary: string | null; dtstart: string | number | null; spans: string | null; win: string | null };
  const cols = async () =>
    server.domain.ctx.db
      .em()
      .execute<Cols[]>('select uri, summary, dtstart, instancespans::text as spans, instancewindow::text as win from calendarobjects order by uri');

  beforeAll(async () => {
    server = await startTestServer();
    const { domain } = server;
    await domain.users.create({ username: 'old', password: 'old-password' });
    const user = (await domain.users.get('old'))!;
    const view = (await domain.calendars.get('principals/old', 'default'))!;
    const actor = { userId: user.id, username: 'old', principaluri: 'principals/old' };
    await domain.objects.put(actor, view, 'a.ics', calendar(event('a', ['DTSTART:20260310T100000Z', 'DURATION:PT1H', 'SUMMARY:Standup'])));
    await domain.objects.put(actor, view, 'b.ics', calendar(event('b', ['DTSTART;VALUE=DATE:20260311', 'SUMMARY:Holiday'])));
  });
  afterAll(async () => server?.close());

  it('fills what older rows lack, and nothing twice', async () => {
    const written = await cols();
    const em = server.domain.ctx.db.em();
    await em.execute('update calendarobjects set dtstart = null, dtend = null, summary = null, description = null, organizer = null, attendees = null, instancespans = null, instancewindow = null');
    expect((await cols()).every((r) => r.summary === null && r.win === null)).toBe(true);
    expect(await server.domain.objects.backfillEventFields()).toBe(2);
    expect(await server.domain.objects.backfillInstanceSpans()).toBe(2);
    expect(await cols()).toEqual(written);
    expect(await server.domain.objects.backfillEventFields()).toBe(0);
    expect(await server.domain.objects.backfillInstanceSpans()).toBe(0);
  });

  it('marks a row whose text no longer parses, so the fill ends', async () => {
    await server.domain.ctx.db.em().execute("update calendarobjects set calendardata = 'garbage', instancespans = null, instancewindow = null where uri = 'a.ics'");
    expect(await server.domain.objects.backfillInstanceSpans()).toBe(1);
    expect((await cols()).find((r) => r.uri === 'a.ics')).toMatchObject({ spans: null, win: 'empty' });
  });
});
