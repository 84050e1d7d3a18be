// Folding and merging for the ICS export, checked on random text in every script: what a client
// unfolds is what was stored, and no line is longer than 75 octets or splits a UTF-8 sequence
// (RFC 5545 §3.1).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalendarMerger, foldLine, mergeCalendars } from '../../src/ical/export.ts';

/** Text as calendars hold it: ASCII, 2-, 3- and 4-octet characters, emoji sequences, combining marks. */
const piece = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('ä', 'ß', 'é', 'e\u0301', 'Ж', 'ع', '中', '日本語', '한', '😀', '👩‍💻', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇩🇪', '👍🏽', '\u200d', '\ufeff', 'x'),
);
const anyText = fc.array(piece, { maxLength: 40 }).map((xs) => xs.join(''));
/** A content line's value: no line breaks (a stored value has them escaped). */
const value = anyText.map((s) => s.replace(/[\r\n]/g, ' '));

/** The UTF-8 octets of every physical line, the continuation's leading space left out. */
function octetsOf(folded: string): Buffer {
  return Buffer.concat(folded.split('\r\n').map((l, i) => Buffer.from(i === 0 ? l : l.slice(1), 'utf8')));
}

describe('foldLine', () => {
  it('unfolds to the line it was given, in lines of at most 75 octets, never splitting a UTF-8 sequence', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('SUMMARY', 'DESCRIPTION', 'X-A;CN="ä"'), minLength: 1, maxLength: 1 }), value, (name, v) => {
        const line = `${name}:${v}`;
        const folded = foldLine(line);
        const lines = folded.split('\r\n');
        for (const [i, l] of lines.entries()) {
          expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
          if (i > 0) {
            expect(l[0]).toBe(' ');
            expect(l.length).toBeGreaterThan(1);
          }
        }
        expect(folded.replace(/\r\n /g, '')).toBe(line);
        // A surrogate pair cut in two would be written as two U+FFFD: the octets would differ.
        expect(octetsOf(folded).equals(Buffer.from(line, 'utf8'))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('uses the whole 75 octets: a fold comes only where the next character would not fit', () => {
    fc.assert(
      fc.property(value, (v) => {
        const lines = foldLine(`DESCRIPTION:${v}`).split('\r\n');
        for (let i = 0; i < lines.length - 1; i++) {
          const next = [...(lines[i + 1] as string).slice(1)][0] as string;
          expect(Buffer.byteLength(lines[i] as string) + Buffer.byteLength(next)).toBeGreaterThan(75);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('returns a line of at most 75 octets as it is', () => {
    expect(foldLine(`SUMMARY:${'ü'.repeat(33)}`)).toBe(`SUMMARY:${'ü'.repeat(33)}`);
    expect(foldLine(`SUMMARY:${'ü'.repeat(34)}`)).toBe(`SUMMARY:${'ü'.repeat(33)}\r\n ü`);
    // Four octets that do not fit move whole to the next line.
    expect(foldLine(`SUMMARY:${'x'.repeat(64)}😀`)).toBe(`SUMMARY:${'x'.repeat(64)}\r\n 😀`);
  });
});

interface Component {
  name: string;
  tzid?: string;
  lines: string[];
}

/** How a client might have written a logical line: as it is, or folded at any code point boundary. */
const writtenLine = (line: string) =>
  fc.oneof(
    fc.constant([line]),
    fc.array(fc.nat(), { maxLength: 6 }).map((cuts) => {
      const cps = [...line];
      const at = [...new Set(cuts.map((c) => 1 + (c % Math.max(1, cps.length - 1))))].filter((c) => c < cps.length).sort((a, b) => a - b);
      const parts: string[] = [];
      let from = 0;
      for (const c of at) {
        parts.push(cps.slice(from, c).join(''));
        from = c;
      }
      parts.push(cps.slice(from).join(''));
      return parts.map((p, i) => (i === 0 ? p : ` ${p}`));
    }),
  );

const component: fc.Arbitrary<Component> = fc
  .record({
    kind: fc.constantFrom('VEVENT', 'VTODO', 'VJOURNAL', 'VTIMEZONE'),
    tzid: fc.constantFrom('Europe/Berlin', 'Asia/東京', 'X'),
    // Stored text is well-formed UTF-8: no lone surrogates here.
    props: fc.array(fc.tuple(fc.constantFrom('SUMMARY', 'DESCRIPTION', 'LOCATION', 'X-ÄÖÜ;CN=日本', 'TRANSP', 'TZNAME'), value.map((v) => Buffer.from(v).toString())), { maxLength: 6 }),
    alarm: fc.boolean(),
  })
  .map(({ kind, tzid, props, alarm }) => {
    const body = props.map(([n, v]) => `${n}:${v}`);
    const inner = alarm ? ['BEGIN:VALARM', 'ACTION:DISPLAY', ...body.slice(0, 1), 'END:VALARM'] : [];
    const lines = kind === 'VTIMEZONE' ? [`BEGIN:${kind}`, `TZID:${tzid}`, ...body, 'END:VTIMEZONE'] : [`BEGIN:${kind}`, `UID:${tzid}`, ...body, ...inner, `END:${kind}`];
    return { name: kind, tzid: kind === 'VTIMEZONE' ? tzid : undefined, lines };
  });

/** An object as stored: components in a VCALENDAR, each line written its own way, CRLF or LF, maybe an empty line. */
const storedObject = fc.array(component, { minLength: 1, maxLength: 4 }).chain((components) => {
  const logical = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//ÄÖ//EN', ...components.flatMap((c) => c.lines), 'END:VCALENDAR'];
  return fc
    .record({
      physical: fc.tuple(...logical.map(writtenLine)),
      lf: fc.boolean(),
      blank: fc.nat({ max: logical.length }),
      trailingBreak: fc.boolean(),
    })
    .map(({ physical, lf, blank, trailingBreak }) => {
      const all = physical.flat();
      if (blank < all.length && !all[blank]?.startsWith(' ')) all.splice(blank, 0, '');
      const text = all.join(lf ? '\n' : '\r\n') + (trailingBreak ? (lf ? '\n' : '\r\n') : '');
      return { text, components };
    });
});

describe('CalendarMerger', () => {
  it('writes every component once (each VTIMEZONE once), unfolding to what was stored, in lines of at most 75 octets with CRLF', () => {
    fc.assert(
      fc.property(fc.array(storedObject, { minLength: 1, maxLength: 4 }), fc.constantFrom(undefined, 'VEVENT', 'VTODO'), (objects, type) => {
        const m = new CalendarMerger();
        const out = m.begin({ prodId: '-//Calendula//EN', properties: [`X-WR-CALNAME:${'Kalender für Jürgen 📅 '.repeat(4)}`] }) + objects.map((o) => m.add(o.text, type)).join('') + m.end();
        expect(out.endsWith('\r\n')).toBe(true);
        const physical = out.slice(0, -2).split('\r\n');
        for (const l of physical) {
          expect(l).not.toMatch(/\n/);
          expect(l).not.toBe('');
          expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
        }
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
        const got = out.replace(/\r\n[ \t]/g, '').split('\r\n').slice(0, -1);
        const zones = new Set<string>();
        const want: string[] = [];
        for (const o of objects) {
          for (const c of o.components) {
            if (c.name === 'VTIMEZONE') {
              if (zones.has(c.tzid as string)) continue;
              zones.add(c.tzid as string);
            } else if (type && c.name !== type) continue;
            want.push(...c.lines);
          }
        }
        expect(got.slice(5, -1)).toEqual(want);
        expect(got[0]).toBe('BEGIN:VCALENDAR');
        expect(got.at(-1)).toBe('END:VCALENDAR');
      }),
      { numRuns: 500 },
    );
  });

  it('copies lines that already fit as they are, and folds only those that do not', () => {
    const stored = ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', 'SUMMARY:Grüße aus ', ' Köln', `DESCRIPTION:${'日本語'.repeat(20)}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const out = mergeCalendars([stored], { prodId: 'x', properties: [] });
    // The client's fold is kept; the 196-octet line is folded at 75 octets.
    expect(out).toContain('\r\nSUMMARY:Grüße aus \r\n Köln\r\n');
    expect(out).toContain(`\r\nDESCRIPTION:${'日本語'.repeat(7)}\r\n ${'日本語'.repeat(8)}\r\n ${'日本語'.repeat(5)}\r\nEND:VEVENT\r\n`);
  });
});
