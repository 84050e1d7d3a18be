// Parsing what REPORT bodies share (prop lists with calendar-data, filters, time ranges) and
// answering objects with the asked properties.
import type { CalendarDataRequest, CompSelection } from '../../ical/calendarData.ts';
import { isCollation } from '../../ical/collation.ts';
import { filterProblem, type CompFilter, type ParamFilter, type PropFilter, type TextMatch } from '../../ical/filter.ts';
import { parseTimezoneCalendar } from '../../ical/parse.ts';
import { parseUtc } from '../../ical/time.ts';
import type { TimeRange } from '../../ical/timeRange.ts';
import { CALDAV_NS } from '../../domain/errors.ts';
import type { QueryHit } from '../../domain/queries.ts';
import { DavError } from '../errors.ts';
import type { DavCtx } from '../context.ts';
import { hrefFor } from '../paths.ts';
import { answerProps, type PropContext } from '../properties.ts';
import { propstatsOf, type PropRequest } from '../multistatus.ts';
import { segmentsOf, type Resource } from '../resources.ts';
import { child, childrenNamed, textOf, type XmlElement } from '../../xml/parse.ts';
import { c, d } from '../../xml/names.ts';
import type { MultistatusWriter, Propstat } from '../../xml/write.ts';

export interface ReportProps {
  request: PropRequest;
  /** Set when calendar-data is among the asked properties. */
  calendarData?: CalendarDataRequest;
}

const invalidFilter = (message: string) => new DavError(403, message, { namespace: CALDAV_NS, name: 'valid-filter' });

export function parseTimeRange(el: XmlElement, requireBoth = false): TimeRange {
  const start = el.attrs.get('start');
  const end = el.attrs.get('end');
  // Malformed (RFC 4791 §9.9 requires one of them), as opposed to values that are no date: 400.
  if (start === undefined && end === undefined) throw new DavError(400, 'time-range needs start or end');
  const range: TimeRange = {};
  if (start !== undefined) {
    const v = parseUtc(start);
    if (v === null) throw invalidFilter(`time-range start "${start}" is not a UTC date-time (e.g. 20260101T000000Z)`);
    range.start = v;
  }
  if (end !== undefined) {
    const v = parseUtc(end);
    if (v === null) throw invalidFilter(`time-range end "${end}" is not a UTC date-time (e.g. 20260101T000000Z)`);
    range.end = v;
  }
  if (requireBoth && (range.start === undefined || range.end === undefined)) throw invalidFilter('both start and end are needed here');
  if (range.start !== undefined && range.end !== undefined && range.end <= range.start) throw invalidFilter('time-range end must be after its start');
  return range;
}

/** A comp with neither prop nor allprop returns all its properties; likewise for subcomponents. */
function parseCompSelection(el: XmlElement): CompSelection {
  const name = el.attrs.get('name');
  if (!name) throw new DavError(400, 'CALDAV:comp needs a name');
  const props = childrenNamed(el, c('prop'));
  const comps = childrenNamed(el, c('comp'));
  return {
    name: name.toUpperCase(),
    allProps: Boolean(child(el, c('allprop'))) || props.length === 0,
    props: props.map((p) => ({ name: (p.attrs.get('name') ?? '').toUpperCase(), noValue: p.attrs.get('novalue') === 'yes' })),
    allComps: Boolean(child(el, c('allcomp'))) || comps.length === 0,
    comps: comps.map(parseCompSelection),
  };
}

export function parseCalendarDataRequest(el: XmlElement): CalendarDataRequest {
  const type = el.attrs.get('content-type');
  if (type !== undefined && type.toLowerCase() !== 'text/calendar') {
    throw new DavError(403, `calendar-data in ${type} is not supported`, { namespace: CALDAV_NS, name: 'supported-calendar-data' });
  }
  const version = el.attrs.get('version');
  if (version !== undefined && version !== '2.0') {
    throw new DavError(403, `iCalendar version ${version} is not supported`, { namespace: CALDAV_NS, name: 'supported-calendar-data' });
  }
  const req: CalendarDataRequest = {};
  const comp = child(el, c('comp'));
  if (comp) req.select = parseCompSelection(comp);
  const expand = child(el, c('expand'));
  if (expand) {
    const r = parseTimeRange(expand, true);
    req.expand = { start: r.start as number, end: r.end as number };
  }
  const limit = child(el, c('limit-recurrence-set'));
  if (limit) {
    const r = parseTimeRange(limit, true);
    req.limitRecurrenceSet = { start: r.start as number, end: r.end as number };
  }
  return req;
}

/** The prop/allprop/propname part of a REPORT body. */
export function parseReportProps(root: XmlElement): ReportProps {
  const prop = child(root, d('prop'));
  if (prop) {
    const cd = child(prop, c('calendar-data'));
    return {
      request: { kind: 'prop', names: [...new Set(prop.children.map((x) => x.name))] },
      calendarData: cd ? parseCalendarDataRequest(cd) : undefined,
    };
  }
  if (child(root, d('propname'))) return { request: { kind: 'propname' } };
  return { request: { kind: 'allprop', include: [] } };
}

function parseTextMatch(el: XmlElement): TextMatch {
  const collation = el.attrs.get('collation') ?? 'i;ascii-casemap';
  if (!isCollation(collation)) {
    throw new DavError(403, `collation ${collation} is not supported`, { namespace: CALDAV_NS, name: 'supported-collation' });
  }
  const negate = (el.attrs.get('negate-condition') ?? 'no').toLowerCase() === 'yes';
  return { value: textOf(el), collation, negate };
}

function parseParamFilter(el: XmlElement): ParamFilter {
  const name = el.attrs.get('name');
  if (!name) throw invalidFilter('param-filter needs a name');
  const tm = child(el, c('text-match'));
  return { name: name.toUpperCase(), isNotDefined: Boolean(child(el, c('is-not-defined'))), textMatch: tm ? parseTextMatch(tm) : undefined };
}

function parsePropFilter(el: XmlElement): PropFilter {
  const name = el.attrs.get('name');
  if (!name) throw invalidFilter('prop-filter needs a name');
  const tr = child(el, c('time-range'));
  const tm = child(el, c('text-match'));
  return {
    name: name.toUpperCase(),
    isNotDefined: Boolean(child(el, c('is-not-defined'))),
    timeRange: tr ? parseTimeRange(tr) : undefined,
    textMatch: tm ? parseTextMatch(tm) : undefined,
    paramFilters: childrenNamed(el, c('param-filter')).map(parseParamFilter),
  };
}

function parseCompFilter(el: XmlElement): CompFilter {
  const name = el.attrs.get('name');
  if (!name) throw invalidFilter('comp-filter needs a name');
  const tr = child(el, c('time-range'));
  return {
    name: name.toUpperCase(),
    isNotDefined: Boolean(child(el, c('is-not-defined'))),
    timeRange: tr ? parseTimeRange(tr) : undefined,
    propFilters: childrenNamed(el, c('prop-filter')).map(parsePropFilter),
    compFilters: childrenNamed(el, c('comp-filter')).map(parseCompFilter),
  };
}

/** Names of the VCALENDAR's own properties (outside its components), upper-cased. */
function calendarPropertyNames(text: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (line === '' || line.startsWith(' ') || line.startsWith('\t')) continue;
    const name = (line.split(/[:;]/, 1)[0] ?? '').toUpperCase();
    if (name === 'BEGIN') depth++;
    else if (name === 'END') depth--;
    else if (depth === 1) names.push(name);
  }
  return names;
}

/**
 * A CALDAV:timezone in a query: a valid iCalendar object holding one VTIMEZONE (RFC 4791 §9.8),
 * so with its VERSION and PRODID (RFC 5545 §3.6); else 403 valid-calendar-data (§7.8).
 */
export function checkedTimezone(text: string, maxBytes: number): string {
  const refuse = (why: string) => new DavError(403, `CALDAV:timezone: ${why}`, { namespace: CALDAV_NS, name: 'valid-calendar-data' });
  try {
    parseTimezoneCalendar(text, maxBytes);
  } catch (e) {
    throw refuse(e instanceof Error ? e.message : String(e));
  }
  const names = calendarPropertyNames(text);
  for (const required of ['VERSION', 'PRODID']) {
    if (names.filter((n) => n === required).length !== 1) throw refuse(`the VCALENDAR needs one ${required} (RFC 5545 3.6)`);
  }
  return text;
}

/** The filter of a calendar-query: exactly one comp-filter for VCALENDAR. */
export function parseFilter(el: XmlElement | undefined): CompFilter {
  if (!el) throw invalidFilter('calendar-query needs a filter');
  const comps = childrenNamed(el, c('comp-filter'));
  if (comps.length !== 1 || (comps[0] as XmlElement).attrs.get('name')?.toUpperCase() !== 'VCALENDAR') {
    throw invalidFilter('the filter must hold exactly one comp-filter named VCALENDAR');
  }
  const filter = parseCompFilter(comps[0] as XmlElement);
  const problem = filterProblem(filter);
  if (problem) throw invalidFilter(problem);
  return filter;
}

const DATA_PROBLEMS = {
  'max-instances': 'the recurrence has more instances in the range than this server expands for one object',
  unevaluable: 'the recurrence could not be evaluated in time',
} as const;

/**
 * Writes one object's response with the asked properties. calendar-data comes shaped from the
 * query service; when it could not be shaped, it is answered 403 in a propstat of its own, with
 * the reason (the object's other properties are answered as usual).
 */
export function writeObjectResponse(
  out: MultistatusWriter,
  ctx: DavCtx,
  propCtx: PropContext,
  r: Resource & { kind: 'object' },
  hit: QueryHit,
  props: ReportProps,
  minimal: boolean,
): void {
  const names = props.request.kind === 'prop' ? props.request.names : [];
  const others = names.filter((n) => n !== c('calendar-data'));
  const answer = props.request.kind === 'prop' ? answerProps(r, others, propCtx) : answerProps(r, [d('getetag'), d('getcontenttype')], propCtx);
  const extra: Propstat[] = [];
  if (names.includes(c('calendar-data'))) {
    if (hit.data !== null) answer.found.push({ name: c('calendar-data'), text: hit.data });
    else {
      const problem = hit.dataProblem ?? 'unevaluable';
      extra.push({
        status: 403,
        props: [{ name: c('calendar-data') }],
        error: problem === 'max-instances' ? [{ name: c('max-instances') }] : [],
        description: DATA_PROBLEMS[problem],
      });
    }
  }
  out.response(hrefFor(ctx.davRoot, segmentsOf(r), false), [...propstatsOf(answer, minimal), ...extra]);
}

/** One inbox item's response with the asked properties; calendar-data is the item as delivered. */
export function writeInboxItemResponse(
  out: MultistatusWriter,
  ctx: DavCtx,
  propCtx: PropContext,
  r: Resource & { kind: 'inbox-item' },
  data: string | null,
  props: ReportProps,
  minimal: boolean,
): void {
  const names = props.request.kind === 'prop' ? props.request.names : [];
  const others = names.filter((n) => n !== c('calendar-data'));
  const answer = props.request.kind === 'prop' ? answerProps(r, others, propCtx) : answerProps(r, [d('getetag'), d('getcontenttype')], propCtx);
  if (names.includes(c('calendar-data'))) {
    if (data !== null) answer.found.push({ name: c('calendar-data'), text: data });
    else answer.missing.push({ name: c('calendar-data') });
  }
  out.response(hrefFor(ctx.davRoot, segmentsOf(r), false), propstatsOf(answer, minimal));
}
