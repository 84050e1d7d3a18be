import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { D, parseErrorBody, parseMultistatus, syncCollection } from '../helpers/dav.ts';
import { calendar, event, todo, VTIMEZONE_BERLIN, WEEKLY_BERLIN } from '../fixtures/ical.ts';

const CAL = '/dav/calendars/alice/work/';

describe('ICS export of a calendar', () => {
  const clock = new ManualClock(new Date('2026-01-01T12:00:00Z'));
  const server = useTestServer({ env: { SYNC_LOG_RETENTION_DAYS: '30' }, start: { clock } });
  const alice = server.user('alice');
  beforeAll(async () => {
    await filled(CAL);
  });
  /** A calendar with a weekly series (and an override), a long-summary event and a task. Cases that change a calendar make their own. */
  const filled = async (path: string) => {
    const mk = await alice.request('MKCALENDAR', path, {
      body: '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>Work: Team, Q1</d:displayname><a:calendar-color>#112233</a:calendar-color></d:prop></d:set></c:mkcalendar>',
    });
    expect(mk.status).toBe(201);
    expect((await alice.put(`${path}weekly.ics`, WEEKLY_BERLIN)).status).toBe(201);
    const second = calendar(event('second', ['DTSTART;TZID=Europe/Berlin:20260301T100000', `SUMMARY:${'Long summary '.repeat(10)}`]), { timezones: [VTIMEZONE_BERLIN] });
    expect((await alice.put(`${path}second.ics`, second)).status).toBe(201);
    expect((await alice.put(`${path}task.ics`, calendar(todo('task', ['SUMMARY:A task'])))).status).toBe(201);
  };

  it('GET on the calendar (and ?export) gives one VCALENDAR: each VTIMEZONE once, X-WR-CALNAME, CRLF, folded at 75 octets', async () => {
    for (const path of [CAL, `${CAL}?export`]) {
      const res = await alice.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      // The file name carries the date of the export (the test clock's).
      const day = clock.now().toISOString().slice(0, 10);
      expect(res.headers.get('content-disposition')).toContain(`attachment; filename="Work Team Q1-${day}.ics"`);
      expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
      const root = new ICAL.Component(ICAL.parse(res.text) as never);
      expect(root.getAllSubcomponents('vtimezone')).toHaveLength(1);
      expect(root.getAllSubcomponents('vevent')).toHaveLength(3);
      expect(root.getAllSubcomponents('vtodo')).toHaveLength(1);
      // X- properties default to TEXT (RFC 5545 §3.8.8.2), so the comma is escaped.
      expect(res.text).toContain('X-WR-CALNAME:Work: Team\\, Q1\r\n');
      const lines = res.text.split('\r\n');
      expect(lines.at(-1)).toBe('');
      expect(lines.every((l) => !l.includes('\n') && Buffer.byteLength(l) <= 75)).toBe(true);
    }
  });

  describe('with real text', () => {
    // What users write, in several scripts, stored as different clients write it: folded at 75
    // octets, not folded at all, folded at 75 characters (more than 75 octets), folded with a tab.
    const texts: Record<string, { summary: string; description: string; location: string }> = {
      de: { summary: 'Überprüfung der Maßnahmen – Jürgen & Käthe', description: 'Bitte die Unterlagen für das Gespräch über die Größenänderung mitbringen, Grüße aus Köln; danach Frühstück.\nZweite Zeile: äöüÄÖÜß', location: 'Besprechungsraum „Großer Saal“, Erdgeschoß' },
      fr: { summary: 'Réunion à l’hôtel de ville — cœur du projet', description: 'Ordre du jour : révision (e\u0301crite en NFD), synthèse des échanges, déjeuner à la brasserie « Chez Françoise ».', location: 'Salle Fénelon, 3ᵉ étage' },
      ja: { summary: '企画会議（第３四半期）の振り返り', description: '議題：前回の打ち合わせの確認、予算の見直し、次回の日程調整。資料は共有フォルダにあります。よろしくお願いいたします。', location: '本社ビル３階 第一会議室' },
      ru: { summary: 'Планёрка: обзор ретроспективы', description: 'Обсуждаем приёмные часы, экзамены и тренинги; звонок в 15:00 по московскому времени, не забудьте ноутбук.', location: 'Переговорная «Москва», 5 этаж' },
      ar: { summary: 'اجتماع التخطيط الأسبوعي', description: 'جدول الأعمال: مراجعة المشاريع الحالية، ورشة عمل حول التدريب، ثم غداء جماعي في المطعم القريب.', location: 'قاعة الاجتماعات الكبرى، الطابق الثاني' },
      emoji: { summary: 'Team 👩‍💻👨‍👩‍👧‍👦 retro 🏳️‍🌈 🇩🇪 👍🏽', description: `${'☕️ 🧪 👩🏽‍🏫 📅 '.repeat(12)}done ✅`, location: 'Rooftop 🌇 (北京) Ж' },
    };
    const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');
    const foldOctets = (line: string, limit: number) => {
      const out: string[] = [];
      let cur = '';
      for (const ch of line) {
        if (Buffer.byteLength(cur + ch) > limit) {
          out.push(cur);
          cur = ' ';
        }
        cur += ch;
      }
      return [...out, cur];
    };
    const foldChars = (line: string, sep: string) => {
      const cps = [...line];
      const out = [cps.slice(0, 75).join('')];
      for (let i = 75; i < cps.length; i += 74) out.push(sep + cps.slice(i, i + 74).join(''));
      return out;
    };
    const styles: ((l: string) => string[])[] = [(l) => foldOctets(l, 75), (l) => [l], (l) => foldChars(l, ' '), (l) => foldChars(l, '\t')];
    const WORLD = '/dav/calendars/alice/world/';

    beforeAll(async () => {
      expect((await alice.request('MKCALENDAR', WORLD)).status).toBe(201);
      for (const [i, [lang, t]] of Object.entries(texts).entries()) {
        const props = [`SUMMARY:${escape(t.summary)}`, `DESCRIPTION:${escape(t.description)}`, `LOCATION:${escape(t.location)}`];
        const logical = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Calendula tests//EN', ...event(`world-${lang}`, [`DTSTART:2026030${i + 1}T100000Z`, ...props]), 'END:VCALENDAR'];
        const style = styles[i % styles.length]!;
        const res = await alice.put(`${WORLD}${lang}.ics`, `${logical.flatMap(style).join('\r\n')}\r\n`);
        expect(res.status, lang).toBe(201);
      }
    });

    it('GET folds every line at 75 octets without splitting a character, and ical.js reads back every text', async () => {
      const res = await alice.request('GET', WORLD);
      expect(res.status).toBe(200);
      const text = res.text;
      // A split UTF-8 sequence would have been decoded as U+FFFD.
      expect(text).not.toContain('\ufffd');
      const lines = text.split('\r\n');
      expect(lines.at(-1)).toBe('');
      for (const l of lines) expect(Buffer.byteLength(l), l).toBeLessThanOrEqual(75);
      expect(lines.every((l) => !l.includes('\n'))).toBe(true);
      const root = new ICAL.Component(ICAL.parse(text) as never);
      const got = Object.fromEntries(
        root.getAllSubcomponents('vevent').map((e) => [
          e.getFirstPropertyValue('uid'),
          { summary: e.getFirstPropertyValue('summary'), description: e.getFirstPropertyValue('description'), location: e.getFirstPropertyValue('location') },
        ]),
      );
      expect(got).toEqual(Object.fromEntries(Object.entries(texts).map(([lang, t]) => [`world-${lang}`, t])));
    });

    it('Debian python3-icalendar reads back every text', async () => {
      const script = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read().decode('utf-8'))
print(json.dumps({str(e['UID']): {'summary': str(e['SUMMARY']), 'description': str(e['DESCRIPTION']), 'location': str(e['LOCATION'])} for e in cal.walk('VEVENT')}))`;
      const res = await alice.request('GET', WORLD);
      const child = execFile('/usr/bin/python3', ['-c', script]);
      child.stdin!.end(Buffer.from(res.text, 'utf8'));
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise((r) => child.on('exit', r));
      expect(code, err).toBe(0);
      expect(JSON.parse(out)).toEqual(Object.fromEntries(Object.entries(texts).map(([lang, t]) => [`world-${lang}`, t])));
    });
  });

  it('stops reading the calendar when the client goes away mid-export', async () => {
    const BIG = '/dav/calendars/alice/big/';
    expect((await alice.request('MKCALENDAR', BIG)).status).toBe(201);
    // About 4.5 MB, more than the sockets buffer, so the server has to wait for the client.
    const long = `DESCRIPTION:${'Lorem ipsum dolor sit amet, Grüße 👋 '.repeat(20000)}`;
    const folded = [long.slice(0, 75), ...(long.slice(75).match(/.{1,60}/gu) ?? []).map((p) => ` ${p}`)];
    for (let i = 0; i < 6; i++) {
      expect((await alice.put(`${BIG}big-${i}.ics`, calendar([...event(`big-${i}`, ['DTSTART:20260301T100000Z']).slice(0, -1), ...folded, 'END:VEVENT']))).status).toBe(201);
    }
    const service = server.domain.exports;
    const original = service.stream.bind(service);
    let finished = 0;
    service.stream = async function* (...args: Parameters<typeof original>) {
      try {
        yield* original(...args);
      } finally {
        finished++;
      }
    };
    try {
      const url = new URL(BIG, server.url);
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { authorization: `Basic ${Buffer.from('alice:alice-password').toString('base64')}` } }, (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', reject);
        req.end();
      });
      const deadline = Date.now() + 10_000;
      while (finished === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(finished).toBe(1);
      // And the server goes on answering.
      expect((await alice.request('GET', `${CAL}?export`)).status).toBe(200);
    } finally {
      service.stream = original;
    }
  });

  it('answers If-None-Match with 304 and HEAD without a body; the ETag changes with the calendar', async () => {
    const CAL = '/dav/calendars/alice/etags/';
    await filled(CAL);
    const first = await alice.request('GET', `${CAL}?export`);
    const etag = first.headers.get('etag')!;
    expect((await alice.request('GET', `${CAL}?export`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const head = await alice.request('HEAD', `${CAL}?export`);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    await alice.put(`${CAL}third.ics`, calendar(event('third', ['DTSTART:20260401T100000Z'])));
    expect((await alice.request('GET', `${CAL}?export`, { headers: { 'if-none-match': etag } })).status).toBe(200);
  });

  it("takes sabre's start, end, expand and componentType parameters", async () => {
    const jan = await alice.request('GET', `${CAL}?export&start=${Date.parse('2026-01-10T00:00:00Z') / 1000}&end=${Date.parse('2026-01-20T00:00:00Z') / 1000}`);
    const janRoot = new ICAL.Component(ICAL.parse(jan.text) as never);
    expect(janRoot.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('uid'))).toEqual(['weekly-1', 'weekly-1']);
    const expanded = await alice.request('GET', `${CAL}?export&expand=1&start=${Date.parse('2026-01-10T00:00:00Z') / 1000}&end=${Date.parse('2026-01-27T00:00:00Z') / 1000}`);
    const exRoot = new ICAL.Component(ICAL.parse(expanded.text) as never);
    expect(exRoot.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('dtstart')!.toString())).toEqual(['2026-01-12T09:00:00Z', '2026-01-26T14:00:00Z']);
    const tasks = await alice.request('GET', `${CAL}?export&componentType=VTODO`);
    const tRoot = new ICAL.Component(ICAL.parse(tasks.text) as never);
    expect(tRoot.getAllSubcomponents('vevent')).toHaveLength(0);
    expect(tRoot.getAllSubcomponents('vtodo')).toHaveLength(1);
  });

  it.each([
    ['start=yesterday', 'The start= parameter must contain a unix timestamp'],
    ['end=-5', 'The end= parameter must contain a unix timestamp'],
    ['expand=1&start=1', "If you'd like to expand recurrences, you must specify both a start= and end= parameter."],
    ['componentType=VFREEBUSY', 'You are not allowed to search for components of type: VFREEBUSY here'],
  ])('answers ?export&%s with 400 and sabre’s message', async (query, message) => {
    const res = await alice.request('GET', `${CAL}?export&${query}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
  });

  it('keeps the change log for SYNC_LOG_RETENTION_DAYS: older tokens get valid-sync-token, a fresh sync works', async () => {
    const CAL = '/dav/calendars/alice/retention/';
    await filled(CAL);
    const token = parseMultistatus((await alice.report(CAL, syncCollection(''))).text).syncToken!;
    await alice.put(`${CAL}later.ics`, calendar(event('later', ['DTSTART:20260501T100000Z'])));
    clock.advance(31 * 86400_000);
    await alice.put(`${CAL}much-later.ics`, calendar(event('much-later', ['DTSTART:20260601T100000Z'])));
    expect(await server.domain.objects.pruneChangeLog()).toBeGreaterThan(0);
    const old = await alice.report(CAL, syncCollection(token));
    expect(old.status).toBe(403);
    expect(parseErrorBody(old.text)).toContain(D('valid-sync-token'));
    const fresh = parseMultistatus((await alice.report(CAL, syncCollection(''))).text);
    // weekly, second, task, later and much-later.
    expect(fresh.members.size).toBe(5);
    const next = await alice.report(CAL, syncCollection(fresh.syncToken!));
    expect(next.status).toBe(207);
  });
});
