// A deterministic calendar for benchmarks, as varied as the calendars users bring: N objects over
// two years, 90% events and 10% tasks; a quarter of the events recurring (weekly or daily, with
// COUNT or UNTIL, one or two EXDATEs and one or two overrides, moved or retitled); timed events in
// eight zones of both hemispheres (Outlook's Windows zone names among them), each object with its
// VTIMEZONE; some all-day, some in UTC; text in nine languages and scripts, with emoji, in lines
// folded at 75 octets as RFC 5545 asks. It also computes, independently of any iCalendar library,
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

// Real calendars are written in many scripts: the text is drawn from nine vocabularies (the same
// fifteen meetings in each), one per object, so the export folds long lines of 2-, 3- and 4-octet
// characters, emoji with ZWJ sequences, skin tones, flags and variation selectors, and combining
// marks. The language comes from its own random sequence, so the calendar's shape (times,
// recurrences) is the same as with the English-only data before.
const LANGUAGES: Record<string, { words: string[]; locations: string[]; people: string[] }> = {
  en: {
    words: ['planning', 'review', 'lecture', 'lab', 'seminar', 'sync', 'retro', 'workshop', 'exam', 'office hours', 'standup', 'dentist', 'lunch', 'training', 'call'],
    locations: ['Room 1.23', 'Main building\\, 2nd floor', 'Online'],
    people: ['Guest'],
  },
  de: {
    words: ['Planung', 'Überprüfung', 'Vorlesung', 'Übung', 'Seminar', 'Abstimmung', 'Rückblick', 'Werkstatt', 'Prüfung', 'Sprechstunde', 'Frühbesprechung', 'Zahnärztin', 'Mittagessen', 'Schulung', 'Telefonat mit Jürgen'],
    locations: ['Besprechungsraum „Großer Saal“\\, Erdgeschoß', 'Hörsaal Süd (Gebäude Ä)', 'Büro Müller'],
    people: ['Jürgen Groß', 'Käthe Schäfer'],
  },
  fr: {
    // "révision" and "réunion" with a combining acute accent (NFD), as some macOS clients write them.
    words: ['planification', 're\u0301vision', 'cours magistral', 'travaux pratiques', 'séminaire', 'synchronisation', 'rétrospective', 'atelier', 'examen', 'permanence', 'point quotidien', 'dentiste', 'déjeuner', 'formation', 're\u0301union à l’hôtel de ville'],
    locations: ['Salle « Fénelon »\\, 3ᵉ étage', 'Amphithéâtre Gay-Lussac', 'Café de la Gare'],
    people: ['Françoise Lefèvre', 'Benoît Cœurdacier'],
  },
  ja: {
    words: ['企画会議', 'レビュー', '講義', '実験', 'ゼミ', '打ち合わせ', '振り返り', 'ワークショップ', '試験', 'オフィスアワー', '朝会', '歯医者', '昼食', '研修', '電話'],
    locations: ['本社ビル３階 第一会議室', '東京都千代田区丸の内一丁目', 'オンライン（Zoom）'],
    people: ['山田太郎', '佐藤花子'],
  },
  zh: {
    words: ['计划会议', '评审', '讲座', '实验室', '研讨会', '同步', '回顾', '工作坊', '考试', '答疑时间', '站会', '牙医', '午餐', '培训', '电话会议'],
    locations: ['北京市海淀区中关村大街１号', '第二教学楼 ２０３教室', '线上会议'],
    people: ['王小明', '李华'],
  },
  ko: {
    words: ['기획 회의', '검토', '강의', '실험', '세미나', '동기화', '회고', '워크숍', '시험', '상담 시간', '스탠드업', '치과', '점심', '교육', '통화'],
    locations: ['서울특별시 중구 세종대로 110', '본관 3층 회의실'],
    people: ['김민준', '이서연'],
  },
  ru: {
    words: ['планирование', 'обзор', 'лекция', 'лабораторная', 'семинар', 'синхронизация', 'ретроспектива', 'мастерская', 'экзамен', 'приёмные часы', 'планёрка', 'стоматолог', 'обед', 'тренинг', 'звонок'],
    locations: ['Переговорная «Москва»\\, 5 этаж', 'Аудитория 314'],
    people: ['Алёна Иванова', 'Пётр Щукин'],
  },
  ar: {
    words: ['تخطيط', 'مراجعة', 'محاضرة', 'مختبر', 'ندوة', 'مزامنة', 'استعراض', 'ورشة عمل', 'امتحان', 'ساعات مكتبية', 'اجتماع يومي', 'طبيب الأسنان', 'غداء', 'تدريب', 'مكالمة'],
    locations: ['قاعة الاجتماعات الكبرى، الطابق الثاني', 'جامعة القاهرة'],
    people: ['فاطمة الزهراء', 'عمر الفاروق'],
  },
  emoji: {
    // Surrogate pairs, ZWJ sequences (👩‍💻, the family, 🏳️‍🌈), skin tones, a flag and U+FE0F.
    words: ['planning 📅', 'review 👀', 'lecture 🎓', 'lab 🧪', 'seminar 👩🏽‍🏫', 'sync 🔄', 'retro 🏳️‍🌈', 'workshop 👩‍💻', 'exam 📝', 'office hours ☕️', 'standup 🧍🏽‍♀️', 'dentist 🦷', 'lunch 🍜', 'training 👨‍👩‍👧‍👦', 'call 📞🇩🇪'],
    locations: ['Café ☕️ corner', 'Rooftop 🌇'],
    people: ['Sam 🦄'],
  },
};
const LANGUAGE_WEIGHTS: [string, number][] = [['en', 0.2], ['de', 0.15], ['fr', 0.1], ['ja', 0.1], ['zh', 0.1], ['ko', 0.05], ['ru', 0.1], ['ar', 0.1], ['emoji', 0.1]];

function pickLanguage(r: number): string {
  let acc = 0;
  for (const [lang, w] of LANGUAGE_WEIGHTS) {
    acc += w;
    if (r < acc) return lang;
  }
  return 'en';
}

/** `words` words of the language: one draw of `rand` each (the calendar's shape depends on it), and
 * now and then an emoji from `extra`, as people write. */
function text(rand: () => number, words: number, lang: string, extra: () => number): string {
  const vocabulary = (LANGUAGES[lang] as { words: string[] }).words;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    const k = Math.floor(rand() * vocabulary.length);
    out.push(extra() < 0.08 ? (LANGUAGES.emoji as { words: string[] }).words[k] as string : (vocabulary[k] as string));
  }
  return out.join(' ');
}

function pick<T>(xs: T[], r: number): T {
  return xs[Math.floor(r * xs.length)] as T;
}

/** Splits a content line into lines of at most 75 octets (RFC 5545 §3.1), between code points. */
export function fold(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > 75) {
      out.push(current);
      current = ' ';
      bytes = 1;
    }
    current += ch;
    bytes += n;
  }
  out.push(current);
  return out;
}

function wrap(lines: string[], tzid: string | null): string {
  const body = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Calendula bench//EN', ...(tzid ? (VTIMEZONES[tzid]?.lines ?? []) : []), ...lines, 'END:VCALENDAR'];
  const folded = body.flatMap(fold);
  return `${folded.join('\r\n')}\r\n`;
}

export function generate(n: number, seed = 20260101): BenchObject[] {
  const rand = prng(seed);
  const textRand = prng(seed ^ 0x5eed);
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
    const lang = pickLanguage(textRand());
    const { locations, people } = LANGUAGES[lang] as { locations: string[]; people: string[] };
    const summary = `${text(rand, 2, lang, textRand)} ${i}`;
    const description = `DESCRIPTION:${text(rand, 12 + Math.floor(rand() * 20), lang, textRand)}`;
    const common = [`UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:${summary}`, description, `LOCATION:${pick(locations, textRand())}`];
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
      const attendees = rand() < 0.3 ? ['ORGANIZER;CN=Organizer:mailto:organizer@example.com', `ATTENDEE;PARTSTAT=ACCEPTED;CN="${pick(people, textRand())} ${i}":mailto:guest${i % 50}@example.com`] : [];
      out.push({
        name,
        uid,
        kind: 'VEVENT',
        ics: wrap(['BEGIN:VEVENT', ...common, zoned('DTSTART', startLocal), zoned('DTEND', startLocal + minutes * MINUTE), ...attendees, 'END:VEVENT'], tzid),
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
