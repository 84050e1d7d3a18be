// The written form of the values that place an object in time, checked on the text as sent.
// ical.js reads dates and times by character position, so a value one digit short or long is not
// refused but read as another time (`19970701T13000Z` as 13:00:00Z, `19970701T1100000Z` as a
// floating 11:00, `UNTIL=2013121` as 1 December) or fails later with a garbled echo of itself
// ("2019-01-01T::"). Each refusal quotes the content line as the client sent it (unfolded).
// RFC 7529 rules (RSCALE) are refused here too: ical.js drops RSCALE and SKIP and reads a leap
// month `5L` as month 5, so such a series would be stored with other instances than it has.

/** A value that breaks the grammar: the line as sent and why. */
export interface SyntaxProblem {
  line: string;
  reason: string;
}

type ValueType = 'DATE' | 'DATE-TIME' | 'PERIOD';

/** The properties that are dates or times (RFC 5545 §3.8.2, §3.8.4, §3.8.5, §3.8.7) and the value types each may have. */
const TIME_PROPERTIES: Record<string, { types: ValueType[]; list: boolean }> = {
  DTSTAMP: { types: ['DATE-TIME'], list: false },
  CREATED: { types: ['DATE-TIME'], list: false },
  'LAST-MODIFIED': { types: ['DATE-TIME'], list: false },
  COMPLETED: { types: ['DATE-TIME'], list: false },
  DTSTART: { types: ['DATE-TIME', 'DATE'], list: false },
  DTEND: { types: ['DATE-TIME', 'DATE'], list: false },
  DUE: { types: ['DATE-TIME', 'DATE'], list: false },
  'RECURRENCE-ID': { types: ['DATE-TIME', 'DATE'], list: false },
  EXDATE: { types: ['DATE-TIME', 'DATE'], list: true },
  RDATE: { types: ['DATE-TIME', 'DATE', 'PERIOD'], list: true },
};

/** Components whose dates and times are read (the objects, their alarms, and time zone observances). */
const CHECKED_COMPONENTS = new Set(['VEVENT', 'VTODO', 'VJOURNAL', 'VALARM', 'STANDARD', 'DAYLIGHT']);

const DATE = /^\d{8}$/;
const DATE_TIME = /^\d{8}T\d{6}Z?$/;
// A date with a UTC mark, as Google Calendar writes RDATE and UNTIL in its birthday calendars
// (`RDATE:20131210Z`): not in the grammar, but it means one thing, and ical.js reads it as that
// date, so refusing it would lose real exports for nothing.
const GOOGLE_DATE = /^\d{8}Z$/;
// RFC 5545 §3.3.6; the parts' order and ranges are left to the reader of the value.
const DURATION = /^[+-]?P(\d+W|\d+D(T(\d+[HMS])+)?|T(\d+[HMS])+)$/;

const MAX_QUOTE = 200;

function quote(line: string): string {
  return line.length > MAX_QUOTE ? `${line.slice(0, MAX_QUOTE)}…` : line;
}

/** Splits a content line into its name, parameters and value (RFC 5545 §3.1), honouring quoted parameter values. */
function splitLine(line: string): { name: string; params: Map<string, string>; value: string } | null {
  const name = /^[A-Za-z0-9-]+/.exec(line)?.[0];
  if (!name) return null;
  const params = new Map<string, string>();
  let i = name.length;
  while (line[i] === ';') {
    const eq = line.indexOf('=', i);
    if (eq < 0) return null;
    const key = line.slice(i + 1, eq).toUpperCase();
    let j = eq + 1;
    let value = '';
    for (; j < line.length && line[j] !== ';' && line[j] !== ':'; j++) {
      if (line[j] === '"') {
        const close = line.indexOf('"', j + 1);
        if (close < 0) return null;
        value += line.slice(j + 1, close);
        j = close;
      } else value += line[j];
    }
    params.set(key, value);
    i = j;
  }
  if (line[i] !== ':') return null;
  return { name: name.toUpperCase(), params, value: line.slice(i + 1) };
}

function valueFits(type: ValueType, v: string): boolean {
  if (type === 'DATE') return DATE.test(v);
  if (type === 'DATE-TIME') return DATE_TIME.test(v);
  const [start, end, more] = v.split('/');
  return more === undefined && start !== undefined && end !== undefined && DATE_TIME.test(start) && (DATE_TIME.test(end) || DURATION.test(end));
}

function expected(type: ValueType): string {
  switch (type) {
    case 'DATE':
      return 'a DATE is YYYYMMDD (RFC 5545 §3.3.4)';
    case 'DATE-TIME':
      return 'a DATE-TIME is YYYYMMDDTHHMMSS, with Z for UTC (RFC 5545 §3.3.5)';
    case 'PERIOD':
      return 'a PERIOD is a DATE-TIME, "/", and a DATE-TIME or a duration (RFC 5545 §3.3.9)';
  }
}

function checkTimeValue(line: string, name: string, params: Map<string, string>, value: string): SyntaxProblem | null {
  const spec = TIME_PROPERTIES[name]!;
  const declared = params.get('VALUE')?.toUpperCase();
  const type = (declared ?? 'DATE-TIME') as ValueType;
  if (!spec.types.includes(type)) {
    return { line, reason: `${name} cannot have VALUE=${declared}; it takes ${spec.types.join(' or ')}` };
  }
  const values = spec.list ? value.trimEnd().split(',') : [value.trimEnd()];
  for (const v of values) {
    if (valueFits(type, v)) continue;
    if (type === 'DATE-TIME' && GOOGLE_DATE.test(v) && spec.list && spec.types.includes('DATE')) continue;
    if (type === 'DATE-TIME' && DATE.test(v) && spec.types.includes('DATE')) {
      return { line, reason: `${v} is a date, and a date needs VALUE=DATE (RFC 5545 §3.3.4, ${name};VALUE=DATE:${v}); without it ${expected('DATE-TIME')}` };
    }
    return { line, reason: `${v === '' ? 'the value is empty' : `${v} is not a valid ${type}`}: ${expected(type)}` };
  }
  return null;
}

/** RFC 7529 rule parts, and UNTIL in the grammar of RFC 5545 §3.3.10. */
function checkRule(line: string, name: string, value: string): SyntaxProblem | null {
  for (const part of value.trimEnd().split(';')) {
    const [key = '', v = ''] = part.split('=', 2).map((x) => x.trim());
    const k = key.toUpperCase();
    const leapMonth = k === 'BYMONTH' && v.split(',').some((month) => /L$/i.test(month.trim()));
    if (k === 'RSCALE' || k === 'SKIP' || leapMonth) {
      const what = leapMonth ? `the leap month BYMONTH=${v}` : k;
      return { line, reason: `RSCALE (RFC 7529) is not supported: ${name} uses ${what}; this server repeats events in the Gregorian calendar of RFC 5545 only` };
    }
    if (k === 'UNTIL' && !DATE.test(v) && !DATE_TIME.test(v) && !GOOGLE_DATE.test(v)) {
      return { line, reason: `UNTIL=${v} is neither a DATE (YYYYMMDD) nor a DATE-TIME (YYYYMMDDTHHMMSS, with Z for UTC) (RFC 5545 §3.3.10)` };
    }
  }
  return null;
}

interface OpenComponent {
  name: string;
}

/**
 * The first date, time or recurrence rule whose written form breaks RFC 5545 (or needs RFC 7529),
 * in unfolded content lines; null when all are well formed. Lines that are no content line are
 * left to the structural checks. A DTEND or DUE of another value type than DTSTART breaks RFC 5545
 * §3.8.2.2 too, but Apple's iCal wrote such events and tasks (CalDAVTester's problem files), they
 * have one reading (the date is its midnight) and CalendarServer, sabre and Radicale store them:
 * they are kept.
 */
export function findValueSyntaxProblem(lines: Iterable<string>): SyntaxProblem | null {
  const stack: OpenComponent[] = [];
  for (const line of lines) {
    const m = /^(BEGIN|END):(.*)$/i.exec(line.trimEnd());
    if (m) {
      const name = (m[2] ?? '').trim().toUpperCase();
      if ((m[1] ?? '').toUpperCase() === 'BEGIN') stack.push({ name });
      else stack.pop();
      continue;
    }
    const open = stack[stack.length - 1];
    if (!open || !CHECKED_COMPONENTS.has(open.name)) continue;
    const parts = splitLine(line);
    if (!parts) continue;
    const { name, params, value } = parts;
    let problem: SyntaxProblem | null = null;
    if (TIME_PROPERTIES[name]) {
      problem = checkTimeValue(line, name, params, value);
    } else if (name === 'RRULE' || name === 'EXRULE') {
      problem = checkRule(line, name, value);
    }
    if (problem) return { line: quote(problem.line), reason: problem.reason };
  }
  return null;
}
