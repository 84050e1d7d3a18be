// The web UI's tasks: done and undone as RFC 5545 has them; a VTODO read for the task form, a new
// one written from it, and the form applied to the tasks Apple Reminders, tasks.org and
// Thunderbird write, keeping everything the form does not show. Every result is also read by
// python3-icalendar (Debian's, /usr/bin/python3) as a second, independent parser.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCalendarObject } from '../../src/ical/parse.ts';
import { applyTask, newTask, priorityLevel, readTask, readTaskFields, setTaskDone, type TaskFields } from '../../src/ical/todos.ts';
import { APPLE_REMINDER, TASKS_ORG, THUNDERBIRD_TODO } from '../fixtures/todos.ts';

const NOW = Date.UTC(2026, 11, 4, 12) / 1000;
const PYTHON = '/usr/bin/python3';

/** The lines of an object, unfolded (what a line-by-line comparison needs). */
const lines = (text: string) => text.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean);
/** The lines of the VTODO without the ones every change rewrites. */
const kept = (text: string) => lines(text).filter((l) => !/^(DTSTAMP|LAST-MODIFIED|SEQUENCE)[:;]/.test(l));
/** The VTODO's own lines (not its alarms', not a VTIMEZONE's). */
function todoLines(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (const l of lines(text)) {
    if (l === 'BEGIN:VTODO') depth = 1;
    else if (l === 'END:VTODO') depth = 0;
    else if (depth && l.startsWith('BEGIN:')) depth++;
    else if (depth && l.startsWith('END:')) depth--;
    else if (depth === 1) out.push(l);
  }
  return out;
}
const prop = (text: string, name: string) => todoLines(text).filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));

/** What python3-icalendar reads of each VTODO: SUMMARY, DUE (as ISO text) and PRIORITY. */
function python(texts: string[]): { summary: string; due: string | null; priority: number | null }[] {
  const script = `
import json, sys, icalendar
out = []
for text in json.load(sys.stdin):
    cal = icalendar.Calendar.from_ical(text)
    todo = [c for c in cal.walk('VTODO')][0]
    due = todo.get('DUE')
    out.append({'summary': str(todo.get('SUMMARY')), 'due': due.dt.isoformat() if due else None, 'priority': int(todo.get('PRIORITY')) if todo.get('PRIORITY') is not None else None})
print(json.dumps(out))
`;
  const res = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as { summary: string; due: string | null; priority: number | null }[];
}

describe('tasks', () => {
  const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VTODO', 'UID:t', 'DTSTAMP:20261201T000000Z', 'DUE;VALUE=DATE:20270110', 'SUMMARY:Milk', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');

  it('marks done with STATUS, COMPLETED and PERCENT-COMPLETE, and open again', () => {
    expect(readTask(todo, 'UTC')).toEqual({ uid: 't', summary: 'Milk', due: Date.UTC(2027, 0, 10) / 1000, dueIsDate: true, done: false, priority: 0, completed: null });
    const done = setTaskDone(todo, true, NOW);
    expect(done).toMatch(/STATUS:COMPLETED[\s\S]*COMPLETED:20261204T120000Z[\s\S]*PERCENT-COMPLETE:100/);
    expect(readTask(done, 'UTC')).toMatchObject({ done: true, completed: NOW });
    const open = setTaskDone(done, false, NOW);
    expect(open).toContain('STATUS:NEEDS-ACTION');
    expect(open).not.toMatch(/^COMPLETED:/m);
    expect(readTask(open, 'UTC').done).toBe(false);
  });

  it('reads priorities in the three levels of RFC 5545 §3.8.1.9', () => {
    expect([0, 1, 2, 4, 5, 6, 9, 10, -1, 2.5].map(priorityLevel)).toEqual(['none', 'high', 'high', 'high', 'medium', 'low', 'low', 'none', 'none', 'none']);
  });

  it('reads the form of an Apple reminder, a tasks.org task and a Thunderbird task, the due time in the viewer’s zone', () => {
    expect(readTaskFields(APPLE_REMINDER, 'Europe/Berlin')).toEqual({ summary: 'Call the plumber', dueDate: '2026-12-08', dueTime: '', priority: 'high', description: 'Kitchen sink, again' });
    expect(readTaskFields(TASKS_ORG, 'Europe/Berlin')).toEqual({ summary: 'Renew passport', dueDate: '2026-12-10', dueTime: '12:00', priority: 'medium', description: 'Photos first' });
    // 12:00 in Berlin (CET, +01:00) is 06:00 in New York (EST, -05:00).
    expect(readTaskFields(TASKS_ORG, 'America/New_York')).toMatchObject({ dueDate: '2026-12-10', dueTime: '06:00' });
    expect(readTaskFields(THUNDERBIRD_TODO, 'Europe/Berlin')).toEqual({ summary: 'Write report', dueDate: '2026-12-09', dueTime: '17:00', priority: 'low', description: 'Q4 figures' });
  });

  it('writes only what the form changed: a new title keeps every other line of each client’s task as it was', () => {
    for (const [text, zone] of [
      [APPLE_REMINDER, 'Europe/Berlin'],
      [TASKS_ORG, 'America/New_York'],
      [THUNDERBIRD_TODO, 'Asia/Tokyo'],
    ] as const) {
      const fields = { ...readTaskFields(text, zone), summary: 'Renamed' };
      const out = applyTask(text, fields, zone, NOW);
      const before = kept(text).filter((l) => !l.startsWith('SUMMARY'));
      expect(kept(out).filter((l) => !l.startsWith('SUMMARY')).sort()).toEqual(before.sort());
      expect(prop(out, 'SUMMARY')).toEqual(['SUMMARY:Renamed']);
      expect(prop(out, 'DTSTAMP')).toEqual(['DTSTAMP:20261204T120000Z']);
      expect(prop(out, 'LAST-MODIFIED')).toEqual(['LAST-MODIFIED:20261204T120000Z']);
      // Not a change of time: SEQUENCE stays.
      expect(prop(out, 'SEQUENCE')).toEqual(prop(text, 'SEQUENCE'));
      expect(parseCalendarObject(out).componentType).toBe('VTODO');
    }
  });

  it('keeps PRIORITY:2 while the form says "high", and writes 1, 5, 9 or nothing when the level changes', () => {
    const two = APPLE_REMINDER.replace('PRIORITY:1', 'PRIORITY:2');
    const same = applyTask(two, readTaskFields(two, 'UTC'), 'UTC', NOW);
    expect(prop(same, 'PRIORITY')).toEqual(['PRIORITY:2']);
    const at = (priority: TaskFields['priority']) => prop(applyTask(two, { ...readTaskFields(two, 'UTC'), priority }, 'UTC', NOW), 'PRIORITY');
    expect(at('medium')).toEqual(['PRIORITY:5']);
    expect(at('low')).toEqual(['PRIORITY:9']);
    expect(at('none')).toEqual([]);
    expect(prop(applyTask(TASKS_ORG, { ...readTaskFields(TASKS_ORG, 'UTC'), priority: 'high' }, 'UTC', NOW), 'PRIORITY')).toEqual(['PRIORITY:1']);
  });

  it('moves an Apple reminder’s DTSTART with its due date, raises SEQUENCE, and drops both when the due date goes', () => {
    const later = applyTask(APPLE_REMINDER, { ...readTaskFields(APPLE_REMINDER, 'Europe/Berlin'), dueDate: '2026-12-11' }, 'Europe/Berlin', NOW);
    expect(prop(later, 'DUE')).toEqual(['DUE;VALUE=DATE:20261211']);
    expect(prop(later, 'DTSTART')).toEqual(['DTSTART;VALUE=DATE:20261211']);
    expect(prop(later, 'SEQUENCE')).toEqual(['SEQUENCE:2']);
    const timed = applyTask(APPLE_REMINDER, { ...readTaskFields(APPLE_REMINDER, 'Europe/Berlin'), dueDate: '2026-12-11', dueTime: '09:30' }, 'Europe/Berlin', NOW);
    expect(prop(timed, 'DUE')).toEqual(['DUE;TZID=Europe/Berlin:20261211T093000']);
    expect(prop(timed, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/Berlin:20261211T093000']);
    const none = applyTask(APPLE_REMINDER, { ...readTaskFields(APPLE_REMINDER, 'Europe/Berlin'), dueDate: '' }, 'Europe/Berlin', NOW);
    expect(prop(none, 'DUE')).toEqual([]);
    expect(prop(none, 'DTSTART')).toEqual([]);
    // The alarm and Apple's own properties stay.
    for (const out of [later, timed, none]) {
      expect(out).toContain('TRIGGER;VALUE=DATE-TIME:20261208T080000Z');
      expect(out).toContain('X-APPLE-SORT-ORDER:720936930');
      expect(parseCalendarObject(out).componentType).toBe('VTODO');
    }
  });

  it('keeps a Thunderbird DTSTART before the due date, and moves it only when it would be after it or of the other value type', () => {
    const zone = 'Europe/Berlin';
    const base = readTaskFields(THUNDERBIRD_TODO, zone);
    const later = applyTask(THUNDERBIRD_TODO, { ...base, dueTime: '18:00' }, zone, NOW);
    expect(prop(later, 'DUE')).toEqual(['DUE;TZID=Europe/Berlin:20261209T180000']);
    expect(prop(later, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/Berlin:20261206T090000']);
    const before = applyTask(THUNDERBIRD_TODO, { ...base, dueDate: '2026-12-05', dueTime: '08:00' }, zone, NOW);
    expect(prop(before, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/Berlin:20261205T080000']);
    const allDay = applyTask(THUNDERBIRD_TODO, { ...base, dueTime: '' }, zone, NOW);
    expect(prop(allDay, 'DUE')).toEqual(['DUE;VALUE=DATE:20261209']);
    expect(prop(allDay, 'DTSTART')).toEqual(['DTSTART;VALUE=DATE:20261209']);
    const none = applyTask(THUNDERBIRD_TODO, { ...base, dueDate: '', dueTime: '' }, zone, NOW);
    expect(prop(none, 'DUE')).toEqual([]);
    expect(prop(none, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/Berlin:20261206T090000']);
    for (const out of [later, before, allDay, none]) {
      for (const line of ['STATUS:IN-PROCESS', 'PERCENT-COMPLETE:40', 'X-MOZ-GENERATION:2', 'CLASS:PRIVATE', 'TZID:Europe/Berlin']) expect(out).toContain(line);
      expect(parseCalendarObject(out).componentType).toBe('VTODO');
    }
  });

  it('keeps a due time in its own zone while the form shows it unchanged, and writes a changed one in the viewer’s zone', () => {
    const zone = 'America/New_York';
    const same = applyTask(TASKS_ORG, { ...readTaskFields(TASKS_ORG, zone), description: 'Photos first\nthen the form' }, zone, NOW);
    expect(prop(same, 'DUE')).toEqual(['DUE;TZID=Europe/Berlin:20261210T120000']);
    expect(prop(same, 'DESCRIPTION')).toEqual(['DESCRIPTION:Photos first\\nthen the form']);
    expect(same).toContain('CATEGORIES:Admin');
    expect(same).toContain('TRIGGER;RELATED=END:PT0S');
    const moved = applyTask(TASKS_ORG, { ...readTaskFields(TASKS_ORG, zone), dueTime: '07:15' }, zone, NOW);
    expect(prop(moved, 'DUE')).toEqual(['DUE;TZID=America/New_York:20261210T071500']);
    expect(readTaskFields(moved, zone)).toMatchObject({ dueDate: '2026-12-10', dueTime: '07:15' });
  });

  it('drops a DURATION when a due date is set (DUE and DURATION exclude each other)', () => {
    const withDuration = todo.replace('DUE;VALUE=DATE:20270110', 'DTSTART:20270105T090000Z\r\nDURATION:PT2H');
    expect(readTaskFields(withDuration, 'UTC').dueDate).toBe('');
    const out = applyTask(withDuration, { ...readTaskFields(withDuration, 'UTC'), dueDate: '2027-01-06', dueTime: '10:00' }, 'UTC', NOW);
    expect(prop(out, 'DUE')).toEqual(['DUE:20270106T100000Z']);
    expect(prop(out, 'DURATION')).toEqual([]);
    expect(prop(out, 'DTSTART')).toEqual(['DTSTART:20270105T090000Z']);
    expect(parseCalendarObject(out).componentType).toBe('VTODO');
  });

  it('writes a new task from the form: DUE as a date, a UTC time or a wall-clock time with TZID; reads back the same form', () => {
    const cases: [TaskFields, string, string[]][] = [
      [{ summary: 'Pay rent, on time; really', dueDate: '2027-01-31', dueTime: '17:30', priority: 'high', description: 'Line one\nLine two' }, 'Europe/Berlin', ['DUE;TZID=Europe/Berlin:20270131T173000', 'PRIORITY:1', 'DESCRIPTION:Line one\\nLine two']],
      [{ summary: 'Water plants', dueDate: '2027-02-01', dueTime: '', priority: 'none', description: '' }, 'Asia/Tokyo', ['DUE;VALUE=DATE:20270201']],
      [{ summary: 'Backup', dueDate: '2027-02-02', dueTime: '06:00', priority: 'low', description: '' }, 'UTC', ['DUE:20270202T060000Z', 'PRIORITY:9']],
      [{ summary: 'Someday', dueDate: '', dueTime: '', priority: 'medium', description: '' }, 'UTC', ['PRIORITY:5']],
    ];
    const texts = cases.map(([fields, zone], i) => newTask(fields, zone, `uid-${i}`, NOW, '-//Calendula//Test//EN'));
    cases.forEach(([fields, zone, expected], i) => {
      const text = texts[i]!;
      for (const line of expected) expect(lines(text)).toContain(line);
      for (const line of ['STATUS:NEEDS-ACTION', `UID:uid-${i}`, 'DTSTAMP:20261204T120000Z', 'CREATED:20261204T120000Z', 'SEQUENCE:0', 'VERSION:2.0']) expect(lines(text)).toContain(line);
      if (fields.priority === 'none') expect(prop(text, 'PRIORITY')).toEqual([]);
      if (!fields.description) expect(prop(text, 'DESCRIPTION')).toEqual([]);
      if (!fields.dueDate) expect(prop(text, 'DUE')).toEqual([]);
      expect(text.endsWith('\r\n') || text.endsWith('END:VCALENDAR')).toBe(true);
      expect(readTaskFields(text, zone)).toEqual(fields);
      expect(parseCalendarObject(text).componentType).toBe('VTODO');
    });
    expect(texts[0]).toContain('SUMMARY:Pay rent\\, on time\\; really');
  });

  it.runIf(existsSync(PYTHON))('every task written is read the same by python3-icalendar (needs Debian python3-icalendar at /usr/bin/python3; .ci/run installs it)', () => {
    const zone = 'Europe/Berlin';
    const texts = [
      newTask({ summary: 'Pay rent, on time', dueDate: '2027-01-31', dueTime: '17:30', priority: 'high', description: 'a\nb' }, zone, 'p1', NOW, '-//t//EN'),
      newTask({ summary: 'Water plants', dueDate: '2027-02-01', dueTime: '', priority: 'none', description: '' }, zone, 'p2', NOW, '-//t//EN'),
      applyTask(APPLE_REMINDER, { ...readTaskFields(APPLE_REMINDER, zone), dueDate: '2026-12-11', dueTime: '09:30', priority: 'low' }, zone, NOW),
      applyTask(TASKS_ORG, { ...readTaskFields(TASKS_ORG, zone), summary: 'Passport' }, zone, NOW),
      applyTask(THUNDERBIRD_TODO, { ...readTaskFields(THUNDERBIRD_TODO, zone), dueDate: '' }, zone, NOW),
    ];
    expect(python(texts)).toEqual([
      { summary: 'Pay rent, on time', due: '2027-01-31T17:30:00+01:00', priority: 1 },
      { summary: 'Water plants', due: '2027-02-01', priority: null },
      { summary: 'Call the plumber', due: '2026-12-11T09:30:00+01:00', priority: 9 },
      { summary: 'Passport', due: '2026-12-10T12:00:00+01:00', priority: 5 },
      { summary: 'Write report', due: null, priority: 9 },
    ]);
  });
});
