// A calendar filled in one go is queried at once: the planner's statistics must not wait for
// autovacuum, or PostgreSQL picks poor plans (see Database.noteCreated).
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

describe('planner statistics', () => {
  const server = useTestServer();
  server.user('stat');

  it('are refreshed after a bulk import, without waiting for autovacuum', async () => {
    const { domain } = server;
    const view = (await domain.calendars.get('principals/stat', 'default'))!;
    const user = (await domain.users.get('stat'))!;
    const actor = { userId: user.id, username: 'stat', principaluri: 'principals/stat' };
    const analyzed = async () =>
      (await server.running.db.em().execute<{ n: string }[]>("select analyze_count + autoanalyze_count as n from pg_stat_user_tables where relname = 'calendarobjects'"))[0]?.n;
    const before = Number(await analyzed());
    for (let i = 0; i < 2000; i++) {
      await domain.objects.put(actor, view, `e${i}.ics`, calendar(event(`e${i}`, [`DTSTART:2026${String((i % 12) + 1).padStart(2, '0')}10T100000Z`])), {}, undefined, null);
    }
    await expect.poll(async () => Number(await analyzed()), { timeout: 20_000 }).toBeGreaterThan(before);
  });
});
