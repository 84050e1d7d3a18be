// Issue #23: an absurd duration (P999999999999999999W, 6e23 seconds) on an event, a task, an alarm
// or an RDATE period answered 500 on PUT, or hung the compute thread until its deadline (ical.js
// adds a duration to a date month by month), or was stored and then broke the web views and the
// events API. A write now refuses a duration longer than the years 1 to 9999 span (3,652,058 days)
// in either direction, and an event or task whose DURATION ends after the year 9999, with a reason
// (CalDAV: 403 valid-calendar-data; the events API: its 422 problem). Zero and negative durations
// stay accepted (RFC 5545 §3.8.2.5 asks for a positive one, but a DTEND before DTSTART is kept too
// and both read as no length). Objects stored before the bound are read everywhere without a 5xx.
import { beforeAll, describe, expect, it } from 'vitest';
import { C, parseErrorBody } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webSignIn } from '../helpers/web.ts';
import { calendar } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/dora/default/';
const HUGE = 'P999999999999999999W';
const STAMP = 'DTSTAMP:20260101T000000Z';
const START = 'DTSTART:20260105T100000Z';
const alarm = (...lines: string[]) => ['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Soon', ...lines, 'END:VALARM'];
const vevent = (uid: string, ...lines: string[]) => calendar(['BEGIN:VEVENT', `UID:${uid}`, STAMP, ...lines, 'END:VEVENT']);
const vtodo = (uid: string, ...lines: string[]) => calendar(['BEGIN:VTODO', `UID:${uid}`, STAMP, ...lines, 'END:VTODO']);

/** Days from 2026-01-05T10:00Z to 9999-12-31T10:00Z: the longest whole-day DURATION an event starting then may have. */
const LONGEST_DAYS = (Date.UTC(9999, 11, 31, 10) - Date.UTC(2026, 0, 5, 10)) / 86_400_000;

/** Objects whose durations a write refuses: the one that is out of range, and the object. */
const REFUSED: Record<string, string> = {
  'event.ics': vevent('event', START, `DURATION:${HUGE}`),
  'event-negative.ics': vevent('event-negative', START, `DURATION:-${HUGE}`),
  'event-million-years.ics': vevent('event-million-years', START, 'DURATION:P99999999W'),
  'event-past-9999.ics': vevent('event-past-9999', START, `DURATION:P${LONGEST_DAYS + 1}D`),
  'event-last-hour.ics': vevent('event-last-hour', 'DTSTART:99991231T230000Z', 'DURATION:PT2H'),
  'alarm-trigger.ics': vevent('alarm-trigger', START, 'DURATION:PT1H', ...alarm(`TRIGGER:-${HUGE}`)),
  'alarm-repeat.ics': vevent('alarm-repeat', START, 'DURATION:PT1H', ...alarm('TRIGGER:-PT15M', 'REPEAT:3', `DURATION:${HUGE}`)),
  'rdate-period.ics': vevent('rdate-period', START, 'DURATION:PT1H', `RDATE;VALUE=PERIOD:20260110T100000Z/${HUGE}`),
  'task.ics': vtodo('task', START, `DURATION:${HUGE}`),
};

/** Durations at the edges that stay accepted. */
const ACCEPTED: Record<string, string> = {
  'zero-days.ics': vevent('zero-days', START, 'DURATION:P0D'),
  'zero-seconds.ics': vevent('zero-seconds', START, 'DURATION:PT0S'),
  'negative-hour.ics': vevent('negative-hour', START, 'DURATION:-PT1H'),
  'longest.ics': vevent('longest', START, `DURATION:P${LONGEST_DAYS}D`),
  'weeks-and-days.ics': vevent('weeks-and-days', START, 'DURATION:P1W2D'),
  'alarms.ics': vevent('alarms', START, 'DURATION:PT1H', ...alarm('TRIGGER:-P1D'), ...alarm('TRIGGER;RELATED=END:PT0S', 'REPEAT:2', 'DURATION:PT5M')),
  'period.ics': vevent('period', START, 'DURATION:PT1H', 'RDATE;VALUE=PERIOD:20260110T100000Z/PT2H'),
  'task-zero.ics': vtodo('task-zero', START, 'DURATION:PT0S'),
};

describe('durations out of range', () => {
  const server = useTestServer();
  const dav = server.user('dora');
  let token = '';
  let cookie = '';

  const api = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${server.url}/api/v2/calendars/events${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  beforeAll(async () => {
    const res = await fetch(`${server.url}/api/v0/tokens`, {
      method: 'POST',
      headers: { authorization: dav.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'events', capabilities: ['events', 'dav'], expires_at: null }),
    });
    token = ((await res.json()) as { token: string }).token;
    cookie = await webSignIn(server.url, 'dora', 'dora-password');
  });

  it('CalDAV PUT refuses each with 403 valid-calendar-data and says the duration is out of range; nothing is stored', async () => {
    for (const [uri, text] of Object.entries(REFUSED)) {
      const res = await dav.put(`${CAL}${uri}`, text);
      expect(res.status, uri).toBe(403);
      expect(parseErrorBody(res.text), uri).toContain(C('valid-calendar-data'));
      // Refused for its length, before any date arithmetic (not "could not be evaluated" when the compute deadline stops it).
      expect(res.text, uri).toContain('the duration is out of range');
      expect((await dav.request('GET', `${CAL}${uri}`)).status, uri).toBe(404);
    }
    expect((await dav.put(`${CAL}limit.ics`, REFUSED['event.ics']!)).text).toContain(`DURATION:${HUGE}: the duration is out of range: a duration may be at most 3652058 days`);
    expect((await dav.put(`${CAL}limit.ics`, REFUSED['event-last-hour.ics']!)).text).toContain('DURATION:PT2H: the duration is out of range: from DTSTART it ends after the year 9999');
  });

  it('CalDAV PUT accepts zero, negative and the longest durations that fit, and alarms and periods of ordinary length', async () => {
    for (const [uri, text] of Object.entries(ACCEPTED)) expect((await dav.put(`${CAL}${uri}`, text)).status, uri).toBe(201);
  });

  it('the events API answers a reminder out of range with its 422 problem, naming the field, and stores nothing', async () => {
    const before = (await api('GET', '')).json;
    for (const before of [HUGE, `P${3652058 + 1}D`]) {
      const res = await api('POST', '', { caption: 'Far', startDate: '2026-01-05T10:00:00+00:00', endDate: '2026-01-05T11:00:00+00:00', notifications: [before] });
      expect(res.status).toBe(422);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.json.errors).toEqual([{ field: 'notifications[0]', message: 'A duration may be at most 3652058 days.' }]);
    }
    expect((await api('GET', '')).json).toEqual(before);
    expect((await api('POST', '', { caption: 'Near', startDate: '2026-01-05T10:00:00+00:00', endDate: '2026-01-05T11:00:00+00:00', notifications: ['P1D'] })).status).toBe(201);
  });

  it('the web import refuses such a file with a 4xx page and stores nothing', async () => {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${server.url}/my/import`, { headers: { cookie } })).text())![1]!;
    const form = new FormData();
    form.set('_csrf', csrf);
    form.set('into', 'default');
    form.set('file', new Blob([REFUSED['task.ics']!]), 'far.ics');
    const res = await fetch(`${server.url}/my/import`, { method: 'POST', headers: { cookie }, body: form });
    expect(res.status).toBeLessThan(500);
    expect((await dav.request('GET', `${CAL}task.ics`)).status).toBe(404);
  });

  it('objects stored before the bound (written to the table, as an older version did) are read by every face without a 5xx', async () => {
    for (const [uri, text] of Object.entries(REFUSED)) {
      const valid = text.replace(/-?P999999999999999999W|P99999999W|P\d{7}D/, 'PT1H').replace('DTSTART:99991231T230000Z', START);
      expect((await dav.put(`${CAL}old-${uri}`, valid)).status, uri).toBe(201);
      await server.running.db.em().execute('update calendarobjects set calendardata = ? where uri = ?', [text, `old-${uri}`]);
    }
    const range = 'start="20260101T000000Z" end="20270101T000000Z"';
    const query = (filter: string, data = '') =>
      `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/>${data}</d:prop><c:filter><c:comp-filter name="VCALENDAR">${filter}</c:comp-filter></c:filter></c:calendar-query>`;
    const reads: [string, () => Promise<number>][] = [
      ['events in a time range', async () => (await dav.report(CAL, query(`<c:comp-filter name="VEVENT"><c:time-range ${range}/></c:comp-filter>`))).status],
      ['tasks in a time range', async () => (await dav.report(CAL, query(`<c:comp-filter name="VTODO"><c:time-range ${range}/></c:comp-filter>`))).status],
      ['alarms in a time range', async () => (await dav.report(CAL, query(`<c:comp-filter name="VEVENT"><c:comp-filter name="VALARM"><c:time-range ${range}/></c:comp-filter></c:comp-filter>`))).status],
      ['expand', async () => (await dav.report(CAL, query(`<c:comp-filter name="VEVENT"><c:time-range ${range}/></c:comp-filter>`, `<c:calendar-data><c:expand ${range}/></c:calendar-data>`))).status],
      ['expand of tasks', async () => (await dav.report(CAL, query(`<c:comp-filter name="VTODO"><c:time-range ${range}/></c:comp-filter>`, `<c:calendar-data><c:expand ${range}/></c:calendar-data>`))).status],
      ['limit-recurrence-set', async () => (await dav.report(CAL, query('<c:comp-filter name="VEVENT"/>', `<c:calendar-data><c:limit-recurrence-set ${range}/></c:calendar-data>`))).status],
      [
        'multiget with expand',
        async () =>
          (
            await dav.report(
              CAL,
              `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data><c:expand ${range}/></c:calendar-data></d:prop>${Object.keys(REFUSED)
                .map((u) => `<d:href>${CAL}old-${u}</d:href>`)
                .join('')}</c:calendar-multiget>`,
            )
          ).status,
      ],
      ['free-busy-query', async () => (await dav.report(CAL, `<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav"><c:time-range ${range}/></c:free-busy-query>`)).status],
      ['export with expand', async () => (await dav.request('GET', `${CAL}?export&start=${Date.UTC(2026, 0, 1) / 1000}&end=${Date.UTC(2027, 0, 1) / 1000}&expand=1`)).status],
      ['the web month', async () => (await fetch(`${server.url}/my/view?mode=month&date=2026-01-05`, { headers: { cookie } })).status],
      ['the web week', async () => (await fetch(`${server.url}/my/view?mode=week&date=2026-01-05`, { headers: { cookie } })).status],
      ['the web agenda', async () => (await fetch(`${server.url}/my/view?mode=agenda&date=2026-01-05`, { headers: { cookie } })).status],
      ['the web tasks', async () => (await fetch(`${server.url}/my/tasks`, { headers: { cookie } })).status],
      ['the events API list', async () => (await api('GET', '')).status],
    ];
    for (const uri of Object.keys(REFUSED)) {
      reads.push([`GET ${uri}`, async () => (await dav.request('GET', `${CAL}old-${uri}`)).status]);
      reads.push([`the web event form of ${uri}`, async () => (await fetch(`${server.url}/my/events/default/old-${uri}`, { headers: { cookie } })).status]);
    }
    const statuses: Record<string, number> = {};
    for (const [what, read] of reads) statuses[what] = await read();
    expect(Object.entries(statuses).filter(([, s]) => s >= 500)).toEqual([]);
    expect(statuses['the web month']).toBe(200);
    expect(statuses['the events API list']).toBe(200);

    // Each event through the events API: read, and changed (which rewrites it within the bound).
    const listed = (await api('GET', '?limit=100')).json as unknown as { id: number }[] | { items?: { id: number }[] };
    const ids = (Array.isArray(listed) ? listed : (listed.items ?? [])).map((e) => e.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const got = await api('GET', `/${id}`);
      expect(got.status, `event ${id}`).toBe(200);
      expect(got.json.endDate === null || String(got.json.endDate) <= '9999-12-31T23:59:59+00:00', `event ${id}`).toBe(true);
      expect((await api('PATCH', `/${id}`, { caption: 'Renamed', endDate: '2026-01-05T11:00:00+00:00' })).status, `event ${id}`).toBeLessThan(500);
    }
  });
});
