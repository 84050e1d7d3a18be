// tsdav (npm), a real CalDAV client, end to end against the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createDAVClient, type DAVAccount, type DAVCalendar } from 'tsdav';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { calendar, event, journal, todo } from '../fixtures/ical.ts';

type Client = Awaited<ReturnType<typeof createDAVClient>>;

describe('tsdav end to end', () => {
  let server: TestServer;
  let client: Client;
  let account: DAVAccount;
  const credentials = { username: 'tina', password: 'tina-password' };
  beforeAll(async () => {
    server = await startTestServer();
    await server.domain.users.create({ ...credentials, email: 'tina@example.org' });
    client = await createDAVClient({ serverUrl: `${server.url}/`, credentials, authMethod: 'Basic', defaultAccountType: 'caldav' });
    account = await createAccount({
      account: { serverUrl: `${server.url}/`, credentials, accountType: 'caldav' },
      headers: { authorization: `Basic ${Buffer.from('tina:tina-password').toString('base64')}` },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('discovers the principal and home from the root URL (well-known, current-user-principal, calendar-home-set)', () => {
    expect(account.principalUrl).toBe(`${server.url}/dav/principals/tina/`);
    expect(account.homeUrl).toBe(`${server.url}/dav/calendars/tina/`);
  });

  it('creates calendars for events, tasks and notes, and lists them with their components, ctag and sync token', async () => {
    for (const [uri, comp, name] of [
      ['tasks', 'VTODO', 'Tasks'],
      ['notes', 'VJOURNAL', 'Notes'],
    ] as const) {
      const res = await client.makeCalendar({
        url: `${account.homeUrl}${uri}/`,
        props: { 'd:displayname': name, 'c:supported-calendar-component-set': { 'c:comp': { _attributes: { name: comp } } } },
      });
      expect(res[0]?.ok ?? true).toBe(true);
    }
    const cals = await client.fetchCalendars();
    const byName = new Map(cals.map((c) => [String(c.displayName), c]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['Default Calendar', 'Notes', 'Tasks']));
    expect(byName.get('Tasks')!.components).toEqual(['VTODO']);
    expect(byName.get('Notes')!.components).toEqual(['VJOURNAL']);
    expect(byName.get('Default Calendar')!.components).toEqual(['VEVENT', 'VJOURNAL', 'VTODO']);
    for (const c of cals) {
      expect(c.ctag).toBeTruthy();
      expect(c.syncToken).toMatch(/^http/);
      expect(c.reports).toContain('syncCollection');
    }
  });

  const cal = async (name: string): Promise<DAVCalendar> => (await client.fetchCalendars()).find((c) => c.displayName === name)!;
  /** A calendar of the case's own, made as tsdav makes one. */
  const ownCalendar = async (name: string, comp: 'VEVENT' | 'VTODO' | 'VJOURNAL'): Promise<DAVCalendar> => {
    const uri = name.toLowerCase().replace(/\W+/g, '-');
    await client.makeCalendar({
      url: `${account.homeUrl}${uri}/`,
      props: { 'd:displayname': name, 'c:supported-calendar-component-set': { 'c:comp': { _attributes: { name: comp } } } },
    });
    return cal(name);
  };
  /** tsdav asks for VEVENT unless told otherwise. */
  const fetchAll = (c: DAVCalendar) =>
    client.fetchCalendarObjects({
      calendar: c,
      filters: [{ 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: c.components?.[0] ?? 'VEVENT' } } } }],
    });

  it('creates, updates and deletes an event, a task and a note', async () => {
    for (const [calName, comp, file, body, updated] of [
      ['CRUD events', 'VEVENT', 'ev.ics', calendar(event('ev', ['DTSTART:20260110T100000Z', 'SUMMARY:v1'])), calendar(event('ev', ['DTSTART:20260110T100000Z', 'SUMMARY:v2']))],
      ['CRUD tasks', 'VTODO', 'td.ics', calendar(todo('td', ['SUMMARY:v1'])), calendar(todo('td', ['SUMMARY:v2', 'STATUS:COMPLETED']))],
      ['CRUD notes', 'VJOURNAL', 'jn.ics', calendar(journal('jn', ['SUMMARY:v1'])), calendar(journal('jn', ['SUMMARY:v2']))],
    ] as const) {
      const c = await ownCalendar(calName, comp);
      const created = await client.createCalendarObject({ calendar: c, filename: file, iCalString: body });
      expect(created.status).toBe(201);
      let objects = await fetchAll(c);
      // tsdav trims text values; everything else comes back as stored.
      expect(objects.map((o) => o.data)).toEqual([body.trimEnd()]);
      const upd = await client.updateCalendarObject({ calendarObject: { ...objects[0]!, data: updated } });
      expect(upd.status).toBe(204);
      objects = await fetchAll(c);
      expect(objects[0]!.data).toBe(updated.trimEnd());
      const stale = await client.updateCalendarObject({ calendarObject: { ...objects[0]!, etag: '"stale"', data: body } });
      expect(stale.status).toBe(412);
      const del = await client.deleteCalendarObject({ calendarObject: objects[0]! });
      expect(del.status).toBe(204);
      expect(await fetchAll(c)).toEqual([]);
    }
  });

  /** Events a query or a sync can find: a daily series in March and one event in June. */
  const withEvents = async (name: string) => {
    const c = await ownCalendar(name, 'VEVENT');
    await client.createCalendarObject({ calendar: c, filename: 'daily.ics', iCalString: calendar(event('daily', ['DTSTART:20260301T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=5'])) });
    await client.createCalendarObject({ calendar: c, filename: 'later.ics', iCalString: calendar(event('later', ['DTSTART:20260601T090000Z', 'DURATION:PT1H'])) });
    return c;
  };

  it('finds events in a time range, expanded when asked', async () => {
    const c = await withEvents('Ranges');
    const inRange = await client.fetchCalendarObjects({ calendar: c, timeRange: { start: '2026-03-02T00:00:00Z', end: '2026-03-04T00:00:00Z' } });
    expect(inRange.map((o) => o.url.split('/').pop())).toEqual(['daily.ics']);
    const expanded = await client.fetchCalendarObjects({ calendar: c, timeRange: { start: '2026-03-02T00:00:00Z', end: '2026-03-04T00:00:00Z' }, expand: true });
    expect(expanded[0]!.data).toMatch(/RECURRENCE-ID:20260302T090000Z[\s\S]*RECURRENCE-ID:20260303T090000Z/);
  });

  for (const method of ['webdav', 'basic'] as const) {
    it(`syncs changes with smartCollectionSync (${method === 'webdav' ? 'sync-collection' : 'ctag and etags'})`, async () => {
      const c = await withEvents(`Sync ${method}`);
      const initial = await client.fetchCalendarObjects({ calendar: c });
      const collection = { ...c, objects: initial, objectMultiGet: client.calendarMultiGet, fetchObjects: (p?: { collection: DAVCalendar }) => client.fetchCalendarObjects({ calendar: p?.collection ?? c }) };
      await client.createCalendarObject({ calendar: c, filename: `new-${method}.ics`, iCalString: calendar(event(`new-${method}`, ['DTSTART:20260401T090000Z'])) });
      const laterObj = initial.find((o) => o.url.endsWith('later.ics'))!;
      await client.updateCalendarObject({ calendarObject: { ...laterObj, data: calendar(event('later', ['DTSTART:20260601T090000Z', 'DURATION:PT2H', `SUMMARY:changed ${method}`])) } });
      const synced = await client.smartCollectionSync({ collection, method, detailedResult: true });
      const created = (synced.objects?.created ?? []).map((o) => o.url.split('/').pop());
      const updated = (synced.objects?.updated ?? []).map((o) => o.url.split('/').pop());
      expect(created).toContain(`new-${method}.ics`);
      expect(updated).toContain('later.ics');
      expect(synced.ctag ?? synced.syncToken).toBeTruthy();
    });
  }
});
