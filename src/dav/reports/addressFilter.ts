// The CARDDAV:filter of an addressbook-query (RFC 6352 §10.5) read from XML into the AddressFilter
// that src/vcard/filter.ts evaluates, with the RFC's defaults spelled out: test="anyof" on the
// filter and on each prop-filter, collation i;unicode-casemap, match-type contains,
// negate-condition no. What this server cannot evaluate is refused before any card is read.
import {
  DEFAULT_COLLATION,
  DEFAULT_MATCH_TYPE,
  isCollation,
  isMatchType,
  type AddressFilter,
  type ParamFilter,
  type PropFilter,
  type TextMatch,
} from '../../vcard/filter.ts';
import { DavError } from '../errors.ts';
import { child, childrenNamed, textOf, type XmlElement } from '../../xml/parse.ts';
import { card } from '../../xml/names.ts';
import { CARDDAV_NS } from '../../domain/errors.ts';

// The spellings of the CardDAV drafts, which CalendarServer still accepts (CalDAVTester's queries
// send them): taken as the RFC's.
const DRAFT_MATCH_TYPES: ReadonlyMap<string, string> = new Map([
  ['startswith', 'starts-with'],
  ['endswith', 'ends-with'],
]);

const unsupportedFilter = (message: string) => new DavError(403, message, { namespace: CARDDAV_NS, name: 'supported-filter' });

function testOf(el: XmlElement): 'anyof' | 'allof' {
  const test = (el.attrs.get('test') ?? 'anyof').trim().toLowerCase();
  if (test !== 'anyof' && test !== 'allof') throw unsupportedFilter(`test must be anyof or allof, not "${test.slice(0, 40)}"`);
  return test;
}

function parseTextMatch(el: XmlElement): TextMatch {
  const collation = el.attrs.get('collation') ?? DEFAULT_COLLATION;
  if (!isCollation(collation)) {
    throw new DavError(403, `collation ${collation} is not supported`, { namespace: CARDDAV_NS, name: 'supported-collation' });
  }
  const given = (el.attrs.get('match-type') ?? DEFAULT_MATCH_TYPE).trim().toLowerCase();
  const matchType = DRAFT_MATCH_TYPES.get(given) ?? given;
  if (!isMatchType(matchType)) throw unsupportedFilter(`match-type ${matchType.slice(0, 40)} is not supported`);
  const negate = (el.attrs.get('negate-condition') ?? 'no').trim().toLowerCase() === 'yes';
  return { value: textOf(el), collation, matchType, negate };
}

function nameOf(el: XmlElement, what: string): string {
  const name = el.attrs.get('name')?.trim();
  if (!name) throw unsupportedFilter(`${what} needs a name`);
  return name.toUpperCase();
}

function parseParamFilter(el: XmlElement): ParamFilter {
  const tm = child(el, card('text-match'));
  const filter: ParamFilter = { name: nameOf(el, 'param-filter'), isNotDefined: Boolean(child(el, card('is-not-defined'))) };
  if (tm) filter.textMatch = parseTextMatch(tm);
  return filter;
}

function parsePropFilter(el: XmlElement): PropFilter {
  return {
    name: nameOf(el, 'prop-filter'),
    test: testOf(el),
    isNotDefined: Boolean(child(el, card('is-not-defined'))),
    textMatches: childrenNamed(el, card('text-match')).map(parseTextMatch),
    paramFilters: childrenNamed(el, card('param-filter')).map(parseParamFilter),
  };
}

/** The filter of an addressbook-query; an empty filter matches every card. */
export function parseAddressFilter(el: XmlElement | undefined): AddressFilter {
  if (!el) throw new DavError(400, 'addressbook-query needs a CARDDAV:filter');
  return { test: testOf(el), propFilters: childrenNamed(el, card('prop-filter')).map(parsePropFilter) };
}

/** CARDDAV:limit/CARDDAV:nresults (RFC 6352 §8.6.1): how many cards the client wants at most. */
export function parseQueryLimit(body: XmlElement): number | undefined {
  const limit = child(body, card('limit'));
  if (!limit) return undefined;
  const n = Number(textOf(child(limit, card('nresults')) ?? limit).trim());
  if (!Number.isInteger(n) || n < 1) throw new DavError(400, 'CARDDAV:nresults must be a positive integer');
  return n;
}
