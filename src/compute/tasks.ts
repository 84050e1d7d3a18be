// The iCalendar work that runs in the compute pool's worker threads: everything that parses,
// validates, indexes or expands untrusted calendar data. Inputs and outputs are plain data (they
// cross a thread boundary); each function is pure over them.
import { renderCalendarData, needsTransform, type CalendarDataRequest } from '../ical/calendarData.ts';
import { deriveEventFields, mailtoAddress, type EventFields } from '../ical/eventFields.ts';
import { applyEventChanges, newEventText, readEvent, type EventChanges, type EventReading, type NewEventInput } from '../ical/eventMapping.ts';
import { evaluateFilter, type CompFilter } from '../ical/filter.ts';
import { busyPeriods, mergePeriods, type BusyPeriod } from '../ical/freebusy.ts';
import { deriveIndex, spansLiterals } from '../ical/indexing.ts';
import { applyReply, eventSummary, itipCancel, itipReply, itipRequest, readItip, schedulingFingerprint, type EventSummary, type ItipMessage } from '../ical/itip.ts';
import { occurrencesIn, type Occurrence } from '../ical/occurrences.ts';
import { decodeCalendarText, IcalError, parseCalendarObject, parseCalendarText, type IcalComponentType, type IcalFailure } from '../ical/parse.ts';
import { editForScheduling, organizerOf, participantsOf, type Participants, type SchedulingEdit } from '../ical/scheduling.ts';
import { applySimpleEvent, newSimpleEvent, readSimpleEvent, type FormParticipants, type SimpleEvent } from '../ical/simpleEvent.ts';
import { deleteOccurrence, editOccurrence, hasInstances, readOccurrence, splitSeries, type OccurrenceReading } from '../ical/seriesEdit.ts';
import { splitIcs, type SplitFile } from '../ical/split.ts';
import { markersOf, syncCopy } from '../ical/syncCopy.ts';
import { propertyEpoch, TimeResolver, zoneFromCalendarTimezone, type FloatingZone } from '../ical/time.ts';
import { readTask, setTaskDone, type TaskReading } from '../ical/todos.ts';
import { cardMatcher, type AddressFilter } from '../vcard/filter.ts';
import { currentThreadId } from './threadClock.ts';

/** The bounds every expansion in a task keeps to (config.limits). */
export interface ExpansionLimits {
  maxInstances: number;
  maxSteps: number;
}

// ---- prepare: validate and index one object for the write path ----

export interface PrepareShared {
  /** Component types the calendar holds. */
  components: IcalComponentType[];
  limits: ExpansionLimits & { maxSpans: number };
  /** Open-ended series get instance spans up to here (epoch seconds). */
  horizon: number;
}

export type PrepareFailure = IcalFailure | 'max-instances';

export type PrepareOutput =
  | {
      ok: true;
      text: string;
      componentType: IcalComponentType;
      uid: string;
      first: number | null;
      last: number | null;
      /** instancespans and instancewindow column literals. */
      spans: [string | null, string];
      fields: EventFields;
      /** The ORGANIZER address of any component (scheduling acts on these). */
      organizer: string | null;
    }
  | { ok: false; failure: PrepareFailure; message: string };

function prepare(body: string | Uint8Array, input: PrepareShared): PrepareOutput {
  try {
    const parsed = parseCalendarObject(body);
    if (!input.components.includes(parsed.componentType)) {
      return { ok: false, failure: 'supported-calendar-component', message: `this calendar does not hold ${parsed.componentType} components` };
    }
    const index = deriveIndex(parsed, { ...input.limits, horizon: input.horizon });
    if (index.problem) {
      return { ok: false, failure: index.problem.kind === 'max-instances' ? 'max-instances' : 'valid-calendar-data', message: index.problem.message };
    }
    return {
      ok: true,
      text: parsed.text,
      componentType: parsed.componentType,
      uid: parsed.uid,
      first: index.bounds.first,
      last: index.bounds.last,
      spans: spansLiterals(index.spans),
      fields: deriveEventFields(parsed),
      organizer: organizerOf(parsed.root),
    };
  } catch (e) {
    if (e instanceof IcalError) return { ok: false, failure: e.failure, message: e.message };
    // ical.js throws plain errors from lazy decoding deep inside; for untrusted data that is bad data.
    return { ok: false, failure: 'valid-calendar-data', message: `unreadable iCalendar: ${e instanceof Error ? e.message : String(e)}` };
  }
}

// ---- evaluate: calendar-query filters and calendar-data shaping over a batch ----

export interface EvaluateShared {
  /** Null: every object matches (multiget). */
  filter: CompFilter | null;
  /** What calendar-data to return; null or no transform: the stored text is used as is (not returned). */
  data: CalendarDataRequest | null;
  /** The calendar's calendar-timezone (VCALENDAR text) or an IANA name, for floating times. */
  zone: string | null;
  limits: ExpansionLimits;
}

export interface EvaluateResult {
  match: boolean;
  /** A limit stopped the filter's expansion and the object was counted in. */
  undecided?: boolean;
  /** Shaped calendar-data, when the request asks for a transform. */
  data?: string;
  /** The expansion for calendar-data hit a limit: `data` is not given. */
  dataCapped?: boolean;
}

const zones = new Map<string, FloatingZone>();

/** calendar-timezone texts repeat for every batch of a calendar: parse each once per thread. */
function zoneOf(text: string | null): FloatingZone {
  if (!text) return undefined;
  if (!text.includes('BEGIN:')) return text;
  let z = zones.get(text);
  if (z === undefined && !zones.has(text)) {
    z = zoneFromCalendarTimezone(text);
    if (zones.size > 100) zones.clear();
    zones.set(text, z);
  }
  return z;
}

function evaluate(text: string, shared: EvaluateShared): EvaluateResult {
  const opts = { floatingZone: zoneOf(shared.zone), ...shared.limits };
  let match = true;
  let undecided = false;
  if (shared.filter) {
    ({ match, undecided } = evaluateFilter(parseCalendarText(text), shared.filter, opts));
    if (!match) return { match };
  }
  if (!shared.data || !needsTransform(shared.data)) return { match, undecided };
  const rendered = renderCalendarData(text, shared.data, opts);
  return rendered.capped ? { match, undecided, dataCapped: true } : { match, undecided, data: rendered.text };
}

// ---- busy: free-busy periods over a batch ----

export interface BusyShared {
  range: { start: number; end: number };
  zone: string | null;
  limits: ExpansionLimits;
}

function busy(text: string, shared: BusyShared): BusyPeriod[] {
  return mergePeriods(busyPeriods(parseCalendarText(text), shared.range, zoneOf(shared.zone), shared.limits.maxInstances, shared.limits.maxSteps));
}

// ---- freeBusyRequest: what a VFREEBUSY request posted to an outbox asks (RFC 6638 §5) ----

export interface FreeBusyRequest {
  method: string;
  /** Null when the body holds no VFREEBUSY. */
  start: number | null;
  end: number | null;
  hasFreeBusy: boolean;
  organizer: string | null;
  uid: string;
  attendees: string[];
}

function freeBusyRequest(text: string): FreeBusyRequest | { error: string } {
  let root;
  try {
    root = parseCalendarText(text);
  } catch (e) {
    return { error: e instanceof Error ? e.message : 'unreadable iCalendar' };
  }
  const fb = root.getFirstSubcomponent('vfreebusy');
  const r = new TimeResolver(undefined);
  const time = (name: string) => {
    try {
      return fb ? propertyEpoch(fb, name, r) : null;
    } catch {
      return null;
    }
  };
  return {
    method: String(root.getFirstPropertyValue('method') ?? '').toUpperCase(),
    hasFreeBusy: Boolean(fb),
    start: time('dtstart'),
    end: time('dtend'),
    organizer: fb ? mailtoAddress(fb.getFirstPropertyValue('organizer')) : null,
    uid: fb ? String(fb.getFirstPropertyValue('uid') ?? '') : '',
    attendees: fb ? fb.getAllProperties('attendee').map((p) => String(p.getFirstValue())) : [],
  };
}

// ---- the web UI's reads and edits (src/ical/occurrences.ts, todos.ts, simpleEvent.ts) ----

export interface OccurrencesShared {
  range: { start: number; end: number };
  /** The viewer's IANA zone (floating times and all-day dates are read in it). */
  zone: string;
  limits: ExpansionLimits;
}

// ---- iTIP (src/ical/itip.ts) ----

/**
 * `now` of the iTIP tasks: epoch seconds, as every task here takes it; a value only milliseconds
 * can be (past the year 5000 in seconds), as Date.now() gives, is read as milliseconds.
 */
function nowDate(now: number): Date {
  return new Date(Math.abs(now) >= 1e11 ? now : now * 1000);
}

/** An attendee's answer, as applyReply takes it. */
export type ReplyAnswer = Parameters<typeof applyReply>[1];

// ---- matchCard: addressbook-query filters over a batch of cards ----

/** The shared filter arrives as one object per batch: build its matcher (folded search texts) once. */
const matchers = new WeakMap<AddressFilter, (text: string) => boolean>();

function matchCard(text: string, filter: AddressFilter): boolean {
  let m = matchers.get(filter);
  if (!m) {
    m = cardMatcher(filter);
    matchers.set(filter, m);
  }
  return m(text);
}

// ---- the table of tasks ----

/** Every task runs over a batch: one shared input, one item each, one result per item. */
export interface Tasks {
  prepare: { shared: PrepareShared; item: string | Uint8Array; result: PrepareOutput };
  evaluate: { shared: EvaluateShared; item: string; result: EvaluateResult };
  busy: { shared: BusyShared; item: string; result: BusyPeriod[] };
  newEventText: { shared: null; item: NewEventInput; result: string };
  readEvent: { shared: null; item: string; result: EventReading };
  applyEventChanges: { shared: null; item: { text: string; changes: EventChanges; now: number }; result: string };
  syncCopy: { shared: null; item: { text: string; uid: string; syncId: number; instanceId: string }; result: string };
  markers: { shared: null; item: string; result: { syncId: string; instanceId: string } | null };
  freeBusyRequest: { shared: null; item: string; result: FreeBusyRequest | { error: string } };
  participants: { shared: null; item: string; result: Participants | null };
  schedulingEdit: { shared: null; item: { text: string; edit: SchedulingEdit }; result: string };
  itipRequest: { shared: null; item: { text: string; now: number; recipient?: string }; result: string };
  itipCancel: { shared: null; item: { text: string; recipients: string[] | 'all'; now: number }; result: string };
  itipReply: { shared: null; item: { text: string; attendee: string; now: number; comment?: string }; result: string };
  schedulingFingerprint: { shared: null; item: string; result: string };
  readItip: { shared: null; item: string; result: ItipMessage | null };
  applyReply: { shared: null; item: { text: string; reply: ReplyAnswer }; result: { text: string } | { error: string } };
  eventSummary: { shared: null; item: string; result: EventSummary | null };
  occurrences: { shared: OccurrencesShared; item: string; result: { items: Occurrence[]; capped: boolean } };
  readTask: { shared: { zone: string }; item: string; result: TaskReading };
  setTaskDone: { shared: null; item: { text: string; done: boolean; now: number }; result: string };
  newSimpleEvent: { shared: null; item: { event: SimpleEvent; uid: string; now: number; prodId: string }; result: string };
  readSimpleEvent: { shared: null; item: { text: string; zone: string }; result: { event: SimpleEvent; customRule: string | null; participants: FormParticipants; otherAlarms: number; recurring: boolean } };
  readOccurrence: { shared: null; item: { text: string; recurrenceId: string; zone: string }; result: OccurrenceReading };
  editOccurrence: { shared: null; item: { text: string; recurrenceId: string; event: SimpleEvent; now: number }; result: string };
  splitSeries: { shared: null; item: { text: string; recurrenceId: string; event: SimpleEvent | null; newUid: string; now: number }; result: { old: string | null; next: string | null } };
  /** The object after the delete, and whether no instance is left (then the object goes). */
  deleteOccurrence: { shared: null; item: { text: string; recurrenceId: string; now: number }; result: { text: string; empty: boolean } };
  applySimpleEvent: { shared: null; item: { text: string; event: SimpleEvent; now: number; keepRule: boolean }; result: string };
  splitCalendar: { shared: { maxObjects: number; prodId: string }; item: Uint8Array; result: SplitFile };
  matchCard: { shared: AddressFilter; item: string; result: boolean };
}

export type TaskName = keyof Tasks;

const TASKS: { [K in TaskName]: (item: Tasks[K]['item'], shared: Tasks[K]['shared']) => Tasks[K]['result'] } = {
  prepare,
  evaluate,
  busy,
  newEventText: (input) => newEventText(input),
  readEvent: (text) => readEvent(text),
  applyEventChanges: ({ text, changes, now }) => applyEventChanges(text, changes, now),
  syncCopy: ({ text, uid, syncId, instanceId }) => syncCopy(text, uid, syncId, instanceId),
  markers: (text) => markersOf(text),
  freeBusyRequest,
  participants: (text) => participantsOf(text),
  schedulingEdit: ({ text, edit }) => editForScheduling(text, edit),
  itipRequest: ({ text, now, recipient }) => itipRequest(text, nowDate(now), recipient),
  itipCancel: ({ text, recipients, now }) => itipCancel(text, recipients, nowDate(now)),
  itipReply: ({ text, attendee, now, comment }) => itipReply(text, attendee, nowDate(now), comment),
  schedulingFingerprint: (text) => schedulingFingerprint(text),
  readItip: (text) => readItip(text),
  applyReply: ({ text, reply }) => applyReply(text, reply),
  eventSummary: (text) => eventSummary(text),
  occurrences: (text, shared) => occurrencesIn(text, shared.range, shared.zone, shared.limits),
  readTask: (text, shared) => readTask(text, shared.zone),
  setTaskDone: ({ text, done, now }) => setTaskDone(text, done, now),
  newSimpleEvent: ({ event, uid, now, prodId }) => newSimpleEvent(event, uid, now, prodId),
  readSimpleEvent: ({ text, zone }) => readSimpleEvent(text, zone),
  applySimpleEvent: ({ text, event, now, keepRule }) => applySimpleEvent(text, event, now, keepRule),
  readOccurrence: ({ text, recurrenceId, zone }) => readOccurrence(text, recurrenceId, zone),
  editOccurrence: ({ text, recurrenceId, event, now }) => editOccurrence(text, recurrenceId, event, now),
  splitSeries: ({ text, recurrenceId, event, newUid, now }) => splitSeries(text, recurrenceId, event, newUid, now),
  deleteOccurrence: ({ text, recurrenceId, now }) => {
    const out = deleteOccurrence(text, recurrenceId, now);
    return { text: out, empty: !hasInstances(out) };
  },
  splitCalendar: (bytes, shared) => splitIcs(decodeCalendarText(bytes), shared.maxObjects, shared.prodId),
  matchCard,
};

/** One item's outcome: its result, or the error it threw (bad stored data is reported, not fatal). */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: string };

/** What the pool sends a thread: a batch (single tasks are batches of one). */
export interface TaskMessage {
  task: TaskName;
  items: unknown[];
  shared: unknown;
  /** Two Int32 slots the pool's watchdog reads: the index of the item the thread works on, and the thread's kernel id. */
  progress: SharedArrayBuffer;
}

export function runTask(msg: TaskMessage): ItemOutcome<unknown>[] {
  const progress = new Int32Array(msg.progress);
  if (progress.length > 1) Atomics.store(progress, 1, currentThreadId());
  const fn = (TASKS as Record<string, ((item: unknown, shared: unknown) => unknown) | undefined>)[msg.task];
  if (!fn) throw new Error(`no such compute task: ${msg.task}`);
  const out: ItemOutcome<unknown>[] = [];
  for (let i = 0; i < msg.items.length; i++) {
    Atomics.store(progress, 0, i);
    try {
      out.push({ ok: true, value: fn(msg.items[i], msg.shared) });
    } catch (e) {
      out.push({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  Atomics.store(progress, 0, msg.items.length);
  return out;
}
