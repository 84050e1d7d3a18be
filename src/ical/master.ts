// The master component of an object: the one without RECURRENCE-ID, which holds the series (RFC
// 5545 §3.8.4.4). An object of overridden instances only (a CalDAV invitation to some instances)
// has none; its first component stands in, as every reader of the form, task or API view expects.
import type ICAL from 'ical.js';
import { masterOf } from './instances.ts';
import { parseCalendarText } from './parse.ts';

export type MasterKind = 'vevent' | 'vtodo';

const NOT_ONE: Record<MasterKind, string> = { vevent: 'not an event', vtodo: 'not a task' };

/** The master (or first) component of a kind in a parsed VCALENDAR, if it has one. */
export function masterIn(root: ICAL.Component, kind: MasterKind): ICAL.Component | undefined {
  const all = root.getAllSubcomponents(kind);
  return masterOf(all) ?? all[0];
}

/** Parses the text and finds its master component of the kind; throws when there is none. */
export function parseMaster(text: string, kind: MasterKind): { root: ICAL.Component; master: ICAL.Component } {
  const root = parseCalendarText(text);
  const master = masterIn(root, kind);
  if (!master) throw new Error(NOT_ONE[kind]);
  return { root, master };
}
