// The web UI's tasks: a VTODO read for the list and for the task form, written new from the form,
// changed by the form (keeping every property the form does not show), and marked done or open
// again. Pure; the pool runs it (src/compute/tasks.ts), never the request loop.
import ICAL from 'ical.js';
import { stampChange } from './changeStamps.ts';
import { parseMaster } from './master.ts';
import { isDateValue, propertyEpoch, TimeResolver, tzidParam, utcTime, type FloatingZone } from './time.ts';

export interface TaskReading {
  uid: string;
  summary: string;
  due: number | null;
  dueIsDate: boolean;
  done: boolean;
  /** PRIORITY as stored (0: none; 1 is the highest, 9 the lowest). */
  priority: number;
  /** When it was completed (COMPLETED), if it says. */
  completed: number | null;
}

/** The priorities the form offers: the three levels of RFC 5545 §3.8.1.9 and none. */
export const TASK_PRIORITIES = ['none', 'high', 'medium', 'low'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** What the form writes for each level (RFC 5545 §3.8.1.9: 1 high, 5 medium, 9 low; 0 undefined). */
export const PRIORITY_VALUES: Readonly<Record<TaskPriority, number>> = { none: 0, high: 1, medium: 5, low: 9 };

/** The level a stored PRIORITY falls in: 1–4 high, 5 medium, 6–9 low (RFC 5545 §3.8.1.9), else none. */
export function priorityLevel(value: number): TaskPriority {
  if (!Number.isInteger(value) || value < 1 || value > 9) return 'none';
  return value <= 4 ? 'high' : value === 5 ? 'medium' : 'low';
}

/** A task as the form edits it: the due date and time are wall-clock values in the viewer's zone. */
export interface TaskFields {
  summary: string;
  /** YYYY-MM-DD, or '' for no due date. */
  dueDate: string;
  /** HH:MM, or '' for a due date without a time (a DATE value). */
  dueTime: string;
  priority: TaskPriority;
  /** DESCRIPTION ('' for none); lines end in \n. */
  description: string;
}

export function readTask(text: string, zone: FloatingZone): TaskReading {
  const { master: todo } = parseMaster(text, 'vtodo');
  const status = String(todo.getFirstPropertyValue('status') ?? '').toUpperCase();
  const r = new TimeResolver(zone);
  return {
    uid: String(todo.getFirstPropertyValue('uid') ?? ''),
    summary: String(todo.getFirstPropertyValue('summary') ?? ''),
    due: propertyEpoch(todo, 'due', r),
    dueIsDate: isDateValue(todo, 'due'),
    done: status === 'COMPLETED' || todo.hasProperty('completed'),
    priority: Number(todo.getFirstPropertyValue('priority') ?? 0) || 0,
    completed: propertyEpoch(todo, 'completed', r),
  };
}

/** Marks the task done (STATUS, COMPLETED, PERCENT-COMPLETE as RFC 5545 has them) or open again. */
export function setTaskDone(text: string, done: boolean, now: number): string {
  const { root, master: todo } = parseMaster(text, 'vtodo');
  if (done) {
    todo.updatePropertyWithValue('status', 'COMPLETED');
    todo.updatePropertyWithValue('completed', utcTime(now));
    todo.updatePropertyWithValue('percent-complete', 100);
  } else {
    todo.updatePropertyWithValue('status', 'NEEDS-ACTION');
    todo.removeAllProperties('completed');
    todo.removeAllProperties('percent-complete');
  }
  stampChange(todo, now, false);
  return root.toString();
}

// ---- the task form ----

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The wall-clock date and time of an instant in an IANA zone. */
function wallClock(epoch: number, zone: string): { date: string; time: string } {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(epoch * 1000))) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

function textOf(comp: ICAL.Component, name: string): string {
  const v = comp.getFirstPropertyValue(name);
  return typeof v === 'string' ? v : '';
}

function fieldsOf(todo: ICAL.Component, zone: string): TaskFields {
  const due = todo.getFirstPropertyValue('due');
  let dueDate = '';
  let dueTime = '';
  if (due instanceof ICAL.Time) {
    if (due.isDate) dueDate = `${pad(due.year, 4)}-${pad(due.month)}-${pad(due.day)}`;
    else {
      const at = wallClock(propertyEpoch(todo, 'due', new TimeResolver(zone)) ?? 0, zone);
      dueDate = at.date;
      dueTime = at.time;
    }
  }
  return {
    summary: textOf(todo, 'summary'),
    dueDate,
    dueTime,
    priority: priorityLevel(Number(todo.getFirstPropertyValue('priority') ?? 0)),
    description: textOf(todo, 'description'),
  };
}

/** The form's values of a stored task, read in `zone` (an IANA name). */
export function readTaskFields(text: string, zone: string): TaskFields {
  return fieldsOf(parseMaster(text, 'vtodo').master, zone);
}

/** A form date (and time) as a property: a DATE, a UTC time, or a wall-clock time with the zone's TZID. */
function timeProperty(comp: ICAL.Component, name: string, date: string, time: string, zone: string): ICAL.Property {
  const d = DATE.exec(date);
  if (!d) throw new Error(`not a date: ${date}`);
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const prop = new ICAL.Property(name, comp);
  if (!time) {
    prop.setValue(ICAL.Time.fromData({ year, month, day, isDate: true }));
    return prop;
  }
  const t = TIME.exec(time);
  if (!t) throw new Error(`not a time: ${time}`);
  const utc = zone === 'UTC';
  prop.setValue(ICAL.Time.fromData({ year, month, day, hour: Number(t[1]), minute: Number(t[2]), second: 0, isDate: false }, utc ? ICAL.Timezone.utcTimezone : undefined));
  if (!utc) prop.setParameter('tzid', zone);
  return prop;
}

function setText(comp: ICAL.Component, name: string, value: string): void {
  comp.removeAllProperties(name);
  if (value) comp.addPropertyWithValue(name, value);
}

function setPriority(comp: ICAL.Component, level: TaskPriority): void {
  comp.removeAllProperties('priority');
  if (level !== 'none') comp.addPropertyWithValue('priority', PRIORITY_VALUES[level]);
}

/** Two properties hold the same time: the same value and the same TZID. */
function sameTime(a: ICAL.Property, b: ICAL.Property): boolean {
  return String(a.getFirstValue()) === String(b.getFirstValue()) && tzidParam(a) === tzidParam(b);
}

/**
 * A new DUE (or none). DUE and DURATION exclude each other (RFC 5545 §3.6.2): a DURATION goes.
 * A DTSTART must be of DUE's value type and not after it: a DTSTART that was the old DUE (Apple
 * Reminders writes them equal) follows the due date, or goes with it; another one that would be
 * after the new due date, or of the other value type, becomes the due date too.
 */
function setDue(todo: ICAL.Component, fields: TaskFields, zone: string): void {
  const oldDue = todo.getFirstProperty('due');
  const start = todo.getFirstProperty('dtstart');
  const startWasDue = Boolean(oldDue && start && sameTime(oldDue, start));
  todo.removeAllProperties('due');
  if (!fields.dueDate) {
    if (startWasDue) todo.removeAllProperties('dtstart');
    return;
  }
  todo.removeAllProperties('duration');
  const due = timeProperty(todo, 'due', fields.dueDate, fields.dueTime, zone);
  todo.addProperty(due);
  if (!start) return;
  const r = new TimeResolver(zone);
  const startValue = start.getFirstValue();
  const dueValue = due.getFirstValue() as ICAL.Time;
  const mismatched = !(startValue instanceof ICAL.Time) || startValue.isDate !== dueValue.isDate;
  const after = !mismatched && (propertyEpoch(todo, 'dtstart', r) ?? 0) > (propertyEpoch(todo, 'due', r) ?? 0);
  if (startWasDue || mismatched || after) {
    todo.removeAllProperties('dtstart');
    todo.addProperty(timeProperty(todo, 'dtstart', fields.dueDate, fields.dueTime, zone));
  }
}

/**
 * The stored task with the form's values on its master; only what the form changed is written
 * (a PRIORITY of 2 stays 2 while the form says "high"; a due time stays in its own zone while the
 * form shows it unchanged), and every other property, alarm and instance is kept. A changed due
 * date raises SEQUENCE (RFC 5545 §3.8.7.4).
 */
export function applyTask(text: string, fields: TaskFields, zone: string, now: number): string {
  const { root, master: todo } = parseMaster(text, 'vtodo');
  const before = fieldsOf(todo, zone);
  if (fields.summary !== before.summary) setText(todo, 'summary', fields.summary);
  if (fields.description !== before.description) setText(todo, 'description', fields.description);
  if (fields.priority !== before.priority) setPriority(todo, fields.priority);
  const dueChanged = fields.dueDate !== before.dueDate || (fields.dueDate !== '' && fields.dueTime !== before.dueTime);
  if (dueChanged) setDue(todo, fields, zone);
  stampChange(todo, now, dueChanged);
  return root.toString();
}

/** A new task object holding the form's values, open (STATUS:NEEDS-ACTION). */
export function newTask(fields: TaskFields, zone: string, uid: string, now: number, prodId: string): string {
  const root = new ICAL.Component(['vcalendar', [], []]);
  root.addPropertyWithValue('version', '2.0');
  root.addPropertyWithValue('prodid', prodId);
  const todo = new ICAL.Component('vtodo', root);
  todo.addPropertyWithValue('uid', uid);
  todo.addPropertyWithValue('dtstamp', utcTime(now));
  todo.addPropertyWithValue('created', utcTime(now));
  todo.addPropertyWithValue('last-modified', utcTime(now));
  todo.addPropertyWithValue('sequence', 0);
  todo.addPropertyWithValue('summary', fields.summary);
  if (fields.dueDate) todo.addProperty(timeProperty(todo, 'due', fields.dueDate, fields.dueTime, zone));
  if (fields.priority !== 'none') todo.addPropertyWithValue('priority', PRIORITY_VALUES[fields.priority]);
  if (fields.description) todo.addPropertyWithValue('description', fields.description);
  todo.addPropertyWithValue('status', 'NEEDS-ACTION');
  root.addSubcomponent(todo);
  return root.toString();
}
