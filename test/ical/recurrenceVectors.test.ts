// Recurrence vectors run through expandInstances: every example of RFC 5545 §3.8.5.3, the cases
// of issue #23 and libical's own vectors (src/test/icalrecur_test.txt, copied unchanged into
// test/fixtures/recurrence/libical/). The answers are the RFC's: written out by hand from its text
// (test/fixtures/recurrence/*.json), or libical's where the RFC agrees; decisions.json lists where
// the RFC overrules libical. Vectors today's engine gets wrong are listed in pending.json and run
// as expected failures, so one that starts passing fails here until its entry is removed.
import { describe, expect, it } from 'vitest';
import { expandInstances } from '../../src/ical/instances.ts';
import { parseCalendarText } from '../../src/ical/parse.ts';
import { TimeResolver } from '../../src/ical/time.ts';
import { calendar, event } from '../fixtures/ical.ts';
import { decisions, fields, loadLibical, loadZoned, pendingIds, utcStamp, zonedToEpoch, type LibicalVector } from '../fixtures/recurrence/vectors.ts';

const pending = pendingIds();
const used = new Set<string>();

/** A vector's test: an expected failure while it is pending (the reason in its name). */
function vector(id: string, name: string, fn: () => void): void {
  const p = pending.get(id);
  used.add(id);
  if (p?.hangs) it.skip(`${name} (pending: issue #23 engine: ${p.reason}; skipped, it takes today's engine minutes)`, fn);
  else if (p) it.fails(`${name} (pending: issue #23 engine: ${p.reason})`, fn);
  else it(name, fn);
}

function expand(text: string, opts: { from?: number; until?: number; maxInstances: number }) {
  const components = parseCalendarText(text).getAllSubcomponents('vevent');
  return expandInstances(components, new TimeResolver(), opts);
}

for (const file of ['rfc5545-examples.json', 'issue23.json'] as const) {
  const { tzid, examples } = loadZoned(file);
  describe(`${file} through expandInstances`, () => {
    for (const ex of examples) {
      vector(`${file}#${ex.id}`, `${ex.id}: ${ex.title}`, () => {
        const text = calendar(
          event(ex.id, [`DTSTART;TZID=${tzid}:${ex.dtstart}`, `RRULE:${ex.rrule}`, ...(ex.exdate ?? []).map((x) => `EXDATE;TZID=${tzid}:${x}`)]),
        );
        const from = zonedToEpoch(ex.dtstart, tzid);
        const until = zonedToEpoch(ex.windowEnd, tzid);
        const res = expand(text, { from, until, maxInstances: 5000 });
        expect(res.capped).toBe(false);
        const got = res.instances.map((i) => i.start as number).filter((s) => s >= from && s < until);
        expect(got.map(utcStamp)).toEqual(ex.instances.map((x) => utcStamp(zonedToEpoch(x, tzid))));
      });
    }
  });
}

/** How a libical value is written: a DATE, a UTC date-time, or a floating date-time (read in UTC here). */
function kindOf(v: string): 'date' | 'utc' | 'floating' {
  return v.length === 8 ? 'date' : v.endsWith('Z') ? 'utc' : 'floating';
}

function epochOf(v: string): number {
  const [y, mo, d, h, mi, s] = fields(v);
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

function stampAs(kind: 'date' | 'utc' | 'floating', epoch: number): string {
  const s = utcStamp(epoch);
  return kind === 'date' ? s.slice(0, 8) : kind === 'utc' ? s : s.slice(0, -1);
}

/** Why a libical vector is not run, or null. */
function skipReason(v: LibicalVector): string | null {
  if (/RSCALE=|SKIP=/.test(v.rrule)) return 'RSCALE and SKIP are RFC 7529, not RFC 5545';
  if (v.instances === null) return 'libical answers an error (a feature it does not implement), not instances';
  return null;
}

describe('libical icalrecur_test.txt through expandInstances', () => {
  const byId = new Map<string, { expect: 'rfc' | 'either'; instances?: string[]; alternative?: string[] }>();
  for (const d of decisions()) for (const id of d.ids) byId.set(id, { expect: d.expect, instances: d.instances?.[id], alternative: d.alternatives?.[id] });

  for (const v of loadLibical()) {
    const name = `${v.id} ${v.rrule} from ${v.dtstart}${v.startAt ? ` starting at ${v.startAt}` : ''} (${v.comment || 'no comment'})`;
    const skip = skipReason(v);
    if (skip) {
      it.skip(`${name} (skipped: ${skip})`, () => {});
      continue;
    }
    vector(v.id, name, () => {
      const kind = kindOf(v.dtstart);
      const decision = byId.get(v.id);
      const libical = v.instances!;
      const expected = decision?.expect === 'rfc' ? decision.instances! : libical;
      const bounded = /(^|;)(COUNT|UNTIL)=/.test(v.rrule);
      const from = v.startAt ? epochOf(v.startAt) : undefined;
      // An open rule is compared over the instances libical lists.
      const until = bounded ? undefined : epochOf(expected[expected.length - 1]!) + 1;
      const text = calendar(event('v', [kind === 'date' ? `DTSTART;VALUE=DATE:${v.dtstart}` : `DTSTART:${v.dtstart}`, `RRULE:${v.rrule}`]));
      const res = expand(text, { from, until, maxInstances: expected.length + 50 });
      expect(res.capped).toBe(false);
      const got = res.instances
        .map((i) => i.start as number)
        .filter((s) => from === undefined || s >= from)
        .map((s) => stampAs(kind, s));
      const want = expected.filter((x) => from === undefined || epochOf(x) >= from);
      if (decision?.expect === 'either') {
        // Two readings of the RFC (decisions.json says why): libical's list or the other one. Without
        // a list given, the question is DTSTART off the rule, a set RFC 5545 §3.8.5.3 leaves
        // undefined: libical leaves DTSTART out, the other reading counts it first (§3.3.10 COUNT).
        const count = /(?:^|;)COUNT=(\d+)/.exec(v.rrule);
        const other = decision.alternative ?? [v.dtstart, ...want].slice(0, count ? Number(count[1]) : undefined);
        expect([JSON.stringify(want), JSON.stringify(other)]).toContain(JSON.stringify(got));
      } else {
        expect(got).toEqual(want);
      }
    });
  }
});

describe('the lists beside the vectors', () => {
  it('name only vectors that exist', () => {
    // Entries for the VTIMEZONE round of test/dav/rfc5545Examples.test.ts are checked there.
    expect([...pending.keys()].filter((id) => !id.endsWith('@vtimezone') && !used.has(id))).toEqual([]);
    const all = new Set(loadLibical().map((v) => v.id));
    expect(decisions().flatMap((d) => d.ids).filter((id) => !all.has(id))).toEqual([]);
  });
});
