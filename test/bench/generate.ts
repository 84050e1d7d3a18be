// A deterministic calendar for benchmarks, as varied as the calendars users bring: N objects over
// two years, 90% events and 10% tasks; a quarter of the events recurring (weekly or daily, with
// COUNT or UNTIL, one or two EXDATEs and one or two overrides, moved or retitled); timed events in
// eight zones of both hemispheres (Outlook's Windows zone names among them), each object with its
// VTIMEZONE; some all-day, some in UTC. It also computes, independently of any iCalendar library,
// which events a time-range query must return, so every server's answer can be checked.
import { VTIMEZONES } from '../fixtures/ical.ts';

export interface BenchObject {
  name: string;
  uid: string;
  kind: 'VEVENT' | 'VTODO';
  ics: string;
  /** UTC [start, end) of every instance in ms (events only). */
  instances: [number, number][];
}

export interface Window {
  start: number;
  end: number;
}

/** The month every server is asked for. The bounds are at noon UTC, so all-day (floating) events
 * fall on the same side of them whatever time zone a server evaluates floating times in. */
export const MONTH: Window = { start: Date.UTC(2026, 2, 1, 12), end: Date.UTC(2026, 3, 1, 12) };

const TZIDS = Object.keys(VTIMEZONES);
const FIRST_DAY = Date.UTC(2026, 0, 1);
const DAYS = 730;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** mulberry32: small, fast, and the same sequence everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone from UTC at the UTC instant `t`, in ms. */
function offsetIn(iana: string, t: number): number {
  let f = formats.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(iana, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - t;
}

/** The UTC instant of a wall-clock time in a zone, given as if it were UTC (`local`). */
export function zonedToUtc(local: number, iana: string): number {
  let t = local - offsetIn(iana, local);
  t = local - offsetIn(iana, t);
  return t;
}

export function berlinToUtc(local: number): number {
  return zonedToUtc(local, 'Europe/Berlin');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function stamp(local: number): string {
  const d = new Date(local);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}00`;
}
function dateStamp(local: number): string {
  return stamp(local).slice(0, 8);
}

const WORDS = ['planning', 'review', 'lecture', 'lab', 'seminar', 'sync', 'retro', 'workshop', 'exam', 'office hours', 'standup', 'dentist', 'lunch', 'training', 'call'];

function text(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)] as string);
  return out.join(' ');
}

function wrap(lines: string[], tzid: string | null): string {
  const body = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Calendula bench//EN', ...(tzid ? (VTIMEZONES[tzid]?.lines ?? []) : []), ...lines, 'END:VCALENDAR'];
  // Fold at 75 octets as RFC 5545 asks (descriptions are long); all text here is ASCII.
  const folded: string[] = [];
  for (const l of body) {
    let rest = l;
    folded.push(rest.slice(0, 75));
    rest = rest.slice(75);
    while (rest.length) {
      folded.push(` ${rest.slice(0, 74)}`);
      rest = rest.slice(74);
    }
  }
  return `${folded.join('\r\n')}\r\n`;
}

export function generate(n: number, seed = 20260101): BenchObject[] {
  const rand = prng(seed);
  const out: BenchObject[] = [];
  for (let i = 0; i < n; i++) {
    const uid = `bench-${seed}-${i}@calendula.bench`;
    const name = `obj-${i}.ics`;
    const tzid = TZIDS[Math.floor(rand() * TZIDS.length)] as string;
    const iana = (VTIMEZONES[tzid] as { iana: string }).iana;
    const toUtc = (local: number) => zonedToUtc(local, iana);
    const dayLocal = FIRST_DAY + Math.floor(rand() * DAYS) * DAY;
    const startLocal = dayLocal + (7 + Math.floor(rand() * 12)) * 3_600_000 + Math.floor(rand() * 4) * 15 * MINUTE;
    const minutes = 30 + Math.floor(rand() * 6) * 30;
    const summary = `${text(rand, 2)} ${i}`;
    const description = `DESCRIPTION:${text(rand, 12 + Math.floor(rand() * 20))}`;
    const common = [`UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:${summary}`, description];
    const zoned = (prop: string, local: number) => `${prop};TZID=${tzid}:${stamp(local)}`;
    const r = rand();
    if (r < 0.1) {
      out.push({
        name,
        uid,
        kind: 'VTODO',
        ics: wrap(['BEGIN:VTODO', ...common, zoned('DUE', startLocal), 'STATUS:NEEDS-ACTION', `PRIORITY:${1 + Math.floor(rand() * 9)}`, 'END:VTODO'], tzid),
        instances: [],
      });
    } else if (r < 0.325) {
      // A quarter of the events: a series with EXDATEs and overrides.
      const weekly = rand() < 0.7;
      const interval = weekly ? 1 : 1 + Math.floor(rand() * 3);
      const stepDays = weekly ? 7 * interval : interval;
      const count = 6 + Math.floor(rand() * 40);
      const byUntil = rand() < 0.4;
      const excluded = new Set([1, ...(rand() < 0.5 ? [4] : [])]);
      const overrides = new Map<number, { shift: number; title: string }>([[2, { shift: 2 * 3_600_000, title: `${summary} (moved)` }]]);
      if (rand() < 0.5) overrides.set(5, { shift: 0, title: `${summary} (agenda changed)` });
      const instances: [number, number][] = [];
      for (let k = 0; k < count; k++) {
        if (excluded.has(k)) continue;
        const local = startLocal + k * stepDays * DAY + (overrides.get(k)?.shift ?? 0);
        instances.push([toUtc(local), toUtc(local + minutes * MINUTE)]);
      }
      const occurrence = (k: number) => startLocal + k * stepDays * DAY;
      // UNTIL is the last instance's start in UTC (RFC 5545: UTC when DTSTART has a TZID).
      const end = byUntil ? `UNTIL=${utcStamp(toUtc(occurrence(count - 1)))}` : `COUNT=${count}`;
      const lines = [
        'BEGIN:VEVENT',
        ...common,
        zoned('DTSTART', startLocal),
        zoned('DTEND', startLocal + minutes * MINUTE),
        `RRULE:FREQ=${weekly ? 'WEEKLY' : 'DAILY'};INTERVAL=${interval};${end}`,
        ...[...excluded].map((k) => zoned('EXDATE', occurrence(k))),
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        'DESCRIPTION:Reminder',
        'TRIGGER:-PT15M',
        'END:VALARM',
        'END:VEVENT',
      ];
      for (const [k, o] of overrides) {
        lines.push(
          'BEGIN:VEVENT',
          `UID:${uid}`,
          'DTSTAMP:20260101T000000Z',
          zoned('RECURRENCE-ID', occurrence(k)),
          `SUMMARY:${o.title}`,
          description,
          zoned('DTSTART', occurrence(k) + o.shift),
          zoned('DTEND', occurrence(k) + o.shift + minutes * MINUTE),
          'SEQUENCE:1',
          'END:VEVENT',
        );
      }
      out.push({ name, uid, kind: 'VEVENT', ics: wrap(lines, tzid), instances });
    } else if (r < 0.4) {
      const days = 1 + Math.floor(rand() * 3);
      out.push({
        name,
        uid,
        kind: 'VEVENT',
        ics: wrap(['BEGIN:VEVENT', ...common, `DTSTART;VALUE=DATE:${dateStamp(dayLocal)}`, `DTEND;VALUE=DATE:${dateStamp(dayLocal + days * DAY)}`, 'TRANSP:TRANSPARENT', 'END:VEVENT'], null),
        // Floating: the noon bounds of MONTH make the zone irrelevant; UTC here.
        instances: [[dayLocal, dayLocal + days * DAY]],
      });
    } else if (r < 0.47) {
      const s = startLocal;
      out.push({
        name,
        uid,
        kind: 'VEVENT',
        ics: wrap(['BEGIN:VEVENT', ...common, `DTSTART:${stamp(s)}Z`, `DTEND:${stamp(s + minutes * MINUTE)}Z`, 'END:VEVENT'], null),
        instances: [[s, s + minutes * MINUTE]],
      });
    } else {
      const attendees = rand() < 0.3 ? ['ORGANIZER;CN=Organizer:mailto:organizer@example.com', `ATTENDEE;PARTSTAT=ACCEPTED;CN=Guest ${i}:mailto:guest${i % 50}@example.com`] : [];
      out.push({
        name,
        uid,
        kind: 'VEVENT',
        ics: wrap(['BEGIN:VEVENT', ...common, zoned('DTSTART', startLocal), zoned('DTEND', startLocal + minutes * MINUTE), 'LOCATION:Room 1.23', ...attendees, 'END:VEVENT'], tzid),
        instances: [[toUtc(startLocal), toUtc(startLocal + minutes * MINUTE)]],
      });
    }
  }
  return out;
}

/** The names of the events a VEVENT time-range query over `w` must return. */
export function expectedIn(objects: BenchObject[], w: Window): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'VEVENT' && o.instances.some(([s, e]) => s < w.end && e > w.start)) out.add(o.name);
  }
  return out;
}

/** The same object changed (for the sync-collection workload). */
export function changed(o: BenchObject, round: number): string {
  return o.ics.replace(/\r\nSUMMARY:([^\r\n]*)/, (_m, s: string) => `\r\nSUMMARY:${s} (changed ${round})`);
}

export function utcStamp(t: number): string {
  return `${stamp(t)}Z`;
}
