// A deterministic calendar for benchmarks: N objects over two years in Europe/Berlin (with its
// VTIMEZONE), about 30% recurring with an EXDATE and a moved override, some all-day, some in UTC,
// about 10% VTODOs. It also computes, independently of any iCalendar library, which events a
// time-range query must return, so every server's answer can be checked.
import { VTIMEZONE_BERLIN } from '../fixtures/ical.ts';

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

const TZ = 'Europe/Berlin';
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

const offsetFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Offset of Berlin from UTC at the UTC instant `t`, in ms. */
function berlinOffset(t: number): number {
  const parts = Object.fromEntries(offsetFormat.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - t;
}

/** The UTC instant of a Berlin wall-clock time given as if it were UTC (`local`). */
export function berlinToUtc(local: number): number {
  let t = local - berlinOffset(local);
  t = local - berlinOffset(t);
  return t;
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

function wrap(lines: string[], withZone: boolean): string {
  const body = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Calendula bench//EN', ...(withZone ? VTIMEZONE_BERLIN : []), ...lines, 'END:VCALENDAR'];
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
    const dayLocal = FIRST_DAY + Math.floor(rand() * DAYS) * DAY;
    const startLocal = dayLocal + (7 + Math.floor(rand() * 12)) * 3_600_000 + Math.floor(rand() * 4) * 15 * MINUTE;
    const minutes = 30 + Math.floor(rand() * 6) * 30;
    const summary = `${text(rand, 2)} ${i}`;
    const description = `DESCRIPTION:${text(rand, 12 + Math.floor(rand() * 20))}`;
    const common = [`UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:${summary}`, description];
    const r = rand();
    if (r < 0.1) {
      out.push({
        name,
        uid,
        kind: 'VTODO',
        ics: wrap(['BEGIN:VTODO', ...common, `DUE;TZID=${TZ}:${stamp(startLocal)}`, 'STATUS:NEEDS-ACTION', 'END:VTODO'], true),
        instances: [],
      });
    } else if (r < 0.4) {
      const weekly = rand() < 0.7;
      const interval = weekly ? 1 : 1 + Math.floor(rand() * 3);
      const stepDays = weekly ? 7 * interval : interval;
      const count = 4 + Math.floor(rand() * 27);
      const moved = 2 * 3_600_000;
      const instances: [number, number][] = [];
      for (let k = 0; k < count; k++) {
        if (k === 1) continue; // EXDATE
        const local = startLocal + k * stepDays * DAY + (k === 2 ? moved : 0);
        const s = berlinToUtc(local);
        instances.push([s, berlinToUtc(local + minutes * MINUTE)]);
      }
      const second = startLocal + stepDays * DAY;
      const third = startLocal + 2 * stepDays * DAY;
      const lines = [
        'BEGIN:VEVENT',
        ...common,
        `DTSTART;TZID=${TZ}:${stamp(startLocal)}`,
        `DTEND;TZID=${TZ}:${stamp(startLocal + minutes * MINUTE)}`,
        `RRULE:FREQ=${weekly ? 'WEEKLY' : 'DAILY'};INTERVAL=${interval};COUNT=${count}`,
        `EXDATE;TZID=${TZ}:${stamp(second)}`,
        'END:VEVENT',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20260101T000000Z',
        `RECURRENCE-ID;TZID=${TZ}:${stamp(third)}`,
        `SUMMARY:${summary} (moved)`,
        `DTSTART;TZID=${TZ}:${stamp(third + moved)}`,
        `DTEND;TZID=${TZ}:${stamp(third + moved + minutes * MINUTE)}`,
        'END:VEVENT',
      ];
      out.push({ name, uid, kind: 'VEVENT', ics: wrap(lines, true), instances });
    } else if (r < 0.48) {
      const days = 1 + Math.floor(rand() * 3);
      out.push({
        name,
        uid,
        kind: 'VEVENT',
        ics: wrap(['BEGIN:VEVENT', ...common, `DTSTART;VALUE=DATE:${dateStamp(dayLocal)}`, `DTEND;VALUE=DATE:${dateStamp(dayLocal + days * DAY)}`, 'TRANSP:TRANSPARENT', 'END:VEVENT'], false),
        // Floating: the noon bounds of MONTH make the zone irrelevant; UTC here.
        instances: [[dayLocal, dayLocal + days * DAY]],
      });
    } else if (r < 0.55) {
      const s = startLocal;
      out.push({
        name,
        uid,
        kind: 'VEVENT',
        ics: wrap(['BEGIN:VEVENT', ...common, `DTSTART:${stamp(s)}Z`, `DTEND:${stamp(s + minutes * MINUTE)}Z`, 'END:VEVENT'], false),
        instances: [[s, s + minutes * MINUTE]],
      });
    } else {
      out.push({
        name,
        uid,
        kind: 'VEVENT',
        ics: wrap(['BEGIN:VEVENT', ...common, `DTSTART;TZID=${TZ}:${stamp(startLocal)}`, `DTEND;TZID=${TZ}:${stamp(startLocal + minutes * MINUTE)}`, 'LOCATION:Room 1.23', 'END:VEVENT'], true),
        instances: [[berlinToUtc(startLocal), berlinToUtc(startLocal + minutes * MINUTE)]],
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
