// Editing part of a recurring event as Apple Calendar and Thunderbird do it: one occurrence (an
// override component with RECURRENCE-ID, RFC 5545 §3.8.4.4), this and the following ones (the
// series split in two: the old one ends before the occurrence, a new one with its own UID starts
// there), or deleting one (EXDATE, RFC 5545 §3.8.5.1). Pure; the pool runs it (src/compute/tasks.ts).
import type { FormParticipants, SimpleEvent } from './simpleEvent.ts';

/** The message of the error thrown when a RECURRENCE-ID names no instance of the event (the domain answers NotFound). */
export const NOT_AN_INSTANCE = 'not an instance of this event';

/** One occurrence as the form shows it. */
export interface OccurrenceReading {
  event: SimpleEvent;
  participants: FormParticipants;
  /** True when the occurrence has its own component (an override). */
  isOverride: boolean;
  /** The series' repeat rule when the form cannot show it. */
  customRule: string | null;
  /** VALARMs of the occurrence that are not reminders the form shows (kept as they are). */
  otherAlarms: number;
}

export function readOccurrence(text: string, recurrenceId: string, viewerZone: string): OccurrenceReading {
  void text;
  void recurrenceId;
  void viewerZone;
  throw new Error('not yet');
}

export function editOccurrence(text: string, recurrenceId: string, event: SimpleEvent, now: number): string {
  void [text, recurrenceId, event, now];
  throw new Error('not yet');
}

export function splitSeries(text: string, recurrenceId: string, event: SimpleEvent | null, newUid: string, now: number): { old: string | null; next: string | null } {
  void [text, recurrenceId, event, newUid, now];
  throw new Error('not yet');
}

export function deleteOccurrence(text: string, recurrenceId: string, now: number): string {
  void [text, recurrenceId, now];
  throw new Error('not yet');
}
