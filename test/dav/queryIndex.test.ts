// calendar-query answered from stored instance spans must give exactly the answer of parsing every
// candidate. The same query with a prop-filter every object passes (UID is always defined) takes
// the parsing path, so the two are compared over many windows, on the benchmark's generated
// calendar and on hand-made edge cases.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedIn, generate, MONTH } from '../bench/generate.ts';
import { calendar, event } from '../fixtures/ical.ts';
import { calendarQuery, parseMultistatus } from '../helpers/dav.ts';
import { useTestServer } from '../helpers/testServer.ts';

const CAL = '/dav/calendars/ivy/default/';
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');

describe('calendar-query from stored instance spans', () => {
  // The clock is fixed so that the horizon of open-ended series is known: 2026-01-01 + 3 years.
  const server = useTestServer({ start: { clock: { now: () => new Date(Date.UTC(2026, 0, 1)) } } });
  const dav = server.user('ivy');
  const generated = generate(300, 7).filter((o) => o.kind === 'VEVENT');

  const names = async (start: string | null, end: string | null, viaParsing: boolean) => {
    const attrs = `${start ? ` start="${start}"` : ''}${end ? ` end="${end}"` : ''}`;
    const parsingOnly = viaParsing ? '<c:prop-filter name="UID"/>' : '';
    const res = await dav.report(
      CAL,
      calendarQuery(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range${attrs}/>${parsingOnly}</c:comp-filter></c:comp-filter>`),
    );
    expect(res.status).toBe(207);
    return [...parseMultistatus(res.text).members.keys()].map((h) => decodeURIComponent(h.split('/').pop() as string)).sort();
  };

  beforeAll(async () => {
    for (const o of generated) expect((await dav.put(`${CAL}${o.name}`, o.ics)).status).toBe(201);
    const edge: [string, string[]][] = [
      ['instant.ics', ['DTSTART:20260310T100000Z']],
      ['touching.ics', ['DTSTART:20260310T090000Z', 'DTEND:20260310T100000Z']],
      ['duration.ics', ['DTSTART;TZID=Europe/Berlin:20260310T235000', 'DURATION:PT20M']],
      ['weekly-forever.ics', ['DTSTART:20251006T070000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY']],
      ['zero-series.ics', ['DTSTART:20260302T120000Z', 'RRULE:FREQ=DAILY;COUNT=5', 'EXDATE:20260304T120000Z']],
      ['floating.ics', ['DTSTART:20260310T100000', 'DTEND:20260310T110000']],
      ['allday.ics', ['DTSTART;VALUE=DATE:20260310']],
    ];
    for (const [name, lines] of edge) expect((await dav.put(`${CAL}${name}`, calendar(event(name, lines)))).status).toBe(201);
    // Moved out of its week: the instance of 2026-03-09 takes place on 2026-04-20.
    const moved = calendar([
      ...event('moved', ['DTSTART:20260302T150000Z', 'DTEND:20260302T160000Z', 'RRULE:FREQ=WEEKLY;COUNT=3']),
      ...event('moved', ['RECURRENCE-ID:20260309T150000Z', 'DTSTART:20260420T150000Z', 'DTEND:20260420T160000Z']),
    ]);
    expect((await dav.put(`${CAL}moved.ics`, moved)).status).toBe(201);
  });

  it('stores spans for events with fixed times, and none where the calendar zone decides', async () => {
    const rows = await server.running.db
      .em()
      .execute<{ uri: string; spans: string | null; win: string }[]>(
        "select uri, instancespans::text as spans, instancewindow::text as win from calendarobjects where uri in ('instant.ics', 'zero-series.ics', 'weekly-forever.ics', 'floating.ics', 'allday.ics')",
      );
    const by = new Map(rows.map((r) => [r.uri, r]));
    expect(by.get('instant.ics')).toMatchObject({ spans: '{[1773136800,1773136801)}', win: '(,)' });
    // 03-04 is excluded; the five instants are separate one-second ranges.
    expect(by.get('zero-series.ics')?.spans?.split('),').length).toBe(4);
    // Open-ended: listed up to the horizon, 2026-01-01 + 3 × 366 days.
    expect(by.get('weekly-forever.ics')?.win).toBe(`(,${Date.UTC(2026, 0, 1) / 1000 + 3 * 366 * 86400})`);
    expect(by.get('floating.ics')).toMatchObject({ spans: null, win: 'empty' });
    expect(by.get('allday.ics')).toMatchObject({ spans: null, win: 'empty' });
  });

  it('returns exactly the generator’s answer for the benchmark month', async () => {
    const want = [...expectedIn(generated, MONTH)].sort();
    const ours = new Set(generated.map((o) => o.name));
    const got = (await names(stamp(MONTH.start), stamp(MONTH.end), false)).filter((n) => ours.has(n));
    expect(got).toEqual(want);
  });

  it('agrees with parsing on sliding windows of an hour, a day, a week and a month', async () => {
    const from = Date.UTC(2026, 1, 27, 10);
    for (const [step, size] of [
      [3600_000 * 7, 3600_000],
      [86400_000 * 3, 86400_000],
      [86400_000 * 9, 7 * 86400_000],
      [86400_000 * 40, 31 * 86400_000],
    ] as const) {
      for (let t = from; t < from + 12 * step; t += step) {
        const [s, e] = [stamp(t), stamp(t + size)];
        expect(await names(s, e, false), `${s}..${e}`).toEqual(await names(s, e, true));
      }
    }
  });

  it('agrees with parsing at the edges: touching ends, zero-length instants, open ranges, beyond the horizon', async () => {
    const cases: [string | null, string | null][] = [
      ['20260310T100000Z', '20260310T100001Z'], // the instant itself; touching.ics ends here
      ['20260310T095959Z', '20260310T100000Z'], // touching.ics's last second; the instant not yet
      ['20260304T120000Z', '20260304T120001Z'], // the EXDATE
      ['20260309T150000Z', '20260309T160000Z'], // where the moved instance was
      ['20260420T153000Z', '20260420T153001Z'], // where it went
      ['20260310T225900Z', '20260310T230100Z'], // duration.ics, 23:50 Berlin = 22:50Z, till 23:10Z
      [null, '20250101T000000Z'],
      ['20280101T000000Z', null],
      ['20350105T000000Z', '20350112T000000Z'], // beyond the horizon: weekly-forever.ics by parsing
    ];
    for (const [s, e] of cases) expect(await names(s, e, false), `${s}..${e}`).toEqual(await names(s, e, true));
    expect(await names('20260310T100000Z', '20260310T100001Z', false)).toEqual(expect.arrayContaining(['instant.ics']));
    expect(await names('20260310T100000Z', '20260310T100001Z', false)).not.toContain('touching.ics');
    expect(await names('20260304T120000Z', '20260304T120001Z', false)).not.toContain('zero-series.ics');
    expect(await names('20260309T150000Z', '20260309T160000Z', false)).not.toContain('moved.ics');
    expect(await names('20260420T153000Z', '20260420T153001Z', false)).toContain('moved.ics');
    expect(await names('20350105T000000Z', '20350112T000000Z', false)).toContain('weekly-forever.ics');
  });
});
