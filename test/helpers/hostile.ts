// Generators of hostile and extreme requests (fast-check arbitraries): malformed iCalendar, XML,
// JSON, headers and URLs, built from what real clients send and bent out of shape. Used by the
// hostile-input suite (a bounded count in npm test) and scripts/hostile.ts (long runs).
import fc from 'fast-check';
import { calendar, event, todo, journal, VTIMEZONE_BERLIN, VTIMEZONE_US_EASTERN } from '../fixtures/ical.ts';

export interface HostileRequest {
  /** What the case is, for failure messages. */
  kind: string;
  method: string;
  /** Path and query, sent exactly as given (no normalisation). */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The request may change the calendar or account under test (a refusal must then change nothing). */
  writes: boolean;
}

/** Strings that break things: control characters, NUL, huge, non-BMP, lone surrogates, RTL, quotes. */
export const nasty: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\u0001\u0002\u001f', '\r', '\n', '\r\n ', '\t', '\\', '"', "'", ';', ':', ',', '<', '&', ']]>', '%00', '%', '\ud800', '\udfff', '😀', '\u202e', 'ℌ', 'ß', 'İ', '\uffff', '\ufeff'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 100, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => '\u0000'.repeat(n)),
);

const year = fc.oneof(fc.integer({ min: 1900, max: 2100 }), fc.constantFrom(0, 1, 1582, 1969, 1970, 2038, 9999, 10000, 99999));
const two = (n: number) => String(n).padStart(2, '0');
/** encodeURIComponent throws on lone surrogates; a client would have sent U+FFFD. */
const enc = (s: string) => encodeURIComponent(s.toWellFormed());

/** iCalendar date and date-time values, valid and not. */
const icalTime: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(year, fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.boolean())
    .map(([y, mo, d, h, mi, z]) => `${String(y).padStart(4, '0')}${two(mo)}${two(d)}T${two(h)}${two(mi)}00${z ? 'Z' : ''}`),
  fc.tuple(year, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, mo, d]) => `${String(y).padStart(4, '0')}${two(mo)}${two(d)}`),
  nasty,
);

const freq = fc.constantFrom('SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'FORTNIGHTLY', '');
const byPart: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('BYMONTH', 'BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO', 'BYHOUR', 'BYMINUTE', 'BYSECOND', 'BYSETPOS'), fc.array(fc.integer({ min: -400, max: 400 }), { minLength: 1, maxLength: 4 })).map(
    ([k, v]) => `${k}=${v.join(',')}`,
  ),
  fc.array(fc.tuple(fc.integer({ min: -6, max: 6 }), fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU', 'XX')), { minLength: 1, maxLength: 3 }).map(
    (days) => `BYDAY=${days.map(([n, d]) => `${n || ''}${d}`).join(',')}`,
  ),
  fc.constantFrom('WKST=SU', 'WKST=ZZ', 'BYMONTH=2;BYMONTHDAY=30', 'BYMONTHDAY=-1', 'BYSETPOS=0'),
);

/** RRULEs from ordinary to absurd. */
export const rrule: fc.Arbitrary<string> = fc
  .tuple(
    freq,
    fc.option(fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constantFrom(99999999999, -1, 1000000)), { nil: undefined }),
    fc.option(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(5000, 5001, 1000000000)), { nil: undefined }),
    fc.option(icalTime, { nil: undefined }),
    fc.array(byPart, { maxLength: 3 }),
  )
  .map(([f, interval, count, until, by]) =>
    [`FREQ=${f}`, interval !== undefined ? `INTERVAL=${interval}` : '', count !== undefined ? `COUNT=${count}` : '', until ? `UNTIL=${until}` : '', ...by].filter(Boolean).join(';'),
  );

const garbageZone = VTIMEZONE_BERLIN.map((l) => (l.startsWith('TZOFFSETTO') ? 'TZOFFSETTO:+zz99' : l));

/** A calendar object as a client would send it, then bent: values, rules, structure, line ends. */
export const icalBody: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('event', 'todo', 'journal'),
    fc.oneof(fc.constant('hostile-uid'), nasty),
    icalTime,
    fc.option(icalTime, { nil: undefined }),
    fc.option(rrule, { nil: undefined }),
    fc.array(fc.tuple(fc.constantFrom('SUMMARY', 'DESCRIPTION', 'LOCATION', 'ATTENDEE', 'ORGANIZER', 'EXDATE', 'RDATE', 'RECURRENCE-ID', 'DURATION', 'X-FOO', 'METHOD'), nasty), { maxLength: 4 }),
    fc.constantFrom<'none' | 'berlin' | 'eastern' | 'garbage' | 'tzid-only'>('none', 'berlin', 'eastern', 'garbage', 'tzid-only'),
    fc.constantFrom<'crlf' | 'lf' | 'cr' | 'mixed'>('crlf', 'lf', 'cr', 'mixed'),
    fc.constantFrom<'keep' | 'drop-end' | 'drop-begin' | 'twice' | 'no-uid' | 'nested' | 'empty' | 'bom' | 'override-dup'>(
      'keep',
      'keep',
      'keep',
      'drop-end',
      'drop-begin',
      'twice',
      'no-uid',
      'nested',
      'empty',
      'bom',
      'override-dup',
    ),
  )
  .map(([kind, uid, start, end, rule, props, zone, eol, shape]) => {
    const tz = zone === 'berlin' || zone === 'garbage' ? 'Europe/Berlin' : zone === 'eastern' ? 'US/Eastern' : zone === 'tzid-only' ? 'Mars/Olympus' : '';
    const dt = (name: string, v: string) => (tz && /^\d{8}T\d{6}$/.test(v) ? `${name};TZID=${tz}:${v}` : `${name}:${v}`);
    const lines = [dt('DTSTART', start), ...(end ? [dt(kind === 'todo' ? 'DUE' : 'DTEND', end)] : []), ...(rule ? [`RRULE:${rule}`] : []), ...props.map(([k, v]) => `${k}:${v}`)];
    const comp = kind === 'event' ? event(uid, lines) : kind === 'todo' ? todo(uid, lines) : journal(uid, lines);
    const timezones = zone === 'berlin' ? [VTIMEZONE_BERLIN] : zone === 'eastern' ? [VTIMEZONE_US_EASTERN] : zone === 'garbage' ? [garbageZone] : [];
    let body: string[] = comp;
    if (shape === 'no-uid') body = comp.filter((l) => !l.startsWith('UID:'));
    if (shape === 'nested') body = [comp[0] as string, ...comp, ...comp.slice(1)];
    if (shape === 'override-dup') body = [...comp, ...comp.map((l) => (l.startsWith('UID:') ? `${l}\r\nRECURRENCE-ID:${start}` : l)), ...comp.map((l) => (l.startsWith('UID:') ? `${l}\r\nRECURRENCE-ID:${start}` : l))];
    let text = calendar(body, { timezones });
    if (shape === 'drop-end') text = text.replace(/END:VCALENDAR\r\n$/, '');
    if (shape === 'drop-begin') text = text.replace(/^BEGIN:VCALENDAR\r\n/, '');
    if (shape === 'twice') text = text + text;
    if (shape === 'empty') text = '';
    if (shape === 'bom') text = `\ufeff${text}`;
    if (eol === 'lf') text = text.replace(/\r\n/g, '\n');
    if (eol === 'cr') text = text.replace(/\r\n/g, '\r');
    if (eol === 'mixed') text = text.replace(/\r\n/g, (m, i: number) => (i % 3 ? m : '\n'));
    return text;
  });

const XML_NAMES = [
  'd:propfind',
  'd:prop',
  'd:allprop',
  'd:propname',
  'd:displayname',
  'd:getetag',
  'd:resourcetype',
  'd:sync-collection',
  'd:sync-token',
  'd:sync-level',
  'd:limit',
  'd:nresults',
  'd:href',
  'd:propertyupdate',
  'd:set',
  'd:remove',
  'c:calendar-query',
  'c:calendar-multiget',
  'c:free-busy-query',
  'c:filter',
  'c:comp-filter',
  'c:prop-filter',
  'c:param-filter',
  'c:time-range',
  'c:text-match',
  'c:is-not-defined',
  'c:calendar-data',
  'c:expand',
  'c:limit-recurrence-set',
  'c:comp',
  'c:timezone',
  'c:calendar-timezone',
  'c:mkcalendar',
  'c:supported-calendar-component-set',
  'a:calendar-color',
  'x:unknown',
];

const ATTRS = ['name', 'start', 'end', 'collation', 'negate-condition', 'content-type', 'version', 'novalue'];
const attrValue = fc.oneof(icalTime, fc.constantFrom('VCALENDAR', 'VEVENT', 'VTODO', 'VALARM', 'SUMMARY', 'i;octet', 'i;unicode-casemap', 'yes', 'text/calendar', '2.0'), nasty);
const xmlText = fc.oneof(nasty, fc.constantFrom('&#0;', '&#1;', '&#xD800;', '&amp;', '&lt;', '&#128512;', '1', 'infinity', '/dav/calendars/alice/default/x.ics', 'http://calendula/ns/sync/1'));

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

const { tree: xmlTree } = fc.letrec((tie) => ({
  tree: fc
    .tuple(
      fc.constantFrom(...XML_NAMES),
      fc.array(fc.tuple(fc.constantFrom(...ATTRS), attrValue), { maxLength: 2 }),
      fc.oneof({ depthSize: 'small' }, xmlText.map((t) => ({ text: t })), fc.array(tie('tree'), { maxLength: 4 })),
    )
    .map(([name, attrs, content]) => {
      const a = attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
      if (Array.isArray(content)) return `<${name}${a}>${(content as string[]).join('')}</${name}>`;
      const t = (content as { text: string }).text;
      return `<${name}${a}>${t.startsWith('&') ? t : t.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${name}>`;
    }),
}));

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/" xmlns:x="urn:x-hostile"';

/** XML request bodies: random trees of DAV and CalDAV elements, or broken documents. */
export const xmlBody: fc.Arbitrary<string> = fc.oneof(
  xmlTree.map((t) => `<?xml version="1.0" encoding="utf-8"?>${t.replace(/^<([^\s>]+)/, `<$1 ${NS}`)}`),
  xmlTree.map((t) => t.slice(0, Math.max(1, Math.floor(t.length / 2)))),
  nasty,
  fc.integer({ min: 1, max: 200 }).map((n) => `<d:prop ${NS}>${'<d:prop>'.repeat(n)}${'</d:prop>'.repeat(n)}</d:prop>`),
);

const jsonValue: fc.Arbitrary<unknown> = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(nasty, { maxLength: 3 }), fc.dictionary(nasty, nasty, { maxKeys: 2 }), icalTime);

/** JSON bodies with the fields the JSON APIs read, holding anything. */
export const jsonBody: fc.Arbitrary<string> = fc.oneof(
  fc
    .record(
      {
        caption: jsonValue,
        description: jsonValue,
        startDate: fc.oneof(jsonValue, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
        endDate: fc.oneof(jsonValue, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
        notifications: fc.oneof(jsonValue, fc.array(fc.oneof(nasty, fc.constantFrom('PT2H', 'P1D', 'P99999999W')), { maxLength: 3 })),
        recipients: fc.oneof(jsonValue, fc.array(fc.oneof(nasty, fc.constant('a@example.com')), { maxLength: 3 })),
        calendar: jsonValue,
        name: jsonValue,
        capabilities: fc.oneof(jsonValue, fc.constant(['events'])),
        tags: jsonValue,
        expires_at: jsonValue,
        username: jsonValue,
        password: jsonValue,
        displayname: jsonValue,
        email: jsonValue,
        color: jsonValue,
        uri: jsonValue,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  nasty,
  fc.constantFrom('{', '[]', 'null', '{"caption":"\\u0000"}', '{"__proto__":{"x":1}}', `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`),
);

const header = fc.oneof(nasty, fc.constantFrom('0', '1', 'infinity', '*', '"abc"', 'W/"x"', 'text/calendar', 'application/xml', 'return=minimal', 'ja', 'Basic', 'Bearer x'));

/** Extra headers: Depth, If-Match, Content-Type and friends, with anything in them. */
export const headers: fc.Arbitrary<Record<string, string>> = fc
  .array(fc.tuple(fc.constantFrom('depth', 'if-match', 'if-none-match', 'content-type', 'prefer', 'accept-language', 'destination', 'overwrite', 'x-request-id', 'brief', 'if-modified-since', 'range'), header), { maxLength: 3 })
  .map((pairs) => Object.fromEntries(pairs.filter(([, v]) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v))));

/** Authorization headers: Basic with odd names and passwords, Bearer with odd tokens, garbage. */
export const authorization: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(nasty, nasty).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`),
  fc.integer({ min: 200, max: 5000 }).map((n) => `Basic ${Buffer.from(`${'u'.repeat(n)}:x`).toString('base64')}`),
  nasty.map((t) => `Bearer ${enc(t)}`),
  fc.constantFrom('Basic', 'Basic !!!', 'Bearer', 'Digest x', `Basic ${Buffer.from('\u0000:\u0000').toString('base64')}`),
);

const segment = fc.oneof(
  fc.constantFrom('alice', 'default', 'x.ics', '.', '..', '%2e%2e', '%00', '%ZZ', '%2F', '%C0%AF', '%F0%9F%98%80', 'inbox', 'outbox', 'calendars', 'principals', 'users', '~', ''),
  nasty.map(enc),
  fc.integer({ min: 100, max: 3000 }).map((n) => 'a'.repeat(n)),
);

/** Paths under every face, with odd segments and query strings. */
export const path: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('/dav/', '/dav/calendars/alice/', '/dav/calendars/alice/default/', '/dav/principals/', '/api/v1/', '/api/v2/calendars/events/', '/api/v0/', '/api/v0/notifications/calendars/', '/calendars/', '/.well-known/', '/', '/my/', '/my/calendars/', '/my/events/', '/admin/users/', '/assets/'),
    fc.array(segment, { maxLength: 3 }),
    fc.option(fc.array(fc.tuple(fc.constantFrom('filter[name]', 'filter[startDate]', 'filter[recipients]', 'sort_by', 'limit', 'offset', 'order', 'x', 'filter[name][]'), fc.oneof(nasty, fc.constantFrom('-1', '99999999999999', 'asc', '%00'))), { maxLength: 3 }), { nil: undefined }),
  )
  .map(([base, segs, query]) => `${base}${segs.join('/')}${query ? `?${query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : ''}`);

/** The web UI's form posts (signed in as alice, with her session's CSRF token, so they reach the handlers). */
const WEB_POSTS = [
  '/my/calendars',
  '/my/calendars/default',
  '/my/calendars/default/public',
  '/my/calendars/default/shares',
  '/my/calendars/default/shares/bob/delete',
  '/my/calendars/default/delete',
  '/my/events',
  '/my/events/default/x.ics',
  '/my/events/default/x.ics/delete',
  '/my/tasks/default/x.ics/done',
  '/my/app-passwords',
  '/my/app-passwords/x/revoke',
  '/my/account/preferences',
  '/my/import',
  '/admin/users',
  '/admin/users/alice',
  '/sign-in',
];
const WEB_FIELDS = ['name', 'color', 'description', 'comp_VEVENT', 'comp_VTODO', 'public', 'username', 'access', 'confirm', 'summary', 'startDate', 'startTime', 'endDate', 'endTime', 'allDay', 'repeat', 'ends', 'count', 'until', 'calendar', 'etag', 'keepRule', 'language', 'zone', 'email', 'displayName', 'password', 'isAdmin', 'done', 'into', 'newname'];
const webValue = fc.oneof(nasty, icalTime, fc.constantFrom('on', 'off', '', 'default', 'WEEKLY', 'count', 'until', '2027-01-01', '25:99', '09:00', '#FF0000', 'ja', 'Europe/Berlin', '-1', '99999', 'read', 'write'));

const DAV_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCALENDAR', 'MKCOL', 'REPORT', 'PUT', 'DELETE', 'COPY', 'MOVE', 'POST', 'GET', 'HEAD', 'OPTIONS', 'LOCK', 'ACL', 'PATCH', 'TRACE', 'SEARCH'];

/** One hostile request for a server where alice (password alice-password) has the default calendar. */
export function hostileRequest(auth: { basic: string; bearer: string; apiKey: string; web: { cookie: string; csrf: string } }): fc.Arbitrary<HostileRequest> {
  const calendarPath = '/dav/calendars/alice/default/';
  return fc.oneof(
    // iCalendar PUTs into the calendar, as alice.
    fc.tuple(icalBody, fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefghij0123456789-_.'.split('')) }), headers).map(([body, name, h]) => ({
      kind: 'PUT iCalendar',
      method: 'PUT',
      path: `${calendarPath}${enc(name)}.ics`,
      headers: { authorization: auth.basic, 'content-type': 'text/calendar; charset=utf-8', ...h },
      body,
      writes: true,
    })),
    // XML methods on the calendar and around it.
    fc.tuple(fc.constantFrom('PROPFIND', 'REPORT', 'PROPPATCH', 'MKCALENDAR', 'MKCOL'), fc.constantFrom(calendarPath, '/dav/calendars/alice/', '/dav/calendars/alice/new-cal/', '/dav/principals/alice/', `${calendarPath}x.ics`), xmlBody, headers).map(([method, p, body, h]) => ({
      kind: `${method} XML`,
      method,
      path: p,
      headers: { authorization: auth.basic, 'content-type': 'application/xml; charset=utf-8', ...h },
      body,
      writes: method !== 'PROPFIND' && method !== 'REPORT',
    })),
    // JSON APIs with a token that holds every capability.
    fc.tuple(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'), fc.constantFrom('/api/v2/calendars/events', '/api/v2/calendars/events/1', '/api/v0/tokens', '/api/v0/notifications/calendars', '/api/v1/users', '/api/v1/calendars/alice/create'), jsonBody, headers).map(([method, p, body, h]) => ({
      kind: `${method} JSON`,
      method,
      path: p,
      headers: { authorization: auth.bearer, 'x-davis-api-token': auth.apiKey, 'content-type': 'application/json', ...h },
      body: method === 'GET' || method === 'DELETE' ? undefined : body,
      writes: method !== 'GET',
    })),
    // Web UI forms with odd values, url-encoded or as a multipart upload.
    fc.tuple(fc.constantFrom(...WEB_POSTS), fc.dictionary(fc.constantFrom(...WEB_FIELDS), webValue, { maxKeys: 6 }), fc.boolean(), icalBody, headers).map(([p, fields, multipart, ics, h]) => {
      const form = { ...fields, _csrf: auth.web.csrf };
      const boundary = 'hostileBoundary7';
      const body = multipart
        ? `${Object.entries(form).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.ics"\r\nContent-Type: text/calendar\r\n\r\n${ics}\r\n--${boundary}--\r\n`
        : new URLSearchParams(Object.entries(form).map(([k, v]): [string, string] => [k, v.toWellFormed()])).toString();
      return {
        kind: 'POST web form',
        method: 'POST',
        path: p,
        headers: { ...h, cookie: auth.web.cookie, 'content-type': multipart ? `multipart/form-data; boundary=${boundary}` : 'application/x-www-form-urlencoded' },
        body,
        writes: true,
      };
    }),
    // Any method, any path, any credentials.
    fc.tuple(fc.constantFrom(...DAV_METHODS), path, authorization, headers).map(([method, p, a, h]) => ({
      kind: `${method} path`,
      method,
      path: p,
      headers: { authorization: a, ...h },
      writes: !['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'REPORT', 'TRACE', 'SEARCH'].includes(method),
    })),
  );
}
