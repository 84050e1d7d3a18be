import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDAVClient } from 'tsdav';
import { basic } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { OpenApi } from '../helpers/openapi.ts';
import { D, Dav, parseMultistatus, textIn } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

const doc = new OpenApi(resolve(import.meta.dirname, '../../docs/openapi/events-v2.yaml'), '/api/v2');
const SEED = `{
  "caption": "Name",
  "description": "Description",
  "startDate": "2022-01-01T00:00:00+00:00",
  "endDate": "2022-01-01T00:00:00+00:00",
  "notifications": [
    "PT2H"
  ],
  "recipients": [
    "user@example.com"
  ]
}`;

interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
}

describe('events API /api/v2/calendars/events', () => {
  const server = useTestServer({ env: { PUBLIC_URL: 'https://host.name' } });
  server.user('eva', { email: 'eva@example.org', displayName: 'Eva Organizer' });
  server.user('rob', { email: 'rob@example.org' });
  let eva = '';
  let evaRead = '';
  let rob = '';
  let noEvents = '';

  async function call(method: string, path: string, opts: { token?: string; body?: string | object; lang?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.lang) headers['accept-language'] = opts.lang;
    // curl --data-raw sends application/x-www-form-urlencoded; the API reads JSON anyway.
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    doc.check(method, path, res.status, json);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('content-language')).toBe(opts.lang?.slice(0, 2) && ['ja', 'de', 'fr'].includes(opts.lang.slice(0, 2)) ? opts.lang.slice(0, 2) : 'en');
    }
    return { status: res.status, headers: res.headers, json };
  }
  const token = async (user: string, caps: string[]) => {
    const res = await fetch(`${server.url}/api/v0/tokens`, {
      method: 'POST',
      headers: { authorization: basic(user, `${user}-password`), 'content-type': 'application/json' },
      body: JSON.stringify({ name: caps.join(' '), capabilities: caps, expires_at: null }),
    });
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    eva = await token('eva', ['events', 'dav']);
    evaRead = await token('eva', ['read@events']);
    rob = await token('rob', ['events', 'dav']);
    noEvents = await token('eva', ['dav']);
  });

  describe('the seed’s curl examples, verbatim (accept-language: ja)', () => {
    // Each case is the seed's user on its own: a user and token of its own, the event posted with
    // the seed's body, and the seed's requests sent to that event's id.
    let seeders = 0;
    const seeder = async () => {
      const name = `seeder${++seeders}`;
      await server.domain.users.create({ username: name, password: `${name}-password`, email: `${name}@example.org` });
      return { name, token: await token(name, ['events']) };
    };
    const seeded = async () => {
      const who = await seeder();
      const res = await call('POST', '/api/v2/calendars/events', { token: who.token, lang: 'ja', body: SEED });
      expect(res.status).toBe(201);
      return { ...who, id: (res.json as { id: number }).id };
    };

    it('POST creates the event: 201 with Location, ETag and the event object', async () => {
      const who = await seeder();
      const res = await call('POST', '/api/v2/calendars/events', { token: who.token, lang: 'ja', body: SEED });
      expect(res.status).toBe(201);
      const id = (res.json as { id: number }).id;
      expect(res.json).toEqual({
        id: expect.any(Number),
        caption: 'Name',
        description: 'Description',
        startDate: '2022-01-01T00:00:00+00:00',
        endDate: '2022-01-01T00:00:00+00:00',
        notifications: ['PT2H'],
        recipients: ['user@example.com'],
        organizer: `${who.name}@example.org`,
        calendar: expect.any(Number),
        createTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/),
        updateTime: expect.stringMatching(/\+00:00$/),
      });
      expect(res.headers.get('location')).toBe(`https://host.name/api/v2/calendars/events/${id}`);
      expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
    });

    it('GET list with every filter of the example finds it, with X-Total-Count', async () => {
      const { token: t, id } = await seeded();
      const res = await call(
        'GET',
        '/api/v2/calendars/events?limit=10&offset=0&sort_order=desc&sort_by=startTime&filter[startDate]=2022-01-01T00%3A00%3A00%2B00%3A00&filter[endDate]=2022-01-01T00%3A00%3A00%2B00%3A00&filter[recipients]=user@example.com&filter[name]=Name&filter[description]=Description',
        { token: t, lang: 'ja' },
      );
      expect(res.status).toBe(200);
      expect((res.json as { id: number }[]).map((e) => e.id)).toEqual([id]);
      expect(res.headers.get('x-total-count')).toBe('1');
    });

    it('GET /1 gives the details', async () => {
      const { token: t, id } = await seeded();
      const res = await call('GET', `/api/v2/calendars/events/${id}`, { token: t, lang: 'ja' });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id, caption: 'Name' });
    });

    it('PUT /1 with the example body updates it (and PATCH is the same)', async () => {
      const { token: t, id } = await seeded();
      const res = await call('PUT', `/api/v2/calendars/events/${id}`, { token: t, lang: 'ja', body: SEED });
      expect(res.status).toBe(200);
      const patched = await call('PATCH', `/api/v2/calendars/events/${id}`, { token: t, body: { caption: 'Renamed' } });
      expect(patched.json).toMatchObject({ caption: 'Renamed', description: 'Description', notifications: ['PT2H'] });
      expect((await call('GET', `/api/v2/calendars/events/${id}`, { token: t })).json).toMatchObject({ caption: 'Renamed' });
    });

    it('DELETE /1 answers 204 without a body', async () => {
      const { token: t, id } = await seeded();
      const res = await call('DELETE', `/api/v2/calendars/events/${id}`, { token: t });
      expect(res.status).toBe(204);
      expect(res.json).toBeUndefined();
      expect((await call('GET', `/api/v2/calendars/events/${id}`, { token: t, lang: 'ja' })).status).toBe(404);
    });
  });

  describe('round trips with CalDAV', () => {
    it('an event created here is visible and editable through CalDAV (tsdav), and the edit shows here', async () => {
      const created = await call('POST', '/api/v2/calendars/events', { token: eva, body: { caption: 'Planning', startDate: '2026-03-01T10:00:00+01:00', endDate: '2026-03-01T11:00:00+01:00' } });
      const id = (created.json as { id: number }).id;
      const client = await createDAVClient({ serverUrl: `${server.url}/`, credentials: { username: 'eva', password: 'eva-password' }, authMethod: 'Basic', defaultAccountType: 'caldav' });
      const cal = (await client.fetchCalendars()).find((c) => c.displayName === 'Default Calendar')!;
      const objects = await client.fetchCalendarObjects({ calendar: cal });
      const obj = objects.find((o) => o.data.includes('SUMMARY:Planning'))!;
      expect(obj.data).toContain('DTSTART:20260301T090000Z');
      const edited = obj.data.replace('SUMMARY:Planning', 'SUMMARY:Planning (edited in a client)').replace('END:VEVENT', 'LOCATION:Room 4\r\nEND:VEVENT');
      expect((await client.updateCalendarObject({ calendarObject: { ...obj, data: edited } })).status).toBe(204);
      const seen = await call('GET', `/api/v2/calendars/events/${id}`, { token: eva });
      expect(seen.json).toMatchObject({ caption: 'Planning (edited in a client)', startDate: '2026-03-01T09:00:00+00:00' });
    });

    it('an event made by a CalDAV client (RRULE, LOCATION, an alarm after the start, X- properties) is listed and updated here without losing them', async () => {
      const dav = new Dav(server.url, 'eva', 'eva-password');
      const ics = calendar(
        event('client-made', [
          'DTSTART;TZID=Europe/Berlin:20260401T090000',
          'DTEND;TZID=Europe/Berlin:20260401T093000',
          'RRULE:FREQ=WEEKLY;COUNT=5',
          'SUMMARY:Standup',
          'LOCATION:Kitchen',
          'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC',
          'BEGIN:VALARM',
          'ACTION:AUDIO',
          'TRIGGER;RELATED=END:PT5M',
          'END:VALARM',
          'BEGIN:VALARM',
          'ACTION:DISPLAY',
          'DESCRIPTION:soon',
          'TRIGGER:-PT10M',
          'END:VALARM',
        ]),
      );
      await dav.put('/dav/calendars/eva/default/client-made.ics', ics);
      const list = await call('GET', '/api/v2/calendars/events?filter[name]=standup', { token: eva });
      const e = (list.json as Record<string, unknown>[])[0]!;
      expect(e).toMatchObject({ caption: 'Standup', startDate: '2026-04-01T07:00:00+00:00', notifications: ['PT10M'], rrule: 'FREQ=WEEKLY;COUNT=5' });
      const upd = await call('PATCH', `/api/v2/calendars/events/${e.id}`, { token: eva, body: { caption: 'Daily standup', notifications: ['PT15M', 'P1D'] } });
      expect(upd.json).toMatchObject({ caption: 'Daily standup', notifications: ['PT15M', 'P1D'], rrule: 'FREQ=WEEKLY;COUNT=5' });
      const stored = await dav.request('GET', '/dav/calendars/eva/default/client-made.ics');
      for (const kept of ['RRULE:FREQ=WEEKLY;COUNT=5', 'LOCATION:Kitchen', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC', 'ACTION:AUDIO', 'TRIGGER;RELATED=END:PT5M', 'TZID=Europe/Berlin']) {
        expect(stored.text, kept).toContain(kept);
      }
      expect(stored.text).not.toContain('TRIGGER:-PT10M');
    });
  });

  describe('recipients who are users of this server', () => {
    // Each case invites rob to an event of its own, told apart by its caption.
    let reviews = 0;
    const invite = async (recipients = ['Rob@Example.org', 'someone@elsewhere.example']) => {
      const caption = `Review ${++reviews}`;
      const res = await call('POST', '/api/v2/calendars/events', {
        token: eva,
        body: { caption, startDate: '2026-05-04T14:00:00Z', endDate: '2026-05-04T15:00:00Z', recipients },
      });
      expect(res.status).toBe(201);
      return { id: (res.json as { id: number }).id, caption };
    };
    const bySummary = (caption: string, prop: string) =>
      `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>${prop}</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match collation="i;octet">${caption}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
    const robsCopy = async (caption: string) => {
      const dav = new Dav(server.url, 'rob', 'rob-password');
      const list = parseMultistatus((await dav.report('/dav/calendars/rob/default/', bySummary(caption, '<d:getetag/><c:calendar-data/>'))).text);
      const [href, m] = [...list.members][0] ?? [];
      return href && m ? { href, data: m.props.get('{urn:ietf:params:xml:ns:caldav}calendar-data')!.el.text, etag: textIn(m.props.get(D('getetag'))!.el) } : null;
    };
    const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

    it('get a copy with PARTSTAT=NEEDS-ACTION in their default calendar; people elsewhere stay attendees only', async () => {
      const { id, caption } = await invite();
      const copy = await robsCopy(caption);
      expect(copy).not.toBeNull();
      expect(unfold(copy!.data)).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:Rob@Example.org/i);
      expect(copy!.data).toContain('ORGANIZER');
      // The organizer's copy records the delivery (RFC 6638 SCHEDULE-STATUS).
      const dav = new Dav(server.url, 'eva', 'eva-password');
      const mine = [...parseMultistatus((await dav.report('/dav/calendars/eva/default/', bySummary(caption, '<c:calendar-data/>'))).text).members.values()];
      expect(mine).toHaveLength(1);
      const organizerCopy = unfold(mine[0]!.props.get('{urn:ietf:params:xml:ns:caldav}calendar-data')!.el.text);
      // Rob's copy was delivered (1.2); the address elsewhere is not this server's to deliver.
      expect(organizerCopy).toMatch(/ATTENDEE;[^\r\n]*SCHEDULE-STATUS=1\.2[^\r\n]*:mailto:Rob@Example\.org/i);
      const evasCopy = (await call('GET', `/api/v2/calendars/events/${id}`, { token: eva })).json as { recipients: string[] };
      expect(evasCopy.recipients).toEqual(['rob@example.org', 'someone@elsewhere.example']);
      // Rob sees it in his own listing too.
      const robList = await call('GET', `/api/v2/calendars/events?filter[name]=${encodeURIComponent(caption.toLowerCase())}`, { token: rob });
      expect((robList.json as { caption: string }[]).map((e) => e.caption)).toEqual([caption]);
    });

    it('the copy follows the organizer’s updates', async () => {
      const { id, caption } = await invite();
      await call('PATCH', `/api/v2/calendars/events/${id}`, { token: eva, body: { startDate: '2026-05-04T15:00:00Z', endDate: '2026-05-04T16:00:00Z' } });
      expect((await robsCopy(caption))!.data).toContain('DTSTART:20260504T150000Z');
    });

    it('the recipient’s PARTSTAT change through CalDAV reaches the organizer and survives the next update', async () => {
      const { id, caption } = await invite();
      const copy = (await robsCopy(caption))!;
      const accepted = unfold(copy.data).replace(/PARTSTAT=NEEDS-ACTION([^\r\n]*mailto:rob@example\.org)/i, 'PARTSTAT=ACCEPTED$1');
      const dav = new Dav(server.url, 'rob', 'rob-password');
      expect((await dav.put(copy.href, accepted, { 'if-match': copy.etag })).status).toBe(204);
      const organizer = new Dav(server.url, 'eva', 'eva-password');
      const organizerSide = [...parseMultistatus((await organizer.report('/dav/calendars/eva/default/', bySummary(caption, '<c:calendar-data/>'))).text).members.values()];
      expect(organizerSide).toHaveLength(1);
      expect(unfold(organizerSide[0]!.props.get('{urn:ietf:params:xml:ns:caldav}calendar-data')!.el.text)).toMatch(/PARTSTAT=ACCEPTED[^\r\n]*mailto:rob@example\.org/i);
      await call('PATCH', `/api/v2/calendars/events/${id}`, { token: eva, body: { description: 'agenda attached' } });
      expect(unfold((await robsCopy(caption))!.data)).toMatch(/PARTSTAT=ACCEPTED[^\r\n]*mailto:rob@example\.org/i);
    });

    it('dropping the recipient cancels their copy; deleting the event removes it', async () => {
      const { id, caption } = await invite();
      await call('PATCH', `/api/v2/calendars/events/${id}`, { token: eva, body: { recipients: ['someone@elsewhere.example'] } });
      expect((await robsCopy(caption))!.data).toContain('STATUS:CANCELLED');
      await call('PATCH', `/api/v2/calendars/events/${id}`, { token: eva, body: { recipients: ['rob@example.org'] } });
      expect((await robsCopy(caption))!.data).not.toContain('STATUS:CANCELLED');
      await call('DELETE', `/api/v2/calendars/events/${id}`, { token: eva });
      expect(await robsCopy(caption)).toBeNull();
    });
  });

  describe('listing', () => {
    beforeAll(async () => {
      const mk = (caption: string, start: string, end: string, extra: object = {}) =>
        call('POST', '/api/v2/calendars/events', { token: eva, body: { caption, startDate: start, endDate: end, ...extra } });
      await mk('Alpha', '2027-01-10T09:00:00Z', '2027-01-10T10:00:00Z', { description: 'First of the year' });
      await mk('beta', '2027-01-10T09:00:00Z', '2027-01-10T11:00:00Z', { recipients: ['x@example.net'] });
      await mk('Gamma', '2027-01-20T09:00:00Z', '2027-01-25T09:00:00Z');
      await mk('Delta', '2027-02-01T00:00:00Z', '2027-02-01T00:00:00Z');
      const dav = new Dav(server.url, 'eva', 'eva-password');
      await dav.put('/dav/calendars/eva/default/series.ics', calendar(event('series', ['DTSTART:20270105T120000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Series'])));
    });
    const names = async (query: string) => ((await call('GET', `/api/v2/calendars/events?${query}`, { token: evaRead })).json as { caption: string }[]).map((e) => e.caption);

    it('selects events that overlap the window, with open ends', async () => {
      // Sorted by start: a series sorts by its first instance (01-05).
      expect(await names('filter[startDate]=2027-01-10T10:30:00%2B00:00&filter[endDate]=2027-01-21T00:00:00Z')).toEqual(['Series', 'beta', 'Gamma']);
      expect(await names('filter[startDate]=2027-01-24T00:00:00Z&limit=100')).toEqual(['Series', 'Gamma', 'Delta']); // the series meets again on 01-26
      expect(await names('filter[endDate]=2027-01-10T09:00:00Z&filter[startDate]=2027-01-01T00:00:00Z')).toEqual(['Series']);
      // An instant event inside the window counts; one at the window's end does not.
      expect(await names('filter[startDate]=2027-01-31T00:00:00Z&filter[endDate]=2027-02-02T00:00:00Z')).toEqual(['Delta']);
      expect(await names('filter[startDate]=2027-01-31T00:00:00Z&filter[endDate]=2027-02-01T00:00:00Z')).toEqual([]);
    });

    it('lists a recurring series once when any instance overlaps', async () => {
      expect(await names('filter[startDate]=2027-01-19T12:00:00Z&filter[endDate]=2027-01-19T12:30:00Z')).toEqual(['Series']);
    });

    it('filters by recipients, name and description (case-insensitive substrings)', async () => {
      expect(await names('filter[recipients]=nobody@x.org,X@example.net')).toEqual(['beta']);
      expect(await names('filter[name]=ALP')).toEqual(['Alpha']);
      expect(await names('filter[description]=of%20THE')).toEqual(['Alpha']);
      expect(await names('filter[name]=%25')).toEqual([]);
    });

    it('sorts by each field in both orders, breaking ties by id', async () => {
      const win = 'filter[startDate]=2027-01-01T00:00:00Z&filter[endDate]=2027-03-01T00:00:00Z&limit=100';
      expect(await names(`${win}&sort_by=startTime`)).toEqual(['Series', 'Alpha', 'beta', 'Gamma', 'Delta']);
      expect(await names(`${win}&sort_by=startDate&sort_order=desc`)).toEqual(['Delta', 'Gamma', 'beta', 'Alpha', 'Series']);
      expect(await names(`${win}&sort_by=endTime`)).toEqual(['Series', 'Alpha', 'beta', 'Gamma', 'Delta']);
      expect(await names(`${win}&sort_by=name`)).toEqual(['Alpha', 'beta', 'Delta', 'Gamma', 'Series']);
      expect(await names(`${win}&sort_by=createTime&sort_order=desc`)).toEqual(['Series', 'Delta', 'Gamma', 'beta', 'Alpha']);
      expect((await names(`${win}&sort_by=updateTime`)).length).toBe(5);
    });

    it('pages with limit and offset, X-Total-Count and Link headers', async () => {
      const win = 'filter[startDate]=2027-01-01T00:00:00Z&filter[endDate]=2027-03-01T00:00:00Z';
      const first = await call('GET', `/api/v2/calendars/events?${win}&limit=2`, { token: eva });
      expect((first.json as unknown[]).length).toBe(2);
      expect(first.headers.get('x-total-count')).toBe('5');
      expect(first.headers.get('link')).toMatch(/<https:\/\/host\.name\/api\/v2\/calendars\/events\?[^>]*offset=2>; rel="next"/);
      const last = await call('GET', `/api/v2/calendars/events?${win}&limit=2&offset=4`, { token: eva });
      expect((last.json as unknown[]).length).toBe(1);
      expect(last.headers.get('link')).toMatch(/offset=2>; rel="prev"/);
      expect(last.headers.get('link')).not.toContain('rel="next"');
      expect(await names(`${win}&offset=100`)).toEqual([]);
    });

    it.each([
      ['an unknown filter', 'filter[colour]=red', 'filter[colour]'],
      ['an unknown sort', 'sort_by=color', 'sort_by'],
      ['a bad sort order', 'sort_order=up', 'sort_order'],
      ['limit 0', 'limit=0', 'limit'],
      ['limit 101', 'limit=101', 'limit'],
      ['a negative offset', 'offset=-1', 'offset'],
      ['a bad date', 'filter[startDate]=yesterday', 'filter[startDate]'],
    ])('answers %s with 400 naming the parameter', async (_n, query, field) => {
      const res = await call('GET', `/api/v2/calendars/events?${query}`, { token: eva });
      expect(res.status).toBe(400);
      expect((res.json as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(field);
    });

    it('ignores other unknown query parameters (cache-busters)', async () => {
      expect((await call('GET', '/api/v2/calendars/events?_=12345&foo=bar', { token: eva })).status).toBe(200);
    });
  });

  describe('errors', () => {
    it('401 without or with a bad token, 403 without the capability, read-only tokens cannot write', async () => {
      expect((await call('GET', '/api/v2/calendars/events')).status).toBe(401);
      expect((await call('GET', '/api/v2/calendars/events', { token: 'calendula_nope' })).status).toBe(401);
      expect((await call('GET', '/api/v2/calendars/events', { token: noEvents })).status).toBe(403);
      expect((await call('GET', '/api/v2/calendars/events', { token: evaRead })).status).toBe(200);
      expect((await call('POST', '/api/v2/calendars/events', { token: evaRead, body: SEED })).status).toBe(403);
    });

    it('404 for another user’s event and for ids that are not positive integers', async () => {
      const robs = await call('POST', '/api/v2/calendars/events', { token: rob, body: { caption: 'Private', startDate: '2026-01-01T00:00:00Z', endDate: '2026-01-01T01:00:00Z' } });
      const id = (robs.json as { id: number }).id;
      for (const [method, body] of [['GET'], ['PATCH', { caption: 'x' }], ['PUT', { caption: 'x' }], ['DELETE']] as const) {
        expect((await call(method, `/api/v2/calendars/events/${id}`, { token: eva, body })).status).toBe(404);
      }
      for (const bad of ['0', '-1', 'abc', '1.5', '99999999999']) expect((await call('GET', `/api/v2/calendars/events/${bad}`, { token: eva })).status).toBe(404);
    });

    it('412 when If-Match does not match the ETag, and the change is kept out', async () => {
      const created = await call('POST', '/api/v2/calendars/events', { token: eva, body: { caption: 'Versioned', startDate: '2026-06-01T00:00:00Z', endDate: '2026-06-01T01:00:00Z' } });
      const id = (created.json as { id: number }).id;
      const etag = created.headers.get('etag')!;
      const ok = await call('PATCH', `/api/v2/calendars/events/${id}`, { token: eva, body: { caption: 'v2' }, headers: { 'if-match': etag } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).not.toBe(etag);
      const stale = await call('PUT', `/api/v2/calendars/events/${id}`, { token: eva, body: { caption: 'v3' }, headers: { 'if-match': etag } });
      expect(stale.status).toBe(412);
      expect((await call('GET', `/api/v2/calendars/events/${id}`, { token: eva })).json).toMatchObject({ caption: 'v2' });
      expect((await call('DELETE', `/api/v2/calendars/events/${id}`, { token: eva, headers: { 'if-match': etag } })).status).toBe(412);
    });

    it('400 for malformed JSON or wrong types; 422 for broken rules, with one entry per problem', async () => {
      expect((await call('POST', '/api/v2/calendars/events', { token: eva, body: '{"caption": ' })).status).toBe(400);
      expect((await call('POST', '/api/v2/calendars/events', { token: eva, body: '[1]' })).status).toBe(400);
      const types = await call('POST', '/api/v2/calendars/events', { token: eva, body: { caption: 5, notifications: 'PT2H', recipients: [1] } });
      expect(types.status).toBe(400);
      expect((types.json as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['caption', 'notifications', 'recipients']);
      const rules = await call('POST', '/api/v2/calendars/events', {
        token: eva,
        body: { caption: '', startDate: '2026-01-02T00:00:00Z', endDate: '2026-01-01T00:00:00Z', notifications: ['2 hours'], recipients: ['not-an-address'] },
      });
      expect(rules.status).toBe(422);
      expect((rules.json as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['caption', 'endDate', 'notifications[0]', 'recipients[0]']);
      const missing = await call('POST', '/api/v2/calendars/events', { token: eva, body: {} });
      expect((missing.json as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['caption', 'startDate', 'endDate']);
      const tz = await call('POST', '/api/v2/calendars/events', { token: eva, body: { caption: 'x', startDate: '2026-01-01T00:00:00', endDate: '2026-01-01T01:00:00Z' } });
      expect(tz.status).toBe(422);
    });

    it('words problems in English, Japanese, German and French, with Content-Language; user text stays as typed', async () => {
      const expected: Record<string, string> = {
        en: 'This field is required.',
        ja: 'この項目は必須です。',
        de: 'Dieses Feld ist erforderlich.',
        fr: 'Ce champ est obligatoire.',
      };
      for (const [lang, header] of [['en', 'en-US'], ['ja', 'ja'], ['de', 'de-DE,de;q=0.9'], ['fr', 'fr-CA, en;q=0.5']] as const) {
        const res = await call('POST', '/api/v2/calendars/events', { token: eva, body: { startDate: '2026-01-01T00:00:00Z', endDate: '2026-01-01T01:00:00Z' }, lang: header });
        expect(res.headers.get('content-language')).toBe(lang);
        expect((res.json as { errors: { message: string }[] }).errors[0]!.message).toBe(expected[lang]);
      }
      const fallback = await call('GET', '/api/v2/calendars/events/999999', { token: eva, lang: 'zh-CN' });
      expect(fallback.headers.get('content-language')).toBe('en');
      const ja = await call('POST', '/api/v2/calendars/events', { token: eva, lang: 'ja', body: { caption: 'Ünïcode 予定', startDate: '2026-01-01T00:00:00Z', endDate: '2026-01-01T01:00:00Z' } });
      expect((ja.json as { caption: string }).caption).toBe('Ünïcode 予定');
    });
  });
});
