// Never stall: the inputs that used to freeze the server or answer 500 (issue "never stall, never
// 500"), sent as clients send them, each answered with the right status while /health keeps
// answering, and a refusal leaves no trace in the calendar.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { C, D, calendarQuery, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, crlf, event, VTIMEZONE_BERLIN, VTIMEZONE_US_EASTERN } from '../fixtures/ical.ts';

/** Text that does not compress (PostgreSQL compresses index entries before it checks their size). */
function noise(chars: number): string {
  let out = '';
  for (let i = 0; out.length < chars; i++) out += createHash('sha256').update(String(i)).digest('base64url');
  return out.slice(0, chars);
}

describe('bounded iCalendar work over CalDAV', () => {
  const server = useTestServer({ env: { COMPUTE_DEADLINE_MS: '300' } });
  const alice = server.user('alice');
  const cal = '/dav/calendars/alice/default/';

  /** The calendar's sync token and member count, as a client sees them. */
  async function state(path = cal): Promise<string> {
    const res = await alice.propfind(path, '<d:sync-token/>', '1');
    const ms = parseMultistatus(res.text);
    const token = textIn(ms.members.get(path)?.props.get(D('sync-token'))?.el);
    return `${token} / ${ms.members.size - 1} members`;
  }

  /** Sends `run` and probes /health while it is under way; both must answer. */
  async function withHealthProbes<T>(run: () => Promise<T>): Promise<{ result: T; probes: number[] }> {
    const probes: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const res = await fetch(`${server.url}/health`);
        probes.push(res.status);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const result = await run();
    done = true;
    await probe;
    return { result, probes };
  }

  async function refused(name: string, ics: string, precondition: string, pattern?: RegExp): Promise<void> {
    const before = await state();
    const { result: res, probes } = await withHealthProbes(() => alice.put(`${cal}${name}.ics`, ics));
    expect(res.status, res.text).toBe(403);
    expect(parseErrorBody(res.text)).toContain(C(precondition));
    if (pattern) expect(res.text).toMatch(pattern);
    expect(probes.every((s) => s === 200)).toBe(true);
    expect(await state()).toBe(before);
    expect((await alice.request('GET', `${cal}${name}.ics`)).status).toBe(404);
  }

  it('answers a start-only calendar-query over an open-ended yearly series with an inline DST VTIMEZONE (DAVx5 past-events limit)', async () => {
    const ics = calendar(event('yearly-2034', ['DTSTART;TZID=US/Eastern:20340102T100000', 'DURATION:PT1H', 'SUMMARY:Far ahead', 'RRULE:FREQ=YEARLY']), {
      timezones: [VTIMEZONE_US_EASTERN],
    });
    expect((await alice.put(`${cal}yearly-2034.ics`, ics)).status).toBe(201);
    const { result: res, probes } = await withHealthProbes(() =>
      alice.report(cal, calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260101T000000Z"/></c:comp-filter></c:comp-filter>')),
    );
    expect(res.status).toBe(207);
    expect([...parseMultistatus(res.text).members.keys()]).toContain(`${cal}yearly-2034.ics`);
    expect(probes.every((s) => s === 200)).toBe(true);
    // And a window that none of its instances meets leaves it out.
    const before = await alice.report(cal, calendarQuery('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range end="20300101T000000Z"/></c:comp-filter></c:comp-filter>'));
    expect([...parseMultistatus(before.text).members.keys()]).not.toContain(`${cal}yearly-2034.ics`);
  });

  it('refuses a rule whose INTERVAL steps beyond a thousand years', async () => {
    await refused('huge-interval', calendar(event('huge-interval', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=DAILY;INTERVAL=99999999999'])), 'valid-calendar-data', /INTERVAL/);
  });

  it('refuses a rule whose BY parts exclude every date (30 February), within the step limit', async () => {
    await refused('feb-30', calendar(event('feb-30', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'])), 'valid-calendar-data', /selects no date/);
  });

  it('stores and answers every hour of the last day of each month (ical.js could not finish this rule)', async () => {
    const put = await alice.put(`${cal}last-day.ics`, calendar(event('last-day', ['DTSTART:20260101T100000Z', 'DURATION:PT10M', 'RRULE:FREQ=HOURLY;BYMONTHDAY=-1'])));
    expect(put.status).toBe(201);
    const res = await alice.report(
      cal,
      calendarQuery(
        '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260227T000000Z" end="20260301T000000Z"/></c:comp-filter></c:comp-filter>',
        '<c:calendar-data><c:expand start="20260227T000000Z" end="20260301T000000Z"/></c:calendar-data>',
      ),
    );
    expect(res.status).toBe(207);
    const data = textIn(parseMultistatus(res.text).members.get(`${cal}last-day.ics`)?.props.get(C('calendar-data'))?.el);
    const starts = [...String(data).matchAll(/^DTSTART:(\S+)/gm)].map((m) => m[1]);
    // 28 February 2026 is the month's last day: its 24 hours, nothing on the 27th.
    expect(starts).toEqual(Array.from({ length: 24 }, (_, h) => `20260228T${String(h).padStart(2, '0')}0000Z`));
  });

  it('refuses a COUNT above MAX_RECURRENCE_INSTANCES with CALDAV:max-instances', async () => {
    await refused('count', calendar(event('count', ['DTSTART:20260101T100000Z', 'RRULE:FREQ=DAILY;COUNT=100000'])), 'max-instances', /100000/);
  });

  it('stores eleven SECONDLY series from 2000 and answers a one-month query over them', async () => {
    for (let i = 0; i < 11; i++) {
      const res = await alice.put(`${cal}secondly-${i}.ics`, calendar(event(`secondly-${i}`, ['DTSTART:20000101T000000Z', `SUMMARY:tick ${i}`, 'RRULE:FREQ=SECONDLY'])));
      expect(res.status).toBe(201);
    }
    const { result: res, probes } = await withHealthProbes(() =>
      alice.report(
        cal,
        calendarQuery(
          '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20261101T000000Z" end="20261201T000000Z"/></c:comp-filter></c:comp-filter>',
        ),
      ),
    );
    expect(res.status).toBe(207);
    const hrefs = [...parseMultistatus(res.text).members.keys()];
    for (let i = 0; i < 11; i++) expect(hrefs).toContain(`${cal}secondly-${i}.ics`);
    expect(probes.every((s) => s === 200)).toBe(true);
  });

  it('answers an expand that would give too many instances of one object with 403 max-instances for that calendar-data only', async () => {
    const put = await alice.put(`${cal}secondly-expand.ics`, calendar(event('secondly-expand', ['DTSTART:20000101T000000Z', 'SUMMARY:tick expand', 'RRULE:FREQ=SECONDLY'])));
    expect(put.status).toBe(201);
    const body = `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data><c:expand start="20261101T000000Z" end="20261102T000000Z"/></c:calendar-data></d:prop>
      <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match>tick expand</c:text-match></c:prop-filter><c:time-range start="20261101T000000Z" end="20261102T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
    const res = await alice.report(cal, body);
    expect(res.status).toBe(207);
    const member = parseMultistatus(res.text).members.get(`${cal}secondly-expand.ics`);
    expect(member?.props.get(D('getetag'))?.status).toBe(200);
    expect(member?.props.get(C('calendar-data'))?.status).toBe(403);
    expect(res.text).toContain('max-instances');
  });

  it.each([
    ['a NUL in a text value', calendar(event('nul-text', ['DTSTART:20260101T100000Z', 'SUMMARY:a\u0000b'])), 'valid-calendar-data'],
    ['a NUL in the UID', calendar(event('nul\u0000uid', ['DTSTART:20260101T100000Z'])), 'valid-calendar-data'],
    ['a UID over 255 characters', calendar(event('u'.repeat(256), ['DTSTART:20260101T100000Z'])), 'valid-calendar-object-resource'],
    [
      'a VTIMEZONE with garbage offsets',
      calendar(event('tz-garbage', ['DTSTART;TZID=Europe/Berlin:20260101T100000']), {
        timezones: [VTIMEZONE_BERLIN.map((l) => (l.startsWith('TZOFFSETFROM') ? 'TZOFFSETFROM:garbage' : l))],
      }),
      'valid-calendar-data',
    ],
    ['a date in year 0', calendar(event('year-0', ['DTSTART:00000101T100000Z'])), 'valid-calendar-data'],
    // RFC 5545 3.1: CONTROL characters other than HTAB are not allowed in values.
    ['a control character in an ATTENDEE', calendar(event('ctl-attendee', ['DTSTART:20260101T100000Z', 'ATTENDEE;CN=x:\u0001garbage'])), 'valid-calendar-data'],
  ])('refuses %s with 403 and no trace', async (_name, ics, precondition) => {
    await refused(`bad-${Math.random().toString(36).slice(2)}`, ics, precondition);
  });

  it.each([
    ['a SUMMARY of several thousand characters', ['DTSTART:20260101T100000Z', `SUMMARY:${noise(8000)}`]],
    ['a DESCRIPTION of several thousand characters', ['DTSTART:20260101T100000Z', `DESCRIPTION:${noise(20000)}`]],
    ['a very long ATTENDEE', ['DTSTART:20260101T100000Z', `ATTENDEE:mailto:${noise(5000)}@example.com`]],
    ['a very long ORGANIZER', ['DTSTART:20260101T100000Z', `ORGANIZER:mailto:${noise(1000)}@example.com`]],
    ['an ATTENDEE with a garbage value', ['DTSTART:20260101T100000Z', 'ATTENDEE;CN=x:garbage,,;;\\']],
  ])('stores an object with %s, as a client sent it', async (name, props) => {
    const uid = `long-${name.replace(/\W+/g, '-')}`;
    const res = await alice.put(`${cal}${uid}.ics`, calendar(event(uid, props)));
    expect(res.status, res.text).toBe(201);
    const got = await alice.request('GET', `${cal}${uid}.ics`);
    expect(got.text).toContain(props[1]?.slice(0, 60));
  });

  it('stores an object with LF-only line ends and a garbage ATTENDEE (as some scripts send)', async () => {
    const ics = crlf(calendar(event('lf-only', ['DTSTART:20260101T100000Z', 'ATTENDEE:garbage value without a scheme', 'ATTENDEE;CN="Ünïcode":mailto:x@example.com'])).split('\r\n')).replace(/\r\n/g, '\n');
    const res = await alice.put(`${cal}lf-only.ics`, ics);
    expect([201, 403]).toContain(res.status);
    expect(res.status === 201 || parseErrorBody(res.text).includes(C('valid-calendar-data'))).toBe(true);
  });
});
