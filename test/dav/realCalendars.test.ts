// Calendars as other software writes them (found by the corpus of issue 22): truncated VTIMEZONEs
// (iCalcreator, Thunderbird, Google), an RRULE given twice (Cyrus IMAP), malformed dates and
// RFC 7529 rules. Each is PUT over CalDAV and checked where a user meets it: time-range queries
// (answered from the stored index), expand, free-busy and the web week view. The instants are worked
// out by hand from the RFCs, not taken from our output.
import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { C, calendarQuery, parseErrorBody, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { webSignIn } from '../helpers/web.ts';
import { calendar, crlf, event, VTIMEZONES } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';

/**
 * Europe/Berlin as iCalcreator writes it for a file of 2019 events: onsets from October 2018 only,
 * as DTSTART plus RDATE lists (no RRULE). Before 2018-10-28 03:00 the offset is the first onset's
 * TZOFFSETFROM, +02:00 (RFC 5545 §3.8.3.3).
 */
const TRUNCATED_BERLIN = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:STANDARD',
  'DTSTART:20181028T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'RDATE:20191027T030000,20201025T030000',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:20190331T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'RDATE:20200329T020000',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

describe('calendars other software writes', () => {
  const server = useTestServer();
  const dav = server.user('rita');

  const hrefs = async (start: string, end: string, uid: string) => {
    const filter = `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter>`;
    const res = await dav.report(CAL, calendarQuery(filter));
    expect(res.status).toBe(207);
    return [...parseMultistatus(res.text).members.keys()].filter((h) => h.endsWith(`/${uid}.ics`)).length;
  };

  /** The expanded instances of one object in a window: [DTSTART, DTEND, RECURRENCE-ID] as written. */
  const expand = async (uid: string, start: string, end: string) => {
    const body = calendarQuery(
      `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="UID"><c:text-match collation="i;octet">${uid}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`,
      `<c:calendar-data><c:expand start="${start}" end="${end}"/></c:calendar-data>`,
    );
    const res = await dav.report(CAL, body);
    expect(res.status).toBe(207);
    const data = textIn(parseMultistatus(res.text).members.get(`${CAL}${uid}.ics`)!.props.get(C('calendar-data'))!.el);
    const events = new ICAL.Component(ICAL.parse(data) as never).getAllSubcomponents('vevent');
    return events.map((e) => ['dtstart', 'dtend', 'recurrence-id'].map((n) => e.getFirstProperty(n)?.toICALString() ?? null));
  };

  const freeBusy = async (start: string, end: string) => {
    const res = await dav.report(CAL, `<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav"><c:time-range start="${start}" end="${end}"/></c:free-busy-query>`);
    expect(res.status).toBe(200);
    const fb = new ICAL.Component(ICAL.parse(res.text) as never).getFirstSubcomponent('vfreebusy')!;
    return fb.getAllProperties('freebusy').map((p) => p.getFirstValue()!.toString());
  };

  /**
   * The start times the web week view shows (in UTC, 24-hour clock) for events with this summary
   * in the week of `date`: the user's zone is UTC, and each block of the hour grid names its
   * start (and end: "08:00 – 14:00").
   */
  const weekTimes = async (date: string, summary: string) => {
    await server.domain.users.update('rita', { timezone: 'UTC' });
    const cookie = await webSignIn(server.url, 'rita', 'rita-password');
    const res = await fetch(`${server.url}/my/view?mode=week&date=${date}`, { headers: { cookie, 'accept-language': 'de' } });
    expect(res.status).toBe(200);
    const page = await res.text();
    const blocks = [...page.matchAll(/<a class="event [^"]*"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => m[1]!);
    return blocks
      .filter((b) => /<span class="summary">([^<]*)<\/span>/.exec(b)?.[1] === summary)
      .map((b) => /<span class="time">([^<]*)<\/span>/.exec(b)?.[1]?.split(' – ')[0]);
  };

  const refusal = async (uid: string, lines: string[], body?: string) => {
    const res = await dav.put(`${CAL}${uid}.ics`, body ?? calendar(event(uid, lines)));
    expect(res.status, lines.join(' ')).toBe(403);
    expect(parseErrorBody(res.text)).toEqual([C('valid-calendar-data')]);
    expect((await dav.request('GET', `${CAL}${uid}.ics`)).status).toBe(404);
    return res.text;
  };

  describe('a VTIMEZONE that starts at a recent transition (N1)', () => {
    beforeAll(async () => {
      const put = (uid: string, start: string, end: string) =>
        dav.put(`${CAL}${uid}.ics`, calendar(event(uid, [`DTSTART;TZID=Europe/Berlin:${start}`, `DTEND;TZID=Europe/Berlin:${end}`, `SUMMARY:${uid}`]), { timezones: [TRUNCATED_BERLIN] }));
      // Before the first onset: +02:00, 08:00Z-14:00Z.
      expect((await put('fablab', '20170610T100000', '20170610T160000')).status).toBe(201);
      // After the STANDARD's DTSTART onset (no RRULE: ical.js dropped it), before the first DAYLIGHT: +01:00.
      expect((await put('autumn', '20181105T100000', '20181105T110000')).status).toBe(201);
      // After the second value of the STANDARD's RDATE list (2020-10-25): +01:00.
      expect((await put('late', '20201102T100000', '20201102T110000')).status).toBe(201);
    });

    it('finds an event before the first onset at its local time, read with TZOFFSETFROM', async () => {
      expect(await hrefs('20170610T080000Z', '20170610T083000Z', 'fablab')).toBe(1);
      expect(await hrefs('20170610T140000Z', '20170610T150000Z', 'fablab')).toBe(0);
      expect(await hrefs('20170610T070000Z', '20170610T080000Z', 'fablab')).toBe(0);
    });

    it('expands it in UTC with the offset before the first onset', async () => {
      expect(await expand('fablab', '20170609T000000Z', '20170612T000000Z')).toEqual([['DTSTART:20170610T080000Z', 'DTEND:20170610T140000Z', null]]);
    });

    it('reads the DTSTART onset of an observance without RRULE, and every value of an RDATE list', async () => {
      expect(await expand('autumn', '20181101T000000Z', '20181110T000000Z')).toEqual([['DTSTART:20181105T090000Z', 'DTEND:20181105T100000Z', null]]);
      expect(await hrefs('20181105T090000Z', '20181105T093000Z', 'autumn')).toBe(1);
      expect(await expand('late', '20201101T000000Z', '20201110T000000Z')).toEqual([['DTSTART:20201102T090000Z', 'DTEND:20201102T100000Z', null]]);
      expect(await hrefs('20201102T080000Z', '20201102T090000Z', 'late')).toBe(0);
    });

    it('answers free-busy and the web week view with the same instants', async () => {
      expect(await freeBusy('20170610T000000Z', '20170611T000000Z')).toEqual(['2017-06-10T08:00:00Z/2017-06-10T14:00:00Z']);
      expect(await weekTimes('2017-06-10', 'fablab')).toEqual(['08:00']);
      expect(await weekTimes('2018-11-05', 'autumn')).toEqual(['09:00']);
    });

    it('reads a time in the spring-forward gap with the offset before it, and a repeated one as its first occurrence (RFC 5545 §3.3.5)', async () => {
      const ny = VTIMEZONES['America/New_York']!.lines;
      // 02:30 on 2025-03-09 does not exist in New York: read with -05:00, 07:30Z. 01:30 on
      // 2025-11-02 occurs twice: the first, in -04:00, is 05:30Z.
      for (const [uid, local, utc] of [['gap', '20250309T023000', 'DTSTART:20250309T073000Z'], ['fold', '20251102T013000', 'DTSTART:20251102T053000Z']] as const) {
        const put = await dav.put(`${CAL}${uid}.ics`, calendar(event(uid, [`DTSTART;TZID=America/New_York:${local}`, 'DURATION:PT15M']), { timezones: [ny] }));
        expect(put.status).toBe(201);
        expect(await expand(uid, `${local.slice(0, 8)}T000000Z`, `${local.slice(0, 8)}T235959Z`)).toEqual([[utc, null, null]]);
      }
      expect(await hrefs('20250309T073000Z', '20250309T074000Z', 'gap')).toBe(1);
      expect(await hrefs('20251102T053000Z', '20251102T054000Z', 'fold')).toBe(1);
    });

    it('reads a TZID that is also an IANA name by the VTIMEZONE in the object, not the IANA data', async () => {
      // The object says Europe/Berlin is +03:00 all year (RFC 5545 §3.6.5: its VTIMEZONE defines the TZID).
      const fixed = ['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0300', 'TZOFFSETTO:+0300', 'END:STANDARD', 'END:VTIMEZONE'];
      const put = await dav.put(`${CAL}own-zone.ics`, calendar(event('own-zone', ['DTSTART;TZID=Europe/Berlin:20270601T100000', 'DURATION:PT1H']), { timezones: [fixed] }));
      expect(put.status).toBe(201);
      expect(await expand('own-zone', '20270601T000000Z', '20270602T000000Z')).toEqual([['DTSTART:20270601T070000Z', null, null]]);
      expect(await hrefs('20270601T070000Z', '20270601T073000Z', 'own-zone')).toBe(1);
    });
  });

  describe('an RRULE given twice (N2)', () => {
    beforeAll(async () => {
      const put = await dav.put(
        `${CAL}cyrus.ics`,
        calendar(
          event('cyrus', [
            'RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=20',
            'RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=20',
            'DTSTART;TZID=Europe/London:20230112T100000',
            'DTEND;TZID=Europe/London:20230112T120000',
            'SUMMARY:cyrus',
          ]),
        ),
      );
      expect(put.status).toBe(201);
    });

    it('expands every instance once', async () => {
      expect(await expand('cyrus', '20230111T000000Z', '20230114T000000Z')).toEqual([['DTSTART:20230112T100000Z', 'DTEND:20230112T120000Z', 'RECURRENCE-ID:20230112T100000Z']]);
      const month = await expand('cyrus', '20230111T000000Z', '20230201T000000Z');
      expect(month.map((i) => i[2])).toEqual(['RECURRENCE-ID:20230112T100000Z', 'RECURRENCE-ID:20230119T100000Z', 'RECURRENCE-ID:20230126T100000Z']);
    });

    it('shows every instance once in the web week view', async () => {
      expect(await weekTimes('2023-01-12', 'cyrus')).toEqual(['10:00']);
    });

    it('keeps DTSTART as an instance of a set made of RDATEs alone (RFC 5545 §3.8.5.2), unless an EXDATE names it', async () => {
      const put = (uid: string, lines: string[]) => dav.put(`${CAL}${uid}.ics`, calendar(event(uid, lines)));
      expect((await put('rdates-only', ['DTSTART:20271201T090000Z', 'DTEND:20271201T100000Z', 'RDATE:20271203T090000Z,20271205T090000Z'])).status).toBe(201);
      expect((await expand('rdates-only', '20271101T000000Z', '20280101T000000Z')).map((i) => i[0])).toEqual(['DTSTART:20271201T090000Z', 'DTSTART:20271203T090000Z', 'DTSTART:20271205T090000Z']);
      // Found by a time-range query on DTSTART's day alone.
      expect(await hrefs('20271201T080000Z', '20271201T093000Z', 'rdates-only')).toBe(1);
      expect((await put('rdate-earlier', ['DTSTART:20271201T090000Z', 'DTEND:20271201T100000Z', 'RDATE;VALUE=PERIOD:20271130T090000Z/PT2H'])).status).toBe(201);
      expect((await expand('rdate-earlier', '20271101T000000Z', '20280101T000000Z')).map((i) => i.slice(0, 2))).toEqual([
        ['DTSTART:20271130T090000Z', 'DTEND:20271130T110000Z'],
        ['DTSTART:20271201T090000Z', 'DTEND:20271201T100000Z'],
      ]);
      expect((await put('rdate-exdate', ['DTSTART:20271201T090000Z', 'DTEND:20271201T100000Z', 'RDATE:20271203T090000Z', 'EXDATE:20271201T090000Z'])).status).toBe(201);
      expect((await expand('rdate-exdate', '20271101T000000Z', '20280101T000000Z')).map((i) => i[0])).toEqual(['DTSTART:20271203T090000Z']);
    });

    it('skips 29 February in common years (RFC 5545 §3.3.10), COUNT counting only the dates that exist', async () => {
      const put = (uid: string, lines: string[]) => dav.put(`${CAL}${uid}.ics`, calendar(event(uid, lines)));
      expect((await put('leap-day', ['DTSTART:20240229T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=YEARLY;COUNT=3'])).status).toBe(201);
      expect((await expand('leap-day', '20240101T000000Z', '20400101T000000Z')).map((i) => i[0])).toEqual(['DTSTART:20240229T090000Z', 'DTSTART:20280229T090000Z', 'DTSTART:20320229T090000Z']);
      expect(await hrefs('20250301T000000Z', '20250302T000000Z', 'leap-day')).toBe(0);
      // All day, with the month named and an UNTIL.
      expect((await put('leap-feb', ['DTSTART;VALUE=DATE:20240229', 'RRULE:FREQ=YEARLY;BYMONTH=2;UNTIL=20300401'])).status).toBe(201);
      expect((await expand('leap-feb', '20240101T000000Z', '20310101T000000Z')).map((i) => i[0])).toEqual(['DTSTART;VALUE=DATE:20240229', 'DTSTART;VALUE=DATE:20280229']);
    });

    it('counts an RDATE on DTSTART or on a rule instance once', async () => {
      const put = await dav.put(
        `${CAL}rdates.ics`,
        calendar(event('rdates', ['DTSTART:20270104T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=3', 'RDATE:20270104T090000Z,20270105T090000Z', 'RDATE:20270110T090000Z'])),
      );
      expect(put.status).toBe(201);
      const all = await expand('rdates', '20270101T000000Z', '20270201T000000Z');
      expect(all.map((i) => i[0])).toEqual(['DTSTART:20270104T090000Z', 'DTSTART:20270105T090000Z', 'DTSTART:20270106T090000Z', 'DTSTART:20270110T090000Z']);
    });
  });

  describe('invalid dates and value types are refused with the line as sent (N3)', () => {
    it('refuses malformed DATE-TIME values in every date property', async () => {
      const cases: [string, string[]][] = [
        ['DTSTAMP:19970324T1200Z', ['DTSTART:19970324T120000Z']],
        ['DTSTART:19970701T13000Z', []],
        ['DTEND:19970701T10300Z', ['DTSTART:19970701T090000Z']],
        ['DTEND:19970701T1100000Z', ['DTSTART:19970701T090000Z']],
        ['CREATED:1997070T090000Z', ['DTSTART:19970701T090000Z']],
        ['LAST-MODIFIED:19970701T0900Z', ['DTSTART:19970701T090000Z']],
        ['RDATE:20131210T0900Z', ['DTSTART:20131201T090000Z']],
        ['EXDATE:20131202T09000Z', ['DTSTART:20131201T090000Z', 'RRULE:FREQ=DAILY;COUNT=3']],
        ['RECURRENCE-ID:20131202T0900Z', ['DTSTART:20131202T100000Z']],
      ];
      for (const [bad, others] of cases) {
        const uid = `bad-${bad.split(':')[0]!.toLowerCase()}`;
        // event() writes a DTSTAMP of its own: the bad one takes its place.
        const lines = event(uid, [...others, bad]).filter((l) => !(bad.startsWith('DTSTAMP') && l === 'DTSTAMP:20260101T000000Z'));
        const text = await refusal(uid, [], calendar(lines));
        expect(text).toContain(`"${bad}"`);
      }
    });

    it("accepts Google Calendar's dates with a UTC mark in RDATE (its birthday calendars) and reads them as those dates", async () => {
      const put = await dav.put(
        `${CAL}google-birthday.ics`,
        calendar(event('google-birthday', ['DTSTART;VALUE=DATE:20141210', 'DTEND;VALUE=DATE:20141211', 'RRULE:FREQ=DAILY;INTERVAL=1;COUNT=1', 'RDATE:20131210Z', 'RDATE:20121210Z'])),
      );
      expect(put.status).toBe(201);
      const all = await expand('google-birthday', '20120101T000000Z', '20160101T000000Z');
      expect(all.map((i) => i[0])).toEqual(['DTSTART;VALUE=DATE:20121210', 'DTSTART;VALUE=DATE:20131210', 'DTSTART;VALUE=DATE:20141210']);
    });

    it('refuses a date written without VALUE=DATE, quoting it rather than a garbled value', async () => {
      const text = await refusal('no-value-date', ['DTSTART:20190101', 'SUMMARY:Neujahr']);
      expect(text).toContain('"DTSTART:20190101"');
      expect(text).toContain('VALUE=DATE');
      expect(text).not.toContain('2019-01-01T');
    });

    it('stores a DTEND or DUE of another value type than DTSTART as sent (Apple iCal wrote them) and reads the date as its midnight', async () => {
      const put = await dav.put(`${CAL}mixed-end.ics`, calendar(event('mixed-end', ['DTSTART:20270301T220000Z', 'DTEND;VALUE=DATE:20270303'])));
      expect(put.status).toBe(201);
      expect((await dav.request('GET', `${CAL}mixed-end.ics`)).text).toContain('DTEND;VALUE=DATE:20270303');
      // Spanning into 2 March, it is found there; not on 4 March.
      expect(await hrefs('20270302T120000Z', '20270302T130000Z', 'mixed-end')).toBe(1);
      expect(await hrefs('20270304T000000Z', '20270305T000000Z', 'mixed-end')).toBe(0);
      const todo = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VTODO', 'UID:mixed-due', 'DTSTAMP:20260101T000000Z', 'DTSTART;VALUE=DATE:20270101', 'DUE:20270102T100000Z', 'END:VTODO', 'END:VCALENDAR']);
      expect((await dav.put(`${CAL}mixed-due.ics`, todo)).status).toBe(201);
    });

    it('keeps accepting what is well formed: DATE with DATE, lists, periods, quoted TZIDs, no VERSION or PRODID', async () => {
      const ok = await dav.put(
        `${CAL}well-formed.ics`,
        calendar(
          event('well-formed', [
            'DTSTART;TZID="Europe/Berlin":20270104T090000',
            'DTEND;TZID=Europe/Berlin:20270104T100000',
            'RRULE:FREQ=DAILY;UNTIL=20270110T080000Z',
            'EXDATE;TZID=Europe/Berlin:20270105T090000,20270106T090000',
            'RDATE;VALUE=PERIOD:20270120T080000Z/PT2H',
          ]),
        ),
      );
      expect(ok.status).toBe(201);
      const allDay = await dav.put(`${CAL}all-day.ics`, calendar(event('all-day', ['DTSTART;VALUE=DATE:20270104', 'DTEND;VALUE=DATE:20270105', 'EXDATE;VALUE=DATE:20270105'])));
      expect(allDay.status).toBe(201);
      // RFC 5545 §3.6 requires both; nothing is read from them, so their absence is let pass.
      const bare = crlf(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:bare', 'DTSTAMP:20260101T000000Z', 'DTSTART:20270104T090000Z', 'END:VEVENT', 'END:VCALENDAR']);
      expect((await dav.put(`${CAL}bare.ics`, bare)).status).toBe(201);
      expect(await hrefs('20270104T090000Z', '20270104T091000Z', 'bare')).toBe(1);
    });
  });

  describe('RSCALE rules (N4)', () => {
    it('refuses RFC 7529 rules, which no query could answer, naming RSCALE', async () => {
      for (const rule of ['RRULE:RSCALE=HEBREW;FREQ=YEARLY;BYMONTH=5L;BYMONTHDAY=8;SKIP=FORWARD', 'RRULE:RSCALE=ETHIOPIC;FREQ=MONTHLY;BYMONTH=13', 'RRULE:FREQ=YEARLY;BYMONTH=5L', 'RRULE:FREQ=MONTHLY;SKIP=OMIT']) {
        const text = await refusal('rscale', ['DTSTART;VALUE=DATE:20140208', rule]);
        expect(text).toContain('RSCALE (RFC 7529) is not supported');
        expect(text).toContain(rule.replace(/--/g, '- -'));
      }
    });
  });
});
