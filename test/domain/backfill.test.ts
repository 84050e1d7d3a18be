// Rows written before a migration added index columns get them at start-up: the event columns
// and the instance spans are filled from the stored text, and rows that cannot be read are marked
// so the fill ends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REINDEX_RECURRING } from '../../src/db/migrations/Migration20261207120000.ts';
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

  it('indexes recurring rows again after the recurrence engine changed (issue #23), with the widest bounds until the backfill runs', async () => {
    const s = server!;
    const user = (await s.domain.users.get('old'))!;
    const view = (await s.domain.calendars.get('principals/old', 'default'))!;
    const actor = { userId: user.id, username: 'old', principaluri: 'principals/old' };
    // Monday of ISO week 20, three years: 2026-05-11, 2027-05-17, 2028-05-15.
    await s.domain.objects.put(actor, view, 'c.ics', calendar(event('c', ['DTSTART:20260511T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;COUNT=3'])));
    const bounds = async () =>
      s.running.db.em().execute<{ uri: string; first: string; last: string; spans: string | null }[]>(
        'select uri, firstoccurence::text as first, lastoccurence::text as last, instancespans::text as spans from calendarobjects order by uri',
      );
    const written = await bounds();
    // What ical.js's iterator indexed (it ignored BYWEEKNO: every Monday, three weeks from DTSTART).
    await s.running.db.em().execute("update calendarobjects set lastoccurence = 1779699600, instancespans = '{[1778490000,1778493600),[1779094800,1779098400),[1779699600,1779703200)}' where uri = 'c.ics'");
    await s.running.db.em().execute(REINDEX_RECURRING);
    const widened = (await bounds()).find((r) => r.uri === 'c.ics')!;
    expect(widened).toMatchObject({ first: '-62135596800', last: '253402300799', spans: null });
    // Only the recurring row is touched.
    expect((await bounds()).filter((r) => r.uri !== 'c.ics')).toEqual(written.filter((r) => r.uri !== 'c.ics'));
    expect(await s.domain.objects.backfillInstanceSpans()).toBe(1);
    expect(await bounds()).toEqual(written);
  });

  it('marks a row whose text no longer parses, so the fill ends', async () => {
    const s = server!;
    await s.running.db.em().execute("update calendarobjects set calendardata = 'garbage', instancespans = null, instancewindow = null where uri = 'a.ics'");
    expect(await s.domain.objects.backfillInstanceSpans()).toBe(1);
    expect((await cols(s)).find((r) => r.uri === 'a.ics')).toMatchObject({ spans: null, win: 'empty' });
  });
});
