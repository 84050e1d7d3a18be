// iTIP messages (RFC 5546) made from real clients' objects, read back by ical.js and by Debian's
// python3-icalendar (an independent parser, as a receiving client would be), answers applied to
// the organizer's copy, and the fingerprint that decides whether attendees hear of a change.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ComputePool } from '../../src/compute/pool.ts';
import { expandInstances } from '../../src/ical/instances.ts';
import { applyReply, eventSummary, itipCancel, itipReply, itipRequest, readItip, schedulingFingerprint } from '../../src/ical/itip.ts';
import { objectText, splitIcs } from '../../src/ical/split.ts';
import { TimeResolver } from '../../src/ical/time.ts';
import { createLogger } from '../../src/logger.ts';
import { calendar, crlf, event, todo, VTIMEZONE_BERLIN } from '../fixtures/ical.ts';
import { APPLE_ORGANIZER, GOOGLE_ATTENDEE, OUTLOOK_ALL_DAY, THUNDERBIRD_SERIES } from '../fixtures/itip.ts';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const corpusFile = (path: string) => readFileSync(join(CORPUS, path), 'utf8');
/** The objects of a corpus file, one per UID (as an import makes them). */
const corpusObjects = (path: string) => {
  const file = splitIcs(corpusFile(path), 1000, '-//Calendula tests//EN');
  return file.objects.map((o) => objectText(file, o));
};
/** A real object made a scheduling object: organizer and attendees added to every component. */
const withParticipants = (text: string, lines: string[]) => text.replace(/BEGIN:(VEVENT|VTODO)\r?\n/g, (m) => `${m}${lines.join('\r\n')}\r\n`);

const NOW = new Date('2026-12-07T15:30:00Z');
const NOW_STAMP = '20261207T153000Z';

// ---- the two parsers ----

function icaljs(text: string): ICAL.Component {
  return new ICAL.Component(ICAL.parse(text) as never);
}

interface PyComponent {
  name: string;
  uid: string;
  sequence: number;
  status: string | null;
  rid: string | null;
  dtstart: string | null;
  dtend: string | null;
  dtstamp: string | null;
  organizer: string | null;
  attendees: { email: string; partstat: string | null; rsvp: string | null; scheduleStatus: string | null }[];
  alarms: number;
  comments: string[];
  summary: string | null;
}

interface PyCalendar {
  method: string | null;
  zones: string[];
  components: PyComponent[];
}

const PY = String.raw`
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read().decode('utf-8'))
def addr(v):
    s = str(v)
    return s[7:].lower() if s.lower().startswith('mailto:') else s.lower()
def many(c, name):
    v = c.get(name)
    if v is None: return []
    return v if isinstance(v, list) else [v]
def when(c, name):
    v = c.get(name)
    return v.dt.isoformat() if v is not None else None
out = {'method': str(cal['METHOD']) if 'METHOD' in cal else None,
       'zones': [str(z['TZID']) for z in cal.walk('VTIMEZONE')], 'components': []}
for c in cal.subcomponents:
    if c.name not in ('VEVENT', 'VTODO', 'VJOURNAL'): continue
    out['components'].append({
        'name': c.name, 'uid': str(c['UID']), 'sequence': int(c.get('SEQUENCE', 0)),
        'status': str(c['STATUS']) if 'STATUS' in c else None,
        'rid': when(c, 'RECURRENCE-ID'), 'dtstart': when(c, 'DTSTART'), 'dtend': when(c, 'DTEND'), 'dtstamp': when(c, 'DTSTAMP'),
        'organizer': addr(c['ORGANIZER']) if 'ORGANIZER' in c else None,
        'attendees': [{'email': addr(a), 'partstat': a.params.get('PARTSTAT'), 'rsvp': a.params.get('RSVP'),
                       'scheduleStatus': a.params.get('SCHEDULE-STATUS')} for a in many(c, 'ATTENDEE')],
        'alarms': len([s for s in c.subcomponents if s.name == 'VALARM']),
        'comments': [str(x) for x in many(c, 'COMMENT')],
        'summary': str(c['SUMMARY']) if 'SUMMARY' in c else None,
    })
print(json.dumps(out))
`;

/** What Debian's python3-icalendar reads in a text (it fails the test when it cannot). */
function python(text: string): PyCalendar {
  const r = spawnSync('/usr/bin/python3', ['-c', PY], { input: Buffer.from(text, 'utf8'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3-icalendar could not read the message: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyCalendar;
}

/** Checks a produced message with both parsers and the shape every iTIP message has. */
function checkMessage(text: string, method: string): { root: ICAL.Component; py: PyCalendar } {
  expect(text).toMatch(/^BEGIN:VCALENDAR\r\n/);
  expect(text).toMatch(/\r\nEND:VCALENDAR\r\n$/);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const root = icaljs(text);
  expect(root.getAllProperties('method').map((p) => p.getFirstValue())).toEqual([method]);
  const py = python(text);
  expect(py.method).toBe(method);
  const comps = root.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
  expect(py.components.map((c) => c.uid)).toEqual(comps.map((c) => c.getFirstPropertyValue('uid')));
  for (const c of comps) {
    expect(c.getFirstPropertyValue('dtstamp')?.toString()).toBe('2026-12-07T15:30:00Z');
    // RFC 6638 §7.1–7.3: the organizer's scheduling bookkeeping never travels.
    for (const p of [...c.getAllProperties('attendee'), ...c.getAllProperties('organizer')]) {
      for (const param of ['schedule-status', 'schedule-agent', 'schedule-force-send']) expect(p.getParameter(param)).toBeUndefined();
    }
  }
  // Every TZID used has its VTIMEZONE in the message (RFC 5546 §3.2: VTIMEZONE "MUST be present if any date/time refers to a timezone").
  const zones = new Set(root.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid')));
  for (const m of text.matchAll(/;TZID="?([^";:]+)"?[;:]/g)) expect(zones.has(m[1]!)).toBe(true);
  return { root, py };
}

const events = (root: ICAL.Component) => root.getAllSubcomponents().filter((c) => c.name === 'vevent' || c.name === 'vtodo');
const emails = (c: ICAL.Component) => c.getAllProperties('attendee').map((p) => String(p.getFirstValue()).replace(/^mailto:/i, '').toLowerCase());

// ---- REQUEST ----

describe('itipRequest', () => {
  it("makes Apple Calendar's organizer copy a REQUEST: scheduling parameters and alarms gone, zone, X- properties and answers kept", () => {
    const text = itipRequest(APPLE_ORGANIZER, NOW);
    const { root, py } = checkMessage(text, 'REQUEST');
    const [vevent] = events(root);
    expect(root.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('America/New_York');
    expect(vevent!.getAllSubcomponents('valarm')).toHaveLength(0);
    expect(vevent!.getFirstPropertyValue('sequence')).toBe(2);
    expect(vevent!.getFirstPropertyValue('x-apple-travel-advisory-behavior')).toBe('AUTOMATIC');
    expect(vevent!.getFirstPropertyValue('location')).toBe('Room 1, second floor');
    const bob = vevent!.getAllProperties('attendee')[1]!;
    expect(bob.getParameter('rsvp')).toBe('TRUE');
    expect(bob.getParameter('cn')).toBe('Bob Builder');
    expect(bob.getParameter('email')).toBe('bob@example.net');
    expect(py.zones).toEqual(['America/New_York']);
    expect(py.components).toHaveLength(1);
    expect(py.components[0]).toMatchObject({
      sequence: 2,
      dtstart: '2026-11-10T10:00:00-05:00',
      dtend: '2026-11-10T11:30:00-05:00',
      dtstamp: '2026-12-07T15:30:00+00:00',
      organizer: 'alice@example.org',
      alarms: 0,
    });
    expect(py.components[0]!.attendees.map((a) => [a.email, a.partstat, a.scheduleStatus])).toEqual([
      ['alice@example.org', 'ACCEPTED', null],
      ['bob@example.net', 'NEEDS-ACTION', null],
      ['carol@example.com', 'TENTATIVE', null],
    ]);
  });

  it("keeps a Thunderbird series' override and EXDATE, drops its alarm, snooze and acknowledgement", () => {
    const text = itipRequest(THUNDERBIRD_SERIES, NOW);
    const { root, py } = checkMessage(text, 'REQUEST');
    const [master, moved] = events(root);
    expect(master!.getFirstPropertyValue('rrule')?.toString()).toBe('FREQ=WEEKLY;COUNT=8;BYDAY=MO');
    expect(master!.hasProperty('exdate')).toBe(true);
    expect(moved!.getFirstPropertyValue('recurrence-id')?.toString()).toBe('2027-01-11T09:30:00');
    expect(emails(moved!)).toContain('erin@example.net');
    for (const name of ['x-moz-lastack', 'x-moz-snooze-time-1799056800000000']) expect(master!.hasProperty(name)).toBe(false);
    expect(master!.getFirstPropertyValue('x-moz-send-invitations')).toBe('TRUE');
    expect(text).not.toContain('BEGIN:VALARM');
    expect(py.components.map((c) => [c.rid, c.dtstart, c.alarms])).toEqual([
      [null, '2027-01-04T09:30:00+01:00', 0],
      ['2027-01-11T09:30:00+01:00', '2027-01-11T14:00:00+01:00', 0],
    ]);
    expect(py.zones).toEqual(['Europe/Berlin']);
  });

  it('replaces the METHOD an Outlook export carries and keeps its Windows-named VTIMEZONE', () => {
    const text = itipRequest(OUTLOOK_ALL_DAY, NOW);
    const { root, py } = checkMessage(text, 'REQUEST');
    expect(root.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('W. Europe Standard Time');
    expect(py.components[0]).toMatchObject({ dtstart: '2027-03-10', dtend: '2027-03-12' });
    expect(events(root)[0]!.getFirstPropertyValue('x-microsoft-cdo-alldayevent')).toBe('TRUE');
  });

  it('invites to a real Exchange event in a Windows zone, read the same by both parsers', () => {
    const [obj] = corpusObjects('icalendar/src/icalendar/tests/calendars/timezone_same_start.ics');
    const organizer = withParticipants(obj!, ['ORGANIZER:mailto:ivan@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;SCHEDULE-STATUS=1.1:mailto:judy@example.org']);
    const { root, py } = checkMessage(itipRequest(organizer, NOW), 'REQUEST');
    expect(root.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('Pacific Standard Time');
    expect(py.components[0]!.dtstart).toBe('2017-02-24T12:00:00-08:00');
    expect(py.components[0]!.attendees).toEqual([{ email: 'judy@example.org', partstat: 'NEEDS-ACTION', rsvp: 'TRUE', scheduleStatus: null }]);
  });

  it("leaves out attendees' comments on their answers (said to the organizer) and keeps the organizer's own COMMENT", () => {
    const answered = applyReply(THUNDERBIRD_SERIES, { attendee: 'bob@example.net', partstat: 'DECLINED', comment: 'On holiday' });
    if (!('text' in answered)) throw new Error(answered.error);
    const withOwn = answered.text.replace('SUMMARY:Stand-up\r\n', 'SUMMARY:Stand-up\r\nCOMMENT:Bring coffee\r\n');
    const { py } = checkMessage(itipRequest(withOwn, NOW), 'REQUEST');
    expect(py.components[0]!.comments).toEqual(['Bring coffee']);
    expect(py.components[0]!.attendees.find((a) => a.email === 'bob@example.net')?.partstat).toBe('DECLINED');
  });

  it('gives one recipient only the instances they are invited to (RFC 6638 §3.2.1, as sabre does)', () => {
    // erin is invited to the moved instance only: she gets that override, without the series.
    const erin = checkMessage(itipRequest(THUNDERBIRD_SERIES, NOW, 'Erin@example.net'), 'REQUEST');
    expect(erin.py.components.map((c) => [c.rid, c.dtstart])).toEqual([['2027-01-11T09:30:00+01:00', '2027-01-11T14:00:00+01:00']]);
    expect(erin.py.zones).toEqual(['Europe/Berlin']);
    // dave was taken off the moved instance: the series he gets excludes it.
    let seen = 0;
    const withoutDave = THUNDERBIRD_SERIES.replace(/ATTENDEE[^\r]*mailto:dave@example\.net\r\n/g, (m) => (seen++ === 0 ? m : ''));
    expect(withoutDave.match(/dave@example.net/g)).toHaveLength(1);
    const dave = checkMessage(itipRequest(withoutDave, NOW, 'dave@example.net'), 'REQUEST');
    expect(dave.py.components.map((c) => c.rid)).toEqual([null]);
    const master = events(dave.root)[0]!;
    expect(master.getAllProperties('exdate').map((p) => p.toICALString())).toEqual(['EXDATE;TZID=Europe/Berlin:20270118T093000', 'EXDATE;TZID=Europe/Berlin:20270111T093000']);
    const expansion = expandInstances(events(dave.root), new TimeResolver(undefined), { maxInstances: 100 });
    expect(expansion.instances.map((i) => new Date(i.start! * 1000).toISOString().slice(0, 10))).not.toContain('2027-01-11');
    expect(expansion.instances).toHaveLength(6);
    // bob is in every component: the whole object.
    expect(python(itipRequest(THUNDERBIRD_SERIES, NOW, 'bob@example.net')).components).toHaveLength(2);
    expect(() => itipRequest(THUNDERBIRD_SERIES, NOW, 'mallory@example.net')).toThrow(/not an attendee/);
  });

  it('refuses text that is no calendar', () => {
    expect(() => itipRequest('hello', NOW)).toThrow();
  });
});

// ---- CANCEL ----

describe('itipCancel', () => {
  it('cancels a whole series for everyone: the master, STATUS:CANCELLED, SEQUENCE raised, no RSVP; an instance-only attendee by that instance', () => {
    const text = itipCancel(THUNDERBIRD_SERIES, 'all', NOW);
    const { root, py } = checkMessage(text, 'CANCEL');
    const comps = events(root);
    expect(comps).toHaveLength(2);
    const [c, instance] = comps;
    expect(c!.hasProperty('recurrence-id')).toBe(false);
    expect(c!.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(c!.getFirstPropertyValue('sequence')).toBe(2);
    expect(c!.getFirstPropertyValue('uid')).toBe('0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0');
    expect(c!.getFirstProperty('organizer')?.getFirstValue()).toBe('mailto:alice@example.org');
    expect(emails(c!).sort()).toEqual(['bob@example.net', 'dave@example.net']);
    // erin is invited to one instance only: her calendar holds that instance, cancelled as such.
    expect(emails(instance!)).toEqual(['erin@example.net']);
    expect(instance!.getFirstPropertyValue('sequence')).toBe(3);
    expect(comps.flatMap((x) => x.getAllProperties('attendee')).every((p) => p.getParameter('rsvp') === undefined)).toBe(true);
    expect(c!.hasProperty('rrule')).toBe(false);
    expect(text).not.toContain('VALARM');
    expect(py.components[0]).toMatchObject({ status: 'CANCELLED', sequence: 2, rid: null, dtstart: '2027-01-04T09:30:00+01:00', summary: 'Stand-up' });
    expect(py.components[1]).toMatchObject({ status: 'CANCELLED', sequence: 3, rid: '2027-01-11T09:30:00+01:00', summary: 'Stand-up (longer)' });
    expect(py.zones).toEqual(['Europe/Berlin']);
    // One attendee of the series: the master alone.
    expect(events(icaljs(itipCancel(THUNDERBIRD_SERIES, ['bob@example.net'], NOW))).map((x) => x.hasProperty('recurrence-id'))).toEqual([false]);
  });

  it('names only the recipients given', () => {
    const { root, py } = checkMessage(itipCancel(APPLE_ORGANIZER, ['bob@example.net'], NOW), 'CANCEL');
    expect(emails(events(root)[0]!)).toEqual(['bob@example.net']);
    expect(py.components[0]!.attendees.map((a) => a.email)).toEqual(['bob@example.net']);
    expect(py.components[0]!.sequence).toBe(3);
  });

  it('cancels an attendee the object no longer lists (just removed) for the whole event', () => {
    const { root } = checkMessage(itipCancel(APPLE_ORGANIZER, ['Zed@Example.net'], NOW), 'CANCEL');
    const [c] = events(root);
    expect(c!.hasProperty('recurrence-id')).toBe(false);
    expect(c!.getAllProperties('attendee').map((p) => p.getFirstValue())).toEqual(['mailto:zed@example.net']);
  });

  it('cancels the instance an attendee was invited to, with its RECURRENCE-ID, when the series does not list them', () => {
    const { root, py } = checkMessage(itipCancel(THUNDERBIRD_SERIES, ['erin@example.net'], NOW), 'CANCEL');
    const comps = events(root);
    expect(comps).toHaveLength(1);
    expect(comps[0]!.getFirstPropertyValue('recurrence-id')?.toString()).toBe('2027-01-11T09:30:00');
    expect(comps[0]!.getFirstPropertyValue('sequence')).toBe(3);
    expect(py.components[0]).toMatchObject({ rid: '2027-01-11T09:30:00+01:00', status: 'CANCELLED', attendees: [{ email: 'erin@example.net' }] });
  });

  it('cancels an override-only invitation instance by instance, and a task', () => {
    const overrideOnly = calendar([
      ...event('oo', ['RECURRENCE-ID:20270301T100000Z', 'DTSTART:20270301T100000Z', 'DURATION:PT1H', 'SEQUENCE:4', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE:mailto:b@example.net']),
      ...event('oo', ['RECURRENCE-ID:20270308T100000Z', 'DTSTART:20270308T110000Z', 'DURATION:PT1H', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE:mailto:b@example.net']),
    ]);
    const { py } = checkMessage(itipCancel(overrideOnly, 'all', NOW), 'CANCEL');
    expect(py.components.map((c) => [c.rid, c.sequence])).toEqual([
      ['2027-03-01T10:00:00+00:00', 5],
      ['2027-03-08T10:00:00+00:00', 1],
    ]);
    // One recipient of an override-only object: the instances that list them; one it no longer lists: every instance.
    const split = calendar([
      ...event('oo2', ['RECURRENCE-ID:20270301T100000Z', 'DTSTART:20270301T100000Z', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE:mailto:b@example.net']),
      ...event('oo2', ['RECURRENCE-ID:20270308T100000Z', 'DTSTART:20270308T110000Z', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE:mailto:c@example.net']),
    ]);
    expect(checkMessage(itipCancel(split, ['c@example.net'], NOW), 'CANCEL').py.components.map((c) => [c.rid, c.attendees.map((a) => a.email)])).toEqual([['2027-03-08T10:00:00+00:00', ['c@example.net']]]);
    expect(checkMessage(itipCancel(split, ['z@example.net'], NOW), 'CANCEL').py.components.map((c) => [c.rid, c.attendees.map((a) => a.email)])).toEqual([
      ['2027-03-01T10:00:00+00:00', ['z@example.net']],
      ['2027-03-08T10:00:00+00:00', ['z@example.net']],
    ]);
    const task = calendar(todo('t1', ['DUE;VALUE=DATE:20270102', 'SUMMARY:File taxes', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE:mailto:b@example.net']));
    const { py: pyTask } = checkMessage(itipCancel(task, 'all', NOW), 'CANCEL');
    expect(pyTask.components[0]).toMatchObject({ name: 'VTODO', status: 'CANCELLED', sequence: 1, summary: 'File taxes' });
  });
});

// ---- REPLY ----

describe('itipReply', () => {
  it("answers a Google invitation from the attendee's copy: that attendee only, ORGANIZER, SEQUENCE, COMMENT; no alarm, no RSVP", () => {
    const text = itipReply(GOOGLE_ATTENDEE, 'grace@example.org', NOW, 'See you there');
    const { root, py } = checkMessage(text, 'REPLY');
    const [c] = events(root);
    expect(c!.getAllProperties('attendee')).toHaveLength(1);
    const me = c!.getFirstProperty('attendee')!;
    expect(me.getParameter('partstat')).toBe('ACCEPTED');
    expect(me.getParameter('rsvp')).toBeUndefined();
    expect(me.getParameter('cn')).toBe('Grace Hopper');
    expect(c!.getFirstPropertyValue('comment')).toBe('See you there');
    expect(root.getAllSubcomponents('vtimezone')).toHaveLength(0);
    expect(py.components).toEqual([
      expect.objectContaining({
        uid: '7kukuqrfedlm2f9t0vq5p8rvb8@google.com',
        sequence: 0,
        organizer: 'frank@example.com',
        dtstart: '2026-12-15T16:00:00+00:00',
        attendees: [{ email: 'grace@example.org', partstat: 'ACCEPTED', rsvp: null, scheduleStatus: null }],
        comments: ['See you there'],
        alarms: 0,
      }),
    ]);
  });

  it('answers each instance the attendee\'s copy holds, with its RECURRENCE-ID and the zone it uses', () => {
    let n = 0;
    // Bob accepted the series and declined the moved instance.
    const mine = THUNDERBIRD_SERIES.replace(/PARTSTAT=NEEDS-ACTION(;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL;SCHEDULE-STATUS=1.1:mailto:bob)/g, (_m, rest: string) => `PARTSTAT=${n++ === 0 ? 'ACCEPTED' : 'DECLINED'}${rest}`);
    const text = itipReply(mine, 'bob@example.net', NOW);
    const { root, py } = checkMessage(text, 'REPLY');
    expect(events(root).map((c) => c.getAllProperties('attendee').length)).toEqual([1, 1]);
    expect(py.components.map((c) => [c.rid, c.sequence, c.attendees[0]!.partstat])).toEqual([
      [null, 1, 'ACCEPTED'],
      ['2027-01-11T09:30:00+01:00', 2, 'DECLINED'],
    ]);
    expect(py.zones).toEqual(['Europe/Berlin']);
    expect(text).not.toContain('dave@example.net');
  });

  it('refuses an address that is no attendee', () => {
    expect(() => itipReply(GOOGLE_ATTENDEE, 'mallory@example.net', NOW)).toThrow(/not an attendee/);
  });
});

// ---- fingerprint ----

describe('schedulingFingerprint', () => {
  const base = APPLE_ORGANIZER;
  const fp = schedulingFingerprint(base);
  const edit = (from: string | RegExp, to: string) => {
    const changed = base.replace(from, to);
    expect(changed).not.toBe(base);
    return schedulingFingerprint(changed);
  };

  it('stays the same for what attendees need not hear of', () => {
    expect(edit('PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE;SCHEDULE-STATUS=1.1', 'PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;SCHEDULE-STATUS=2.0')).toBe(fp);
    expect(edit('DTSTAMP:20261101T120000Z', 'DTSTAMP:20261205T000000Z')).toBe(fp);
    expect(edit('LAST-MODIFIED:20261101T120000Z', 'LAST-MODIFIED:20261205T000000Z')).toBe(fp);
    expect(edit('SEQUENCE:2', 'SEQUENCE:3')).toBe(fp);
    expect(edit('TRIGGER:-PT15M', 'TRIGGER:-PT1H')).toBe(fp);
    expect(edit('X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:DISABLED')).toBe(fp);
    expect(edit(';SCHEDULE-AGENT=SERVER', '')).toBe(fp);
    // The same attendees in another order, the same times written in another order of lines.
    const lines = base.split('\r\n');
    const a = lines.findIndex((l) => l.startsWith('ATTENDEE;CN="Bob'));
    const reordered = [...lines];
    [reordered[a], reordered[a + 1]] = [reordered[a + 1]!, reordered[a]!];
    expect(schedulingFingerprint(reordered.join('\r\n'))).toBe(fp);
  });

  it('changes with what attendees must hear of (RFC 5546 §2.1.4)', () => {
    const changed = [
      edit('DTSTART;TZID=America/New_York:20261110T100000', 'DTSTART;TZID=America/New_York:20261110T103000'),
      edit('DTEND;TZID=America/New_York:20261110T113000', 'DTEND;TZID=America/New_York:20261110T120000'),
      edit('SUMMARY:Quarterly review', 'SUMMARY:Quarterly review (moved)'),
      edit('LOCATION:Room 1\\, second floor', 'LOCATION:Room 2'),
      edit('DESCRIPTION:Quarterly review.', 'DESCRIPTION:Half-year review.'),
      edit('SEQUENCE:2', 'SEQUENCE:2\r\nSTATUS:CANCELLED'),
      edit('SEQUENCE:2', 'SEQUENCE:2\r\nRRULE:FREQ=WEEKLY;COUNT=3'),
      edit(/ATTENDEE;CN="Carol"[^\r]*\r\n/, ''),
      edit('SEQUENCE:2', 'SEQUENCE:2\r\nATTENDEE:mailto:new@example.net'),
    ];
    for (const c of changed) expect(c).not.toBe(fp);
    expect(new Set(changed).size).toBe(changed.length);
    const series = schedulingFingerprint(THUNDERBIRD_SERIES);
    expect(schedulingFingerprint(THUNDERBIRD_SERIES.replace('EXDATE;TZID=Europe/Berlin:20270118T093000', 'EXDATE;TZID=Europe/Berlin:20270118T093000,20270125T093000'))).not.toBe(series);
    expect(schedulingFingerprint(THUNDERBIRD_SERIES.replace('DTSTART;TZID=Europe/Berlin:20270111T140000', 'DTSTART;TZID=Europe/Berlin:20270111T150000'))).not.toBe(series);
  });
});

// ---- readItip ----

describe('readItip', () => {
  it("reads libical's iTIP test messages as python3-icalendar does", () => {
    const text = corpusFile('libical/test-data/incoming.ics');
    const messages = text.split(/(?=BEGIN:VCALENDAR)/).filter((m) => m.trim());
    expect(messages.length).toBeGreaterThan(10);
    let read = 0;
    for (const m of messages) {
      const msg = readItip(m);
      const py = python(m);
      if (!msg) continue;
      read++;
      expect(msg.method).toBe(py.method);
      expect(msg.uid).toBe(py.components.find((c) => !c.rid)?.uid ?? py.components[0]!.uid);
      const pyEmails = new Set(py.components.flatMap((c) => c.attendees.map((a) => a.email)).filter((e) => e.includes('@')));
      expect(new Set(msg.attendees.map((a) => a.email))).toEqual(new Set([...pyEmails].filter((e) => !e.startsWith('conf_'))));
    }
    expect(read).toBeGreaterThan(10);
    const first = readItip(messages[0]!)!;
    expect(first).toMatchObject({ method: 'REQUEST', uid: 'calsrv.example.com-873970198738776@example.com', organizer: 'b@example.com', sequence: 2, recurrenceIds: [], comment: null });
    expect(first.attendees[0]).toEqual({ email: 'a@example.com', partstat: 'ACCEPTED', name: 'BIG A' });
    expect(first.attendees[1]).toEqual({ email: 'b@example.com', partstat: 'NEEDS-ACTION', name: 'B' });
  });

  it('reads a REPLY it made: the attendee, the instances in UTC, the comment', () => {
    const mine = THUNDERBIRD_SERIES.replace(/PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL;SCHEDULE-STATUS=1.1:mailto:bob/g, 'PARTSTAT=TENTATIVE;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL:mailto:bob');
    const msg = readItip(itipReply(mine, 'bob@example.net', NOW, 'maybe'))!;
    expect(msg).toMatchObject({
      method: 'REPLY',
      uid: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
      organizer: 'alice@example.org',
      attendees: [{ email: 'bob@example.net', partstat: 'TENTATIVE', name: null }],
      sequence: 1,
      recurrenceIds: ['20270111T083000Z'],
      comment: 'maybe',
    });
    expect(msg.components?.map((c) => c.recurrenceId)).toEqual([null, '20270111T083000Z']);
  });

  it('is null for what is no iTIP message', () => {
    expect(readItip(GOOGLE_ATTENDEE)).toBeNull(); // no METHOD
    expect(readItip('garbage')).toBeNull();
    expect(readItip(crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'DTSTART:20270101T100000Z', 'END:VEVENT', 'END:VCALENDAR']))).toBeNull(); // no UID
    expect(readItip(crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REQUEST', 'END:VCALENDAR']))).toBeNull();
    // A reply to an instance whose RECURRENCE-ID cannot be read is not taken for an answer to the series.
    expect(readItip(crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REPLY', 'BEGIN:VEVENT', 'UID:x', 'RECURRENCE-ID:soon', 'ATTENDEE;PARTSTAT=DECLINED:mailto:b@example.net', 'END:VEVENT', 'END:VCALENDAR']))).toBeNull();
    // Addresses other than mailto: are no attendee one can answer for.
    expect(readItip(crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REPLY', 'BEGIN:VEVENT', 'UID:x', 'ATTENDEE;PARTSTAT=ACCEPTED:https://example.net/b', 'ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:B@Example.NET', 'END:VEVENT', 'END:VCALENDAR']))?.attendees).toEqual([{ email: 'b@example.net', partstat: 'ACCEPTED', name: null }]);
  });
});

// ---- applyReply ----

const applied = (text: string, reply: Parameters<typeof applyReply>[1]) => {
  const r = applyReply(text, reply);
  if (!('text' in r)) throw new Error(`refused: ${r.error}`);
  return r.text;
};
const attendeeLine = (c: ICAL.Component, email: string) => c.getAllProperties('attendee').find((p) => String(p.getFirstValue()).toLowerCase() === `mailto:${email}`);

describe('applyReply', () => {
  it('writes the answer into the master and the instances that followed it; an instance answered apart keeps its answer', () => {
    const text = applied(APPLE_ORGANIZER, { attendee: 'Bob@Example.net', partstat: 'accepted' });
    const py = python(text);
    const bob = py.components[0]!.attendees.find((a) => a.email === 'bob@example.net')!;
    expect(bob).toEqual({ email: 'bob@example.net', partstat: 'ACCEPTED', rsvp: null, scheduleStatus: '1.1' });
    // Nothing else changed: the other attendees, the alarm, the DTSTAMP.
    expect(py.components[0]!.attendees.find((a) => a.email === 'carol@example.com')).toMatchObject({ partstat: 'TENTATIVE', scheduleStatus: '1.2' });
    expect(py.components[0]!.alarms).toBe(1);
    const withoutBob = (t: string) => {
      const r = icaljs(t);
      const e = events(r)[0]!;
      e.removeProperty(attendeeLine(e, 'bob@example.net')!);
      return JSON.stringify(r.toJSON());
    };
    expect(withoutBob(text)).toBe(withoutBob(APPLE_ORGANIZER));

    const series = applied(THUNDERBIRD_SERIES, { attendee: 'bob@example.net', partstat: 'DECLINED', recurrenceId: '20270111T083000Z' });
    const both = applied(series, { attendee: 'bob@example.net', partstat: 'ACCEPTED' });
    const [master, moved] = events(icaljs(both));
    expect(attendeeLine(master!, 'bob@example.net')?.getParameter('partstat')).toBe('ACCEPTED');
    expect(attendeeLine(moved!, 'bob@example.net')?.getParameter('partstat')).toBe('DECLINED');
    // An instance that had the series' answer follows it.
    const followed = applied(THUNDERBIRD_SERIES, { attendee: 'bob@example.net', partstat: 'TENTATIVE' });
    expect(events(icaljs(followed)).map((c) => attendeeLine(c, 'bob@example.net')?.getParameter('partstat'))).toEqual(['TENTATIVE', 'TENTATIVE']);
  });

  it('answers an existing override named by its RECURRENCE-ID in any form', () => {
    for (const rid of ['20270111T083000Z', '2027-01-11T08:30:00Z', '2027-01-11T08:30:00.000Z']) {
      const text = applied(THUNDERBIRD_SERIES, { attendee: 'erin@example.net', partstat: 'ACCEPTED', recurrenceId: rid });
      const py = python(text);
      expect(py.components).toHaveLength(2);
      expect(py.components[1]!.attendees.find((a) => a.email === 'erin@example.net')?.partstat).toBe('ACCEPTED');
    }
  });

  it('makes an override from the master for an instance answered apart, at that instance\'s time in its zone', () => {
    // The third Monday is excluded; the fourth (2027-01-25) has no override yet.
    const text = applied(THUNDERBIRD_SERIES, { attendee: 'dave@example.net', partstat: 'DECLINED', recurrenceId: '20270125T083000Z', comment: 'Dentist' });
    const root = icaljs(text);
    const comps = events(root);
    expect(comps).toHaveLength(3);
    const made = comps[2]!;
    expect(made.getFirstProperty('recurrence-id')?.toICALString()).toBe('RECURRENCE-ID;TZID=Europe/Berlin:20270125T093000');
    expect(made.getFirstProperty('dtstart')?.toICALString()).toBe('DTSTART;TZID=Europe/Berlin:20270125T093000');
    expect(made.getFirstProperty('dtend')?.toICALString()).toBe('DTEND;TZID=Europe/Berlin:20270125T094500');
    for (const name of ['rrule', 'exdate']) expect(made.hasProperty(name)).toBe(false);
    expect(attendeeLine(made, 'dave@example.net')?.getParameter('partstat')).toBe('DECLINED');
    expect(attendeeLine(comps[0]!, 'dave@example.net')?.getParameter('partstat')).toBe('ACCEPTED');
    expect(made.getFirstPropertyValue('comment')).toBe('Dentist');
    const py = python(text);
    expect(py.components[2]).toMatchObject({ rid: '2027-01-25T09:30:00+01:00', dtstart: '2027-01-25T09:30:00+01:00', dtend: '2027-01-25T09:45:00+01:00', comments: ['Dentist'] });
    // The series still has its eight instances less the excluded one, the new override among them.
    const expansion = expandInstances(comps, new TimeResolver(undefined), { maxInstances: 100 });
    expect(expansion.instances).toHaveLength(7);
    expect(expansion.instances.filter((i) => i.isOverride)).toHaveLength(2);
  });

  it('answers an instance of an all-day series by its date', () => {
    const allDay = calendar(event('ad', ['DTSTART;VALUE=DATE:20270301', 'DTEND;VALUE=DATE:20270302', 'RRULE:FREQ=DAILY;COUNT=5', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE;RSVP=TRUE:mailto:b@example.net']));
    const text = applied(allDay, { attendee: 'b@example.net', partstat: 'ACCEPTED', recurrenceId: '20270303' });
    const py = python(text);
    expect(py.components.map((c) => [c.rid, c.dtstart, c.dtend, c.attendees[0]!.partstat])).toEqual([
      [null, '2027-03-01', '2027-03-02', null],
      ['2027-03-03', '2027-03-03', '2027-03-04', 'ACCEPTED'],
    ]);
    const reply = readItip(itipReply(text, 'b@example.net', NOW))!;
    expect(reply.recurrenceIds).toEqual(['20270303']);
  });

  it('gives a single event the answer whatever RECURRENCE-ID the reply names (Outlook names the start)', () => {
    const text = applied(OUTLOOK_ALL_DAY, { attendee: 'judy@example.org', partstat: 'TENTATIVE', recurrenceId: '20270310' });
    expect(python(text).components[0]!.attendees[0]).toMatchObject({ partstat: 'TENTATIVE', rsvp: null });
  });

  it('refuses what it cannot apply, changing nothing', () => {
    expect(applyReply(THUNDERBIRD_SERIES, { attendee: 'bob@example.net', partstat: 'ACCEPTED', recurrenceId: '20270118T083000Z' })).toEqual({ error: 'not-found' }); // excluded
    expect(applyReply(THUNDERBIRD_SERIES, { attendee: 'bob@example.net', partstat: 'ACCEPTED', recurrenceId: '20270105T083000Z' })).toEqual({ error: 'not-found' }); // a Tuesday
    expect(applyReply(THUNDERBIRD_SERIES, { attendee: 'bob@example.net', partstat: 'ACCEPTED', recurrenceId: 'yesterday' })).toEqual({ error: 'not-found' });
    expect(applyReply(THUNDERBIRD_SERIES, { attendee: 'mallory@example.net', partstat: 'ACCEPTED' })).toEqual({ error: 'not-attendee' });
    expect(applyReply(THUNDERBIRD_SERIES, { attendee: 'erin@example.net', partstat: 'ACCEPTED', recurrenceId: '20270125T083000Z' })).toEqual({ error: 'not-attendee' });
    expect(applyReply(THUNDERBIRD_SERIES, { attendee: 'bob@example.net', partstat: 'MAYBE; X=1' })).toEqual({ error: 'bad-partstat' });
    expect(applyReply('nonsense', { attendee: 'bob@example.net', partstat: 'ACCEPTED' })).toEqual({ error: 'unreadable' });
    // An instance beyond the bounded walk (every minute for ever, ten years on) is not found, not searched for ever.
    const minutely = calendar(event('mm', ['DTSTART:20270101T000000Z', 'RRULE:FREQ=MINUTELY', 'ORGANIZER:mailto:a@example.org', 'ATTENDEE:mailto:b@example.net']));
    expect(applyReply(minutely, { attendee: 'b@example.net', partstat: 'DECLINED', recurrenceId: '20370101T000000Z' })).toEqual({ error: 'not-found' });
    const twoUids = calendar([...event('u1', ['DTSTART:20270101T100000Z', 'ATTENDEE:mailto:b@example.net']), ...event('u2', ['DTSTART:20270101T100000Z', 'ATTENDEE:mailto:b@example.net'])]);
    expect(applyReply(twoUids, { attendee: 'b@example.net', partstat: 'ACCEPTED' })).toEqual({ error: 'uid-mismatch' });
  });

  it('returns the text as given when the answer is already there (the caller stores nothing)', () => {
    const once = applied(APPLE_ORGANIZER, { attendee: 'bob@example.net', partstat: 'ACCEPTED', comment: 'Fine' });
    expect(applied(once, { attendee: 'bob@example.net', partstat: 'ACCEPTED', comment: 'Fine' })).toBe(once);
    expect(applied(once, { attendee: 'bob@example.net', partstat: 'ACCEPTED' })).toBe(once);
  });

  it("keeps one comment per attendee: replaced by a later answer's, taken back by an answer without one", () => {
    let text = applied(APPLE_ORGANIZER, { attendee: 'bob@example.net', partstat: 'ACCEPTED', comment: 'Fine' });
    text = applied(text, { attendee: 'carol@example.com', partstat: 'ACCEPTED', comment: 'Me too; "quoted", and\nnew line' });
    text = applied(text, { attendee: 'bob@example.net', partstat: 'DECLINED', comment: 'Sorry, ill' });
    expect(python(text).components[0]!.comments.sort()).toEqual(['Me too; "quoted", and\nnew line', 'Sorry, ill']);
    text = applied(text, { attendee: 'bob@example.net', partstat: 'DECLINED', comment: null });
    expect(python(text).components[0]!.comments).toEqual(['Me too; "quoted", and\nnew line']);
  });

  it('applies what readItip reads of a REPLY itipReply made (the round trip between two servers)', () => {
    // Bob's copy as his client keeps it: the invitation, the series accepted, the moved instance not answered.
    const copy = icaljs(itipRequest(THUNDERBIRD_SERIES, NOW));
    copy.removeAllProperties('method');
    attendeeLine(events(copy)[0]!, 'bob@example.net')!.setParameter('partstat', 'ACCEPTED');
    const attendeeCopy = copy.toString();
    const msg = readItip(itipReply(attendeeCopy, 'bob@example.net', NOW))!;
    let organizer = THUNDERBIRD_SERIES;
    for (const c of msg.components!) {
      const a = c.attendees[0]!;
      organizer = applied(organizer, { attendee: a.email, partstat: a.partstat, recurrenceId: c.recurrenceId });
    }
    expect(python(organizer).components.map((c) => c.attendees.find((a) => a.email === 'bob@example.net')?.partstat)).toEqual(['ACCEPTED', 'NEEDS-ACTION']);
  });
});

// ---- eventSummary ----

describe('eventSummary', () => {
  it("summarizes Apple's invitation: times in UTC, the zone named, people with answers and roles", () => {
    expect(eventSummary(APPLE_ORGANIZER)).toEqual({
      uid: '5F4C8E42-9F1B-4C3B-A1E8-2D7C0A1B9E10',
      summary: 'Quarterly review',
      location: 'Room 1, second floor',
      description: 'Quarterly review.\nBring the numbers.',
      url: 'https://example.org/agenda',
      organizer: { email: 'alice@example.org', name: 'Alice Liddell' },
      attendees: [
        { email: 'alice@example.org', name: 'Alice Liddell', partstat: 'ACCEPTED', role: 'CHAIR' },
        { email: 'bob@example.net', name: 'Bob Builder', partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT' },
        { email: 'carol@example.com', name: 'Carol', partstat: 'TENTATIVE', role: 'OPT-PARTICIPANT' },
      ],
      start: '2026-11-10T15:00:00.000Z',
      end: '2026-11-10T16:30:00.000Z',
      allDay: false,
      zone: 'America/New_York',
      recurrence: null,
      sequence: 2,
      status: null,
    });
  });

  it('summarizes a series by its master, an all-day Outlook event by its dates, a Google event in UTC', () => {
    expect(eventSummary(THUNDERBIRD_SERIES)).toMatchObject({ summary: 'Stand-up', start: '2027-01-04T08:30:00.000Z', end: '2027-01-04T08:45:00.000Z', zone: 'Europe/Berlin', recurrence: 'FREQ=WEEKLY;COUNT=8;BYDAY=MO', sequence: 1 });
    expect(eventSummary(OUTLOOK_ALL_DAY)).toMatchObject({ summary: 'Team offsite', allDay: true, zone: null, start: '2027-03-10T00:00:00.000Z', end: '2027-03-12T00:00:00.000Z', status: 'CONFIRMED', location: 'Lake house' });
    expect(eventSummary(GOOGLE_ATTENDEE)).toMatchObject({ zone: 'UTC', location: null, start: '2026-12-15T16:00:00.000Z', attendees: expect.arrayContaining([{ email: 'grace@example.org', name: 'Grace Hopper', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT' }]) });
  });

  it('names zones: IANA as written, the IANA name inside Mozilla and libical TZIDs, a Windows name as written with its VTIMEZONE\'s times', () => {
    const [exchange] = corpusObjects('icalendar/src/icalendar/tests/calendars/timezone_same_start.ics');
    expect(eventSummary(exchange!)).toMatchObject({ zone: 'Pacific Standard Time', start: '2017-02-24T20:00:00.000Z', end: '2017-02-24T20:30:00.000Z' });
    const mozilla = calendar(event('mz', ['DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20270105T100000', 'DURATION:PT1H']), {
      timezones: [VTIMEZONE_BERLIN.map((l) => (l === 'TZID:Europe/Berlin' ? 'TZID:/mozilla.org/20050126_1/Europe/Berlin' : l))],
    });
    expect(eventSummary(mozilla)).toMatchObject({ zone: 'Europe/Berlin', start: '2027-01-05T09:00:00.000Z', end: '2027-01-05T10:00:00.000Z' });
    const libical = calendar(event('li', ['DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/Europe/Berlin:20270105T100000']), {
      timezones: [VTIMEZONE_BERLIN.map((l) => (l === 'TZID:Europe/Berlin' ? 'TZID:/freeassociation.sourceforge.net/Tzfile/Europe/Berlin' : l))],
    });
    expect(eventSummary(libical)?.zone).toBe('Europe/Berlin');
    const floating = calendar(event('fl', ['DTSTART:20270105T100000', 'DTEND:20270105T110000']));
    expect(eventSummary(floating)).toMatchObject({ zone: null, start: '2027-01-05T10:00:00.000Z', allDay: false });
  });

  it('is null for text that is no event', () => {
    expect(eventSummary('garbage')).toBeNull();
    expect(eventSummary(crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'END:VCALENDAR']))).toBeNull();
  });
});

// ---- the compute tasks ----

describe('iTIP compute tasks', () => {
  const pool = new ComputePool({ threads: 1, deadlineMs: 10_000 }, createLogger('silent'));
  afterAll(() => pool.close());
  const nowSeconds = NOW.getTime() / 1000;

  it('run each function in a worker thread under its name, `now` in epoch seconds (or milliseconds)', async () => {
    const req = await pool.run('itipRequest', { text: APPLE_ORGANIZER, now: nowSeconds }, null);
    expect(req).toEqual({ ok: true, value: itipRequest(APPLE_ORGANIZER, NOW) });
    const reqMs = await pool.run('itipRequest', { text: APPLE_ORGANIZER, now: NOW.getTime() }, null);
    expect(reqMs).toEqual(req);
    expect(await pool.run('itipRequest', { text: THUNDERBIRD_SERIES, now: nowSeconds, recipient: 'erin@example.net' }, null)).toEqual({ ok: true, value: itipRequest(THUNDERBIRD_SERIES, NOW, 'erin@example.net') });
    expect(req.ok && req.value).toContain(`DTSTAMP:${NOW_STAMP}`);
    expect(await pool.run('itipCancel', { text: THUNDERBIRD_SERIES, recipients: 'all', now: nowSeconds }, null)).toEqual({ ok: true, value: itipCancel(THUNDERBIRD_SERIES, 'all', NOW) });
    expect(await pool.run('itipReply', { text: GOOGLE_ATTENDEE, attendee: 'grace@example.org', now: nowSeconds, comment: 'ok' }, null)).toEqual({ ok: true, value: itipReply(GOOGLE_ATTENDEE, 'grace@example.org', NOW, 'ok') });
    expect(await pool.run('schedulingFingerprint', APPLE_ORGANIZER, null)).toEqual({ ok: true, value: schedulingFingerprint(APPLE_ORGANIZER) });
    expect(await pool.run('readItip', req.ok ? req.value : '', null)).toMatchObject({ ok: true, value: { method: 'REQUEST', uid: '5F4C8E42-9F1B-4C3B-A1E8-2D7C0A1B9E10' } });
    expect(await pool.run('applyReply', { text: APPLE_ORGANIZER, reply: { attendee: 'bob@example.net', partstat: 'ACCEPTED' } }, null)).toEqual({ ok: true, value: applyReply(APPLE_ORGANIZER, { attendee: 'bob@example.net', partstat: 'ACCEPTED' }) });
    expect(await pool.run('eventSummary', OUTLOOK_ALL_DAY, null)).toEqual({ ok: true, value: eventSummary(OUTLOOK_ALL_DAY) });
  });

  it('report a refusal as the item\'s error', async () => {
    expect(await pool.run('itipReply', { text: GOOGLE_ATTENDEE, attendee: 'mallory@example.net', now: nowSeconds }, null)).toMatchObject({ ok: false, error: expect.stringMatching(/not an attendee/) });
  });
});
