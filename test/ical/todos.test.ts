// The web UI's tasks: done and undone as RFC 5545 has them.
import { describe, expect, it } from 'vitest';
import { readTask, setTaskDone } from '../../src/ical/todos.ts';

const NOW = Date.UTC(2026, 11, 4, 12) / 1000;

describe('tasks', () => {
  const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VTODO', 'UID:t', 'DTSTAMP:20261201T000000Z', 'DUE;VALUE=DATE:20270110', 'SUMMARY:Milk', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');

  it('marks done with STATUS, COMPLETED and PERCENT-COMPLETE, and open again', () => {
    expect(readTask(todo, 'UTC')).toEqual({ uid: 't', summary: 'Milk', due: Date.UTC(2027, 0, 10) / 1000, dueIsDate: true, done: false });
    const done = setTaskDone(todo, true, NOW);
    expect(done).toMatch(/STATUS:COMPLETED[\s\S]*COMPLETED:20261204T120000Z[\s\S]*PERCENT-COMPLETE:100/);
    expect(readTask(done, 'UTC').done).toBe(true);
    const open = setTaskDone(done, false, NOW);
    expect(open).toContain('STATUS:NEEDS-ACTION');
    expect(open).not.toMatch(/^COMPLETED:/m);
    expect(readTask(open, 'UTC').done).toBe(false);
  });
});
