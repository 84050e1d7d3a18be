// VALARM time-range queries (RFC 4791 §9.9): an object matches when a trigger of one of its
// alarms (with repetitions) falls in the range. Issue 22, item 4: open-ended monthly and yearly
// series without any alarm were answered, because their expansion ran into the compute deadline
// and they were counted in unevaluated. The data follows CalDAVTester's reports/put files.
import { beforeAll, describe, expect, it } from 'vitest';
import { calendarQuery, parseMultistatus } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event, VTIMEZONE_US_EASTERN } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/rita/default/';
const zones = { timezones: [VTIMEZONE_US_EASTERN] };
const Y = new Date().getUTCFullYear() + 1;

// The cases build on each other (the last stores an object that the earlier queries must not
// see yet and counts the metric they leave at zero): they keep their order when the suite runs
// shuffled.
describe('VALARM time-range queries', { shuffle: false }, () => {
  // A small step limit, so that one object below can run into it.
  const server = useTestServer({ env: { MAX_RECURRENCE_STEPS: '1000' } });
  const dav = server.user('rita');
  const hrefs = (text: string) => [...parseMultistatus(text).members.keys()].map((h) => h.split('/').pop()).sort();
  const alarmQuery = async (range: string, comp = 'VEVENT') => {
    const res = await dav.report(CAL, calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="${comp}"><c:comp-filter name="VALARM">${range}</c:comp-filter></c:comp-filter></c:comp-filter>`));
    expect(res.status).toBe(207);
    return hrefs(res.text);
  };
  const unevaluated = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^calendula_filter_unevaluated_total (\S+)$/m.exec(text)?.[1] ?? NaN);
  };

  beforeAll(async () => {
    const put = async (name: string, text: string) => expect((await dav.put(`${CAL}${name}`, text)).status).toBe(201);
    // No alarms: a monthly series since last year and a yearly one since eight years ago, both open-ended.
    await put('monthly.ics', calendar(event('monthly', [`DTSTART;TZID=US/Eastern:${Y - 1}0102T100000`, 'DURATION:PT1H', 'RRULE:FREQ=MONTHLY', 'SUMMARY:monthly event']), zones));
    await put('yearly.ics', calendar(event('yearly', [`DTSTART;TZID=US/Eastern:${Y - 8}0102T100000`, 'DURATION:PT1H', 'RRULE:FREQ=YEARLY', 'SUMMARY:yearly event']), zones));
    // 01-01 18:00 New York (23:00Z), alarm an hour before and five times every ten minutes after:
    // 22:00Z, 22:10Z … 22:50Z.
    await put('repeating.ics', calendar(event('repeating', [`DTSTART;TZID=US/Eastern:${Y}0101T180000`, 'DURATION:PT1H', 'BEGIN:VALARM', 'ACTION:AUDIO', 'TRIGGER;RELATED=START:-PT1H', 'REPEAT:5', 'DURATION:PT10M', 'END:VALARM']), zones));
    // Daily 01-02 to 01-06 10:00 New York (15:00Z), alarm ten minutes before (14:50Z).
    await put('daily.ics', calendar(event('daily', [`DTSTART;TZID=US/Eastern:${Y}0102T100000`, 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=5', 'BEGIN:VALARM', 'ACTION:AUDIO', 'TRIGGER;RELATED=START:-PT10M', 'END:VALARM']), zones));
    // Monthly since 2001, open-ended, alarm a day after each instance's end (01-02 16:00Z + 1 day).
    await put('monthly-alarm.ics', calendar(event('monthly-alarm', ['DTSTART:20010102T150000Z', 'DURATION:PT1H', 'RRULE:FREQ=MONTHLY', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:x', 'TRIGGER;RELATED=END:P1D', 'END:VALARM'])));
  });

  it('finds the alarm that fires in the range, and no series without an alarm', async () => {
    expect(await alarmQuery(`<c:time-range start="${Y}0101T000000Z" end="${Y}0102T000000Z"/>`)).toEqual(['repeating.ics']);
    // Only a repetition (22:40Z) falls in this range.
    expect(await alarmQuery(`<c:time-range start="${Y}0101T223500Z" end="${Y}0101T224500Z"/>`)).toEqual(['repeating.ics']);
    // The daily series' alarm on 01-04 at 14:50Z; the monthly one's a day after its 01-02 instance ends.
    expect(await alarmQuery(`<c:time-range start="${Y}0104T144500Z" end="${Y}0104T145500Z"/>`)).toEqual(['daily.ics']);
    expect(await alarmQuery(`<c:time-range start="${Y}0103T155500Z" end="${Y}0103T160500Z"/>`)).toEqual(['monthly-alarm.ics']);
    expect(await alarmQuery(`<c:time-range start="${Y}0102T000000Z" end="${Y}0102T140000Z"/>`)).toEqual([]);
  });

  it('answers start-only and end-only ranges, where every alarm that ever fires counts', async () => {
    expect(await alarmQuery(`<c:time-range start="${Y + 30}0101T000000Z"/>`)).toEqual(['monthly-alarm.ics']);
    expect(await alarmQuery(`<c:time-range start="${Y}0101T000000Z"/>`)).toEqual(['daily.ics', 'monthly-alarm.ics', 'repeating.ics']);
    expect(await alarmQuery(`<c:time-range end="${Y}0101T000000Z"/>`)).toEqual(['monthly-alarm.ics']);
  });

  it('leaves out series that no instance can make match, without walking them (start-only VEVENT and VTODO, as CalDAVTester asks)', async () => {
    // One object holds one component type: a filter that asks for both matches nothing.
    const both = `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${Y}0102T000000Z"/></c:comp-filter><c:comp-filter name="VTODO"><c:time-range start="${Y}0102T000000Z"/></c:comp-filter></c:comp-filter>`;
    expect(hrefs((await dav.report(CAL, calendarQuery(both))).text)).toEqual([]);
    const noText = `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match>nowhere</c:text-match></c:prop-filter><c:time-range start="${Y}0102T000000Z"/></c:comp-filter></c:comp-filter>`;
    expect(hrefs((await dav.report(CAL, calendarQuery(noText))).text)).toEqual([]);
    const yearly = `<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match>yearly</c:text-match></c:prop-filter><c:time-range start="${Y + 50}0102T000000Z"/></c:comp-filter></c:comp-filter>`;
    expect(hrefs((await dav.report(CAL, calendarQuery(yearly))).text)).toEqual(['yearly.ics']);
  });

  it('never counts an object in unevaluated for these queries (the metric stays at zero)', async () => {
    expect(await unevaluated()).toBe(0);
  });

  it('counts in, logs and counts an object whose rule a limit stops (the rare case)', async () => {
    // Every 29 February, as a daily rule: over a range from March 2040 to the end of 2043 the walk
    // goes through four years of days the rule leaves out, more than this server's
    // MAX_RECURRENCE_STEPS of 1000, so the object is counted in without an answer.
    expect((await dav.put(`${CAL}leap.ics`, calendar(event('leap', ['DTSTART:20280229T100000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:x', 'TRIGGER:-PT1M', 'END:VALARM'])))).status).toBe(201);
    const before = await unevaluated();
    expect(await alarmQuery('<c:time-range start="20400301T000000Z" end="20440101T000000Z"/>')).toEqual(['leap.ics', 'monthly-alarm.ics']);
    expect(await unevaluated()).toBe(before + 1);
  });
});
