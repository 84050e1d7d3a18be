// Every recurrence example of RFC 5545 §3.8.5.3, and the cases of issue #23, over CalDAV: each is
// PUT as written in the RFC (DTSTART;TZID=America/New_York, no VTIMEZONE: the server reads the
// IANA name), then a calendar-query REPORT expands it over the example's window (RFC 4791 §9.6.5)
// and the instances must be exactly those the RFC lists, in UTC. A second round sends the same
// events with a VTIMEZONE for New York carrying both the 1987-2006 and the 2007- rules.
// Expected instances are written out by hand in test/fixtures/recurrence/*.json; the ones today's
// engine gets wrong are listed in pending.json and run as expected failures.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { C, parseMultistatus, textIn } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';
import { loadZoned, pendingIds, utcStamp, zonedToEpoch, type ZonedExample } from '../fixtures/recurrence/vectors.ts';

const CAL = '/dav/calendars/rita/default/';

/** New York as tzdata has it since 1987: first Sunday of April to last Sunday of October until 2006, then the 2007 rules. */
const VTIMEZONE_NEW_YORK = [
  'BEGIN:VTIMEZONE',
  'TZID:America/New_York',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:-0500',
  'TZOFFSETTO:-0400',
  'TZNAME:EDT',
  'DTSTART:19870405T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:-0400',
  'TZOFFSETTO:-0500',
  'TZNAME:EST',
  'DTSTART:19671029T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:-0500',
  'TZOFFSETTO:-0400',
  'TZNAME:EDT',
  'DTSTART:20070311T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:-0400',
  'TZOFFSETTO:-0500',
  'TZNAME:EST',
  'DTSTART:20071104T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

const VARIANTS = [
  { suffix: '', label: 'TZID without VTIMEZONE', timezones: [] as string[][] },
  { suffix: '@vtimezone', label: 'with a VTIMEZONE', timezones: [VTIMEZONE_NEW_YORK] },
];

const pending = pendingIds();

describe('RFC 5545 §3.8.5.3 examples and issue #23 cases expanded over CalDAV', () => {
  const server = useTestServer();
  const dav = server.user('rita');
  const used = new Set<string>();

  /** The RECURRENCE-IDs (UTC) of the instances the server expands for one UID over [start, end). */
  async function expanded(uid: string, start: string, end: string): Promise<string[]> {
    const body =
      '<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
      `<d:prop><c:calendar-data><c:expand start="${start}" end="${end}"/></c:calendar-data></d:prop>` +
      `<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/>` +
      `<c:prop-filter name="UID"><c:text-match collation="i;octet">${uid}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
    const res = await dav.report(CAL, body);
    expect(res.status).toBe(207);
    const members = [...parseMultistatus(res.text).members.values()];
    if (members.length === 0) return [];
    expect(members.length).toBe(1);
    const data = textIn(members[0]!.props.get(C('calendar-data'))!.el);
    const events = new ICAL.Component(ICAL.parse(data) as never).getAllSubcomponents('vevent');
    return events
      .map((e) => {
        const rid = e.getFirstPropertyValue('recurrence-id') as ICAL.Time;
        const dtstart = e.getFirstPropertyValue('dtstart') as ICAL.Time;
        // Expanded instances are in UTC (RFC 4791 §9.6.5), each starting at its RECURRENCE-ID (no overrides here).
        expect(dtstart.toICALString()).toBe(rid.toICALString());
        return rid.toICALString();
      })
      .sort();
  }

  function example(file: string, tzid: string, ex: ZonedExample, variant: (typeof VARIANTS)[number]) {
    const id = `${file}#${ex.id}${variant.suffix}`;
    used.add(id);
    const p = pending.get(id);
    const name = `${ex.id} (${variant.label}): ${ex.title}`;
    const run = async () => {
      const uid = `${ex.id}${variant.suffix}|${file}`;
      const ics = calendar(
        event(uid, [`DTSTART;TZID=${tzid}:${ex.dtstart}`, 'SUMMARY:RFC 5545 example', `RRULE:${ex.rrule}`, ...(ex.exdate ?? []).map((x) => `EXDATE;TZID=${tzid}:${x}`)]),
        { timezones: variant.timezones },
      );
      const put = await dav.put(`${CAL}${encodeURIComponent(`${ex.id}${variant.suffix}`)}.ics`, ics);
      expect(put.status).toBe(201);
      const start = utcStamp(zonedToEpoch(ex.dtstart, tzid));
      const end = utcStamp(zonedToEpoch(ex.windowEnd, tzid));
      expect(await expanded(uid, start, end)).toEqual(ex.instances.map((x) => utcStamp(zonedToEpoch(x, tzid))));
    };
    if (p?.hangs) it.skip(`${name} (pending: issue #23 engine: ${p.reason}; skipped)`, run);
    else if (p) it.fails(`${name} (pending: issue #23 engine: ${p.reason})`, run);
    else it(name, run);
  }

  for (const file of ['rfc5545-examples.json', 'issue23.json'] as const) {
    const { tzid, examples } = loadZoned(file);
    for (const variant of VARIANTS) {
      describe(`${file}, ${variant.label}`, () => {
        for (const ex of examples) example(file, tzid, ex, variant);
      });
    }
  }

  it('pending.json names only examples that exist', () => {
    const zoned = [...pending.keys()].filter((id) => !id.startsWith('libical#'));
    expect(zoned.filter((id) => !used.has(id))).toEqual([]);
  });
});
