// The web UI's tasks: a VTODO's summary, due date and completion, and marking it done or open
// again. Pure; the pool runs it (src/compute/tasks.ts), never the request loop.
import { stampChange } from './changeStamps.ts';
import { parseMaster } from './master.ts';
import { isDateValue, propertyEpoch, TimeResolver, utcTime, type FloatingZone } from './time.ts';

export interface TaskReading {
  uid: string;
  summary: string;
  due: number | null;
  dueIsDate: boolean;
  done: boolean;
}

export function readTask(text: string, zone: FloatingZone): TaskReading {
  const { master: todo } = parseMaster(text, 'vtodo');
  const status = String(todo.getFirstPropertyValue('status') ?? '').toUpperCase();
  return {
    uid: String(todo.getFirstPropertyValue('uid') ?? ''),
    summary: String(todo.getFirstPropertyValue('summary') ?? ''),
    due: propertyEpoch(todo, 'due', new TimeResolver(zone)),
    dueIsDate: isDateValue(todo, 'due'),
    done: status === 'COMPLETED' || todo.hasProperty('completed'),
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
