// The views' read path parses a stored object without its VTIMEZONE blocks and takes each zone
// from a cache keyed by the block's text: what it answers must be what the full parse answers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { occurrencesOf } from '../../src/ical/occurrences.ts';
import { parseCalendarText, parseStoredCalendarText } from '../../src/ical/parse.ts';
import { cutZoneBlocks } from '../../src/ical/zoneCache.ts';
import { corpusIcsFiles } from '../helpers/corpus/load.ts';

const at = (iso: string) => Date.parse(iso) / 1000;
const LIMITS = { maxInstances: 500, maxSteps: 50_000 };
const NEW_YORK = [
  'BEGIN:VTIMEZONE', 'TZID:America/New_York',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:-0500', 'TZOFFSETTO:-0400', 'TZNAME:EDT', 'DTSTART:20070311T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:-0400', 'TZOFFSETTO:-0500', 'TZNAME:EST', 'DTSTART:20071104T020000', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];
const calendar = (eol: string, ...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 15.1//EN', ...lines, 'END:VCALENDAR', ''].join(eol);
const event = ['BEGIN:VEVENT', 'UID:a', 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID=America/New_York:20260310T090000', 'DTEND;TZID=America/New_York:20260310T100000', 'RRULE:FREQ=DAILY;COUNT=3', 'END:VEVENT'];


/** What the views list for a text, or the error, with one parse or the other. */
function read(parse: (text: string) => ReturnType<typeof parseCalendarText>, text: string, range: { start: number; end: number }, zone: string): unknown {
  try {
    return occurrencesOf(parse(text), range, zone, LIMITS);
  } catch (e) {
    // A text the full parse refuses is refused too; its message may name another line (the blocks are cut).
    return { error: e instanceof Error ? e.name : 'error' };
  }
}

describe('VTIMEZONE blocks cut before the parse', () => {
  it('cuts each block and resolves it once per distinct text, with CRLF or LF line ends', () => {
    for (const eol of ['\r\n', '\n']) {
      const text = calendar(eol, ...NEW_YORK, ...event);
      const cut = cutZoneBlocks(text);
      expect(cut?.rest).toBe(calendar(eol, ...event));
      expect(cut?.zones.map(([tzid]) => tzid)).toEqual(['America/New_York']);
      // The same block again: the same zone, not a new parse.
      expect(cutZoneBlocks(text)?.zones[0]?.[1]).toBe(cut?.zones[0]?.[1]);
    }
  });

  it('reads the times in the cut zones as the full parse does', () => {
    const text = calendar('\r\n', ...NEW_YORK, ...event);
    const range = { start: at('2026-03-01T00:00:00Z'), end: at('2026-04-01T00:00:00Z') };
    const cut = occurrencesOf(parseStoredCalendarText(text), range, 'UTC', LIMITS);
    expect(cut.items.map((o) => new Date(o.start * 1000).toISOString())).toEqual(['2026-03-10T13:00:00.000Z', '2026-03-11T13:00:00.000Z', '2026-03-12T13:00:00.000Z']);
    expect(cut).toEqual(occurrencesOf(parseCalendarText(text), range, 'UTC', LIMITS));
  });

  it('leaves a text whose blocks are not written plainly to the full parse', () => {
    // A component other than an observance inside the block, and a BEGIN line with a space after it.
    const odd = NEW_YORK.map((l) => (l === 'END:DAYLIGHT' ? 'END:DAYLIGHT\r\nBEGIN:X-THING\r\nEND:X-THING' : l));
    expect(cutZoneBlocks(calendar('\r\n', ...odd, ...event))).toBeNull();
    expect(cutZoneBlocks(calendar('\r\n', 'BEGIN:VTIMEZONE ', ...NEW_YORK.slice(1), ...event))).toBeNull();
    // No block at all: nothing to cut.
    expect(cutZoneBlocks(calendar('\r\n', ...event))?.zones).toEqual([]);
  });

  it('answers as the full parse on every object of the corpus a write accepts, in three zones and three windows', () => {
    const files = corpusIcsFiles();
    expect(files.length).toBeGreaterThan(100);
    let compared = 0;
    let refused = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const first = /^DTSTART[^:\r\n]*:(\d{4})(\d{2})(\d{2})/m.exec(text);
      const around = first ? Date.UTC(Number(first[1]), Number(first[2]) - 1, Number(first[3])) / 1000 : at('2026-03-01T00:00:00Z');
      const windows = [
        { start: at('1990-01-01T00:00:00Z'), end: at('2040-01-01T00:00:00Z') },
        { start: at('2026-03-01T00:00:00Z'), end: at('2026-04-01T00:00:00Z') },
        { start: around - 40 * 86400, end: around + 40 * 86400 },
      ];
      // Only what a write accepts is ever stored: a text the full parse refuses never reaches this
      // path (which does not check the structure again).
      try {
        parseCalendarText(text);
      } catch {
        refused++;
        continue;
      }
      for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York']) {
        for (const range of windows) {
          expect(read(parseStoredCalendarText, text, range, zone), `${file} ${zone} ${range.start}`).toEqual(read(parseCalendarText, text, range, zone));
          compared++;
        }
      }
    }
    expect(compared).toBe((files.length - refused) * 9);
    expect(compared).toBeGreaterThan(900);
  });
});
