// Entry of a compute pool thread (piscina loads this module's default export).
import { runTask, type TaskMessage } from './tasks.ts';

export default function computeTask(msg: TaskMessage) {
  return runTask(msg);
}
