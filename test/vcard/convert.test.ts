// Converting cards between vCard 3.0 and 4.0 (src/vcard/convert.ts), for address-data asked in
// the other version: what sabre/vobject's converter maps, on the shapes Apple, DAVx5 and
// Thunderbird send and on every card of the corpora in test/fixtures/vcard/ (other projects' test
// data, see its README). A round trip must keep what a user sees in a contact; every converted
// card must be read by ical.js, by our own validation, and (when Debian's python3-vobject is
// installed) by Python's vobject.
import ICAL from 'ical.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertCard } from '../../src/vcard/convert.ts';
import { parseCard } from '../../src/vcard/parse.ts';
import { cardProperties, withNamedParameters, type CardProperty } from '../../src/vcard/properties.ts';
import { APPLE_CONTACT, APPLE_GROUP, crlf, DAVX5_CONTACT, simpleCard, THUNDERBIRD_CONTACT } from '../fixtures/vcards.ts';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'vcard');
const MAX = 1_000_000;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.vcf') ? [p] : [];
  });
}

/** The top-level cards of a file, each as its own text. */
function cardsOf(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let depth = 0;
  for (const line of text.split(/\r\n|\n|\r/)) {
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') depth++;
    if (depth > 0) current.push(line);
    if (upper === 'END:VCARD' && depth > 0 && --depth === 0) {
      out.push(`${current.join('\r\n')}\r\n`);
      current = [];
    }
  }
  return out;
}

const versionOf = (card: string) => /^VERSION:(.*)$/im.exec(card)?.[1]?.trim();

/** Every 3.0 and 4.0 card of the corpora and of our client-shaped fixtures, named for messages. */
const CORPUS: { name: string; text: string }[] = [
  ...files(ROOT).flatMap((f) => cardsOf(readFileSync(f, 'utf8')).map((text, i) => ({ name: `${relative(ROOT, f)}#${i + 1}`, text }))),
  ...Object.entries({ APPLE_CONTACT, APPLE_GROUP, DAVX5_CONTACT, THUNDERBIRD_CONTACT }).map(([name, text]) => ({ name, text })),
].filter((c) => versionOf(c.text) === '3.0' || versionOf(c.text) === '4.0');

// ---- what a user sees in a contact, read the same way from either version ----

function types(p: CardProperty): string[] {
  return (p.params.get('TYPE') ?? [])
    .map((t) => t.toLowerCase())
    .filter((t) => t !== 'pref' && t !== 'internet')
    .sort();
}

function isPref(p: CardProperty): boolean {
  return (p.params.get('TYPE') ?? []).some((t) => t.toLowerCase() === 'pref') || (p.params.get('PREF') ?? []).includes('1');
}

/** Base64 of a binary property's bytes, from ENCODING=b or a data: URI; or its URI. */
function media(p: CardProperty): string {
  const text = p.text.trim();
  const data = /^data:[^,]*?(;base64)?,(.*)$/is.exec(text);
  if (data) return data[1] ? Buffer.from(data[2]!.replace(/\s+/g, ''), 'base64').toString('base64') : Buffer.from(decodeURIComponent(data[2]!)).toString('base64');
  if ((p.params.get('ENCODING') ?? []).some((e) => /^(b|base64)$/i.test(e))) return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('base64');
  return text;
}

/** A birthday as month and day, with the year when the card has one (Apple's 1604 means none). */
function day(p: CardProperty): string {
  const t = p.text.trim();
  const omit = p.params.get('X-APPLE-OMIT-YEAR')?.[0];
  const full = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(t);
  if (full) return `${full[1] === omit ? '----' : full[1]}-${full[2]}-${full[3]}`;
  const noYear = /^--(\d{2})-?(\d{2})/.exec(t);
  if (noYear) return `-----${noYear[1]}-${noYear[2]}`;
  return t;
}

function seen(card: string): Record<string, string[]> {
  const props = cardProperties(card) ?? [];
  const label = (p: CardProperty) => (p.group ? (props.find((q) => q.group === p.group && q.name === 'X-ABLABEL')?.text ?? '') : '');
  const named = (...names: string[]) => props.filter((p) => names.includes(p.name));
  // A tel: URI's extension reads as " x102" in the number a 3.0 card holds.
  const telNumber = (p: CardProperty) => p.text.trim().replace(/^tel:/i, '').replace(/;ext=(.*)$/i, ' x$1');
  const kind = [
    ...named('KIND', 'X-ADDRESSBOOKSERVER-KIND').map((p) => p.text.trim().toLowerCase()),
    ...named('X-ABSHOWAS').flatMap((p) => (p.text.trim().toUpperCase() === 'COMPANY' ? ['org'] : [])),
  ].filter((k) => k !== 'individual');
  return {
    uid: named('UID').map((p) => p.text),
    fn: named('FN').map((p) => p.text),
    n: named('N').map((p) => p.text),
    org: named('ORG').map((p) => p.text),
    note: named('NOTE').map((p) => p.text),
    email: named('EMAIL').map((p) => `${p.text.trim().toLowerCase()} ${types(p).join(',')} ${isPref(p)} ${label(p)}`),
    tel: named('TEL').map((p) => `${telNumber(p)} ${types(p).join(',')} ${isPref(p)} ${label(p)}`),
    adr: named('ADR').map((p) => `${p.text} ${types(p).join(',')} ${isPref(p)} ${label(p)}`),
    url: named('URL').map((p) => p.text),
    photo: named('PHOTO', 'LOGO').map(media),
    bday: named('BDAY').map(day),
    kind,
    members: named('MEMBER', 'X-ADDRESSBOOKSERVER-MEMBER').map((p) => p.text.trim()),
  };
}

function lines(card: string): string[] {
  return card.split('\r\n').slice(0, -1);
}

function readsAsStored(card: string): boolean {
  try {
    ICAL.parse(withNamedParameters(card));
    return true;
  } catch {
    return false; // broken in the corpus on purpose (a line break in a value, ...)
  }
}

/** ical.js reads it; 4.0 output has every parameter named, 3.0 output keeps Apple's bare ones. */
function readable(card: string): void {
  const parsed = ICAL.parse(card) as unknown;
  expect(Array.isArray(parsed) && (parsed as unknown[])[0] === 'vcard').toBe(true);
}

describe('vCard conversion', () => {
  describe('as sabre/vobject maps it', () => {
    it('leaves a card already in the asked version byte for byte, even with LF line ends', () => {
      expect(convertCard(APPLE_CONTACT, '3.0')).toBe(APPLE_CONTACT);
      expect(convertCard(DAVX5_CONTACT, '4.0')).toBe(DAVX5_CONTACT);
      const lf = APPLE_CONTACT.replace(/\r\n/g, '\n');
      expect(convertCard(lf, '3.0')).toBe(lf);
    });

    it('writes Apple’s 3.0 contact as 4.0: PREF=1, the photo as a data: URI with the same bytes, dates in the basic form, groups and labels kept', () => {
      const out = convertCard(APPLE_CONTACT, '4.0');
      expect(lines(out).slice(0, 2)).toEqual(['BEGIN:VCARD', 'VERSION:4.0']);
      const unfolded = out.replace(/\r\n /g, '');
      expect(unfolded).toContain('item1.EMAIL;type=INTERNET;PREF=1:maja.lindqvist@example.se\r\n');
      expect(unfolded).toContain('item1.X-ABLabel:_$!<Other>!$_\r\n');
      expect(unfolded).toContain('TEL;type=CELL;type=VOICE;PREF=1:+46 70 123 45 67\r\n');
      expect(unfolded).toContain('item2.ADR;type=HOME;PREF=1:;;Storgatan 12;Göteborg;;411 38;Sverige\r\n');
      expect(unfolded).toContain('BDAY;value=date:19860229\r\n');
      expect(unfolded).toContain('REV:20261130T081502Z\r\n');
      expect(unfolded).toMatch(/\r\nPHOTO:data:image\/jpeg;base64,\/9j\/4AAQ[^\r]*PxA=\r\n/);
      expect(unfolded).toContain('NOTE:Met at the harbour conference\\, 2019.\\nPrefers e-mail.\r\n');
      expect(out).not.toMatch(/ENCODING|type=pref/i);
      expect(seen(out)).toEqual(seen(APPLE_CONTACT));
    });

    it('reads Apple’s bare PHOTO;BASE64: parameter and a PHOTO given by URI', () => {
      const card = simpleCard('p1', 'Photo Person', { extra: ['PHOTO;BASE64:', ' Zm9vYmFy', 'LOGO;VALUE=URI:https://example.com/logo.png', 'SOUND;ENCODING=b;TYPE=WAVE:UklGRg=='] });
      const out = convertCard(card, '4.0').replace(/\r\n /g, '');
      expect(out).toContain('\r\nPHOTO:data:application/octet-stream;base64,Zm9vYmFy\r\n');
      expect(out).toContain('\r\nLOGO:https://example.com/logo.png\r\n');
      expect(out).toContain('\r\nSOUND:data:audio/wav;base64,UklGRg==\r\n');
    });

    it('keeps a birthday without year (Apple’s 1604 and X-APPLE-OMIT-YEAR) and brings it back', () => {
      const card = simpleCard('b1', 'No Year', { extra: ['BDAY;X-APPLE-OMIT-YEAR=1604;VALUE=date:1604-04-12'] });
      const four = convertCard(card, '4.0');
      expect(four).toContain('\r\nBDAY;VALUE=date:--0412\r\n');
      const three = convertCard(four, '3.0');
      expect(three).toContain('\r\nBDAY;VALUE=date;X-APPLE-OMIT-YEAR=1604:1604-04-12\r\n');
      // A year that is not the omitted one stays.
      expect(convertCard(simpleCard('b2', 'Year', { extra: ['BDAY;X-APPLE-OMIT-YEAR=1604:1985-04-12'] }), '4.0')).toContain('\r\nBDAY:19850412\r\n');
      expect(convertCard(simpleCard('b3', 'Time', { extra: ['BDAY:1953-10-15T23:10:00+02:00'] }), '4.0')).toContain('\r\nBDAY:19531015T231000+0200\r\n');
    });

    it('turns Apple’s group card into KIND and MEMBER and back', () => {
      const four = convertCard(APPLE_GROUP, '4.0');
      expect(four).toContain('\r\nKIND:group\r\n');
      expect(four).toContain('\r\nMEMBER:urn:uuid:6C5F7C3E-9A51-4C2D-8F3B-0E2D9C1B7A44\r\n');
      expect(four).not.toContain('X-ADDRESSBOOKSERVER');
      const three = convertCard(four, '3.0');
      expect(three).toContain('\r\nX-ADDRESSBOOKSERVER-KIND:group\r\n');
      expect(three).toContain('\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:6C5F7C3E-9A51-4C2D-8F3B-0E2D9C1B7A44\r\n');
      expect(seen(three)).toEqual(seen(APPLE_GROUP));
      expect(convertCard(simpleCard('c', 'Company', { extra: ['X-ABShowAs:COMPANY'] }), '4.0')).toContain('\r\nKIND:org\r\n');
    });

    it('gives Apple’s anniversary (X-ABDATE labelled _$!<Anniversary>!$_, X-ANNIVERSARY) as one ANNIVERSARY, and back as both', () => {
      const card = simpleCard('a1', 'Wed Ding', { extra: ['item1.X-ABDATE;type=pref:2012-06-16', 'item1.X-ABLabel:_$!<Anniversary>!$_', 'X-ANNIVERSARY:2012-06-16', 'item2.X-ABDATE:2001-01-01', 'item2.X-ABLabel:_$!<Other>!$_'] });
      const four = convertCard(card, '4.0');
      expect(four.match(/^ANNIVERSARY:/gm)).toEqual(['ANNIVERSARY:']);
      expect(four).toContain('\r\nANNIVERSARY:20120616\r\n');
      expect(four).toContain('\r\nitem2.X-ABDATE:2001-01-01\r\n');
      expect(four).toContain('\r\nitem2.X-ABLabel:_$!<Other>!$_\r\n');
      expect(four).not.toContain('Anniversary');
      const three = convertCard(simpleCard('a2', 'Wed Ding', { version: '4.0', extra: ['item1.TEL:+1 555', 'item1.X-ABLabel:work', 'ANNIVERSARY:20120616'] }), '3.0');
      expect(three).toContain('\r\nX-ANNIVERSARY:2012-06-16\r\nitem2.X-ABDATE:2012-06-16\r\nitem2.X-ABLabel:_$!<Anniversary>!$_\r\n');
    });

    it('drops what 4.0 does not have and moves LABEL onto its ADR', () => {
      const card = simpleCard('d1', 'Old Style', {
        extra: ['NAME:Old card', 'MAILER:Pine', 'CLASS:PUBLIC', 'AGENT;VALUE=uri:CID:JQPUBLIC.part3.960129T083020.xyzMail@example.com', 'ADR;TYPE=work:;;1 Main St;Town;;12345;', 'ADR;TYPE=home:;;2 Side St;Town;;12345;', 'LABEL;TYPE=home:2 Side St\\nTown', 'SORT-STRING:Style'],
      });
      const out = convertCard(card, '4.0');
      for (const gone of ['NAME:', 'MAILER:', 'CLASS:', 'AGENT', 'SORT-STRING', '\r\nLABEL']) expect(out).not.toContain(gone);
      expect(out).toContain('\r\nADR;TYPE=home;LABEL=2 Side St^nTown:;;2 Side St;Town;;12345;\r\n');
      expect(out).toContain('\r\nADR;TYPE=work:;;1 Main St;Town;;12345;\r\n');
      expect(out).toContain('\r\nN;SORT-AS=Style:Style;Old;;;\r\n');
      const back = convertCard(out, '3.0');
      expect(back).toContain('\r\nADR;TYPE=home:;;2 Side St;Town;;12345;\r\nLABEL;TYPE=home:2 Side St\\nTown\r\n');
      expect(back).toContain('\r\nSORT-STRING:Style\r\n');
    });

    it('writes DAVx5’s 4.0 contact as 3.0: TYPE=pref, the tel: URI as a number, 1604 for the missing year, KIND:individual dropped', () => {
      const card = DAVX5_CONTACT.replace('END:VCARD', 'KIND:individual\r\nPHOTO;MEDIATYPE=image/png:data:image/png;base64,iVBORw0KGgo=\r\nLOGO:https://example.ie/logo.png\r\nGEO:geo:53.27,-9.05\r\nTZ:Europe/Dublin\r\nEMAIL;PREF=2:second@example.ie\r\nEND:VCARD');
      const out = convertCard(card, '3.0');
      expect(lines(out).slice(0, 2)).toEqual(['BEGIN:VCARD', 'VERSION:3.0']);
      expect(out).toContain('\r\nEMAIL;TYPE=work;TYPE=pref:tomas.obriain@example.ie\r\n');
      expect(out).toContain('\r\nTEL;TYPE=cell,voice:+353-87-555-0147\r\n');
      expect(out).toContain('\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15\r\n');
      expect(out).toContain('\r\nPHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\r\n');
      expect(out).toContain('\r\nLOGO;VALUE=uri:https://example.ie/logo.png\r\n');
      expect(out).toContain('\r\nGEO:53.27;-9.05\r\n');
      expect(out).toContain('\r\nTZ;VALUE=text:Europe/Dublin\r\n');
      expect(out).toContain('\r\nEMAIL:second@example.ie\r\n');
      expect(out).toContain('\r\nGENDER:M\r\n');
      expect(out).not.toContain('KIND');
      expect(seen(convertCard(out, '4.0'))).toEqual(seen(card));
      // ical.js writes GEO's comma escaped.
      expect(convertCard(simpleCard('g', 'Geo', { version: '4.0', extra: ['GEO:geo:37.386013\\,-122.082932'] }), '3.0')).toContain('\r\nGEO:37.386013;-122.082932\r\n');
    });

    it('never throws and keeps odd lines as written', () => {
      const odd = crlf(['BEGIN:VCARD', 'VERSION:3.0', 'UID:odd', 'FN:Odd', 'no colon here', 'PHOTO;ENCODING=b;TYPE=JPEG:not base64 at all!', 'BDAY:sometime', 'X-FOO;=bar;;:baz', 'GEO:nowhere', 'END:VCARD']);
      const out = convertCard(odd, '4.0');
      expect(out).toContain('\r\nno colon here\r\n');
      expect(out).toContain('\r\nBDAY:sometime\r\n');
      expect(out).toContain('\r\nGEO:nowhere\r\n');
      for (const text of ['', 'hello', 'BEGIN:VCARD\r\nVERSION:4.0\r\n', 'VERSION:3.0', 'BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\nEND:VCARD\r\n']) {
        expect(() => convertCard(text, '4.0')).not.toThrow();
        expect(() => convertCard(text, '3.0')).not.toThrow();
      }
      expect(convertCard('BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\nEND:VCARD\r\n', '4.0')).toBe('BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\nEND:VCARD\r\n');
    });
  });

  describe('bounded work', () => {
    it('converts a card of tens of thousands of lines (labels, anniversaries, addresses) in linear time', () => {
      const many = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i));
      const three = simpleCard('big3', 'Big Three', {
        extra: [...many(20000, () => 'ADR;TYPE=home:;;x;;;;'), ...many(20000, (i) => `item${i}.X-ABDATE:2001-01-01`), ...many(20000, (i) => `item${i}.X-ABLabel:_$!<Anniversary>!$_`), 'LABEL;TYPE=home:x', 'SORT-STRING:b'],
      });
      const four = simpleCard('big4', 'Big Four', { version: '4.0', extra: many(40000, (i) => `ANNIVERSARY:2001${String((i % 12) + 1).padStart(2, '0')}01`) });
      const photo = simpleCard('photo', 'Big Photo', { extra: [`PHOTO;ENCODING=b;TYPE=JPEG:${'A'.repeat(3_000_000)}`] });
      const started = performance.now();
      expect(convertCard(three, '4.0').match(/^ANNIVERSARY:/gm)).toHaveLength(1);
      expect(convertCard(four, '3.0').match(/^item40000\.X-ABDATE/m)).not.toBeNull();
      expect(convertCard(convertCard(photo, '4.0'), '3.0').replace(/\r\n /g, '')).toContain(`PHOTO;ENCODING=b;TYPE=JPEG:${'A'.repeat(3_000_000)}\r\n`);
      // Quadratic work on these takes minutes; linear work well under a second each.
      expect(performance.now() - started).toBeLessThan(8000);
    });
  });

  describe(`on every 3.0 and 4.0 card of the corpora (${CORPUS.length} cards)`, () => {
    it('has cards of both versions to convert', () => {
      expect(CORPUS.filter((c) => versionOf(c.text) === '3.0').length).toBeGreaterThan(10);
      expect(CORPUS.filter((c) => versionOf(c.text) === '4.0').length).toBeGreaterThan(5);
    });

    it('writes CRLF lines of at most 75 octets with VERSION after BEGIN', () => {
      for (const { name, text } of CORPUS) {
        const to = versionOf(text) === '3.0' ? '4.0' : '3.0';
        const out = convertCard(text, to);
        expect(out.endsWith('\r\n'), name).toBe(true);
        expect(out.replace(/\r\n/g, ''), name).not.toMatch(/[\r\n]/);
        for (const line of lines(out)) expect(Buffer.byteLength(line), `${name}: ${line}`).toBeLessThanOrEqual(75);
        expect(lines(out).slice(0, 2), name).toEqual(['BEGIN:VCARD', `VERSION:${to}`]);
      }
    });

    it('keeps what a user sees, there and back', () => {
      for (const { name, text } of CORPUS) {
        const to = versionOf(text) === '3.0' ? '4.0' : '3.0';
        const there = convertCard(text, to);
        expect(seen(there), `${name} in ${to}`).toEqual(seen(text));
        expect(seen(convertCard(there, to === '4.0' ? '3.0' : '4.0')), `${name} back`).toEqual(seen(text));
      }
    });

    it('gives cards ical.js reads and our validation accepts as the asked version', () => {
      let validated = 0;
      for (const { name, text } of CORPUS) {
        const to = versionOf(text) === '3.0' ? '4.0' : '3.0';
        const out = convertCard(text, to);
        if (readsAsStored(text)) readable(to === '4.0' ? out : withNamedParameters(out));
        let original;
        try {
          original = parseCard(text, MAX);
        } catch {
          continue; // not a card we would store (no UID, no FN, ...): ical.js reading it is enough
        }
        const parsed = parseCard(out, MAX);
        expect(parsed.version, name).toBe(to);
        expect(parsed.uid, name).toBe(original.uid);
        validated++;
      }
      expect(validated).toBeGreaterThan(20);
    });

    it('gives cards Python’s vobject reads (Debian python3-vobject, when installed)', (ctx) => {
      // Debian's package is for the system Python, which a pyenv shim on PATH may hide.
      const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import vobject']).status === 0);
      if (!python) return ctx.skip();
      const dir = mkdtempSync(join(tmpdir(), 'calendula-convert-'));
      try {
        const outputs = CORPUS.flatMap(({ name, text }) => {
          const to = versionOf(text) === '3.0' ? '4.0' : '3.0';
          // vobject reads what it read before: only cards it reads as stored are asked of it.
          return [{ name: `${name} as stored`, text }, { name: `${name} in ${to}`, text: convertCard(text, to) }];
        });
        outputs.forEach((o, i) => writeFileSync(join(dir, `${i}.vcf`), o.text));
        const script = `
import sys, os, vobject
for i in range(int(sys.argv[2])):
    try:
        card = vobject.readOne(open(os.path.join(sys.argv[1], f"{i}.vcf"), encoding="utf-8").read())
        card.serialize()
        print(i, "ok")
    except Exception as e:
        print(i, "fail", type(e).__name__, str(e).replace("\\n", " ")[:100])
`;
        const run = spawnSync(python, ['-c', script, dir, String(outputs.length)], { encoding: 'utf8', maxBuffer: 1 << 24 });
        expect(run.status, run.stderr).toBe(0);
        const results = run.stdout.trim().split('\n').map((l) => l.split(' '));
        const ok = new Set(results.filter((r) => r[1] === 'ok').map((r) => Number(r[0])));
        const failures: string[] = [];
        for (let i = 0; i < outputs.length; i += 2) {
          if (ok.has(i) && !ok.has(i + 1)) failures.push(`${outputs[i + 1]!.name}: ${results[i + 1]!.slice(2).join(' ')}`);
        }
        expect(failures).toEqual([]);
        expect(ok.size).toBeGreaterThan(outputs.length / 2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
