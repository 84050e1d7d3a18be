// Evaluating a CardDAV addressbook-query filter (RFC 6352 §10.5) against one vCard, exactly:
// prop-filters joined by the filter's test, each with is-not-defined, text-matches and
// param-filters joined by its own test, text-match with collations, match types and negation.
import ICAL from 'ical.js';
import { collationKey, keysMatch, type Collation, type MatchType } from './collation.ts';

export type { Collation, MatchType } from './collation.ts';
export { COLLATIONS, DEFAULT_COLLATION, DEFAULT_MATCH_TYPE, MATCH_TYPES, isCollation, isMatchType } from './collation.ts';

export interface TextMatch {
  value: string;
  collation: Collation;
  matchType: MatchType;
  negate: boolean;
}

export interface ParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch?: TextMatch;
}

export interface PropFilter {
  /** A property name, with or without a group prefix ("EMAIL", "item1.EMAIL"); any case. */
  name: string;
  test: 'anyof' | 'allof';
  isNotDefined: boolean;
  textMatches: TextMatch[];
  paramFilters: ParamFilter[];
}

export interface AddressFilter {
  test: 'anyof' | 'allof';
  propFilters: PropFilter[];
}

/** One property of the card as the filter sees it. */
export interface CardProperty {
  /** Lower case, without the group. */
  name: string;
  /** Lower case, or null when the property has no group prefix. */
  group: string | null;
  /** The value as text: unescaped, structured parts joined by ";" and list items by ",". */
  text: string;
  /** Parameter values by lower-case name; a list parameter (TYPE=work,pref) gives each value. */
  params: Map<string, string[]>;
}

type JCardValue = string | number | boolean | JCardValue[] | Record<string, unknown>;
type JCardProperty = [string, Record<string, string | string[]>, string, ...JCardValue[]];

// What ical.js leaves as it is in a vCard: values of properties it has no type for (X-
// properties, X-ABLabel) keep their backslash escapes.
function unescapeText(s: string): string {
  return s.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

// jCard gives dates in the extended ISO form ("1985-04-12") whatever the card said; the design
// set's toICAL turns them back into the vCard text form ("19850412") that RFC 6350 writes.
function valueText(value: JCardValue, type: string, design: typeof ICAL.design.vcard): string {
  if (Array.isArray(value)) return value.map((v) => valueText(v, type, design)).join(',');
  if (typeof value === 'object') return '';
  if (type === 'unknown') return unescapeText(String(value));
  if (type === 'text') return String(value);
  const converted: unknown = ICAL.stringify.value(value as string, type, design, false);
  return typeof converted === 'string' ? converted : String(value);
}

function propertyText(prop: JCardProperty, design: typeof ICAL.design.vcard): string {
  const [, , type, ...values] = prop;
  // A structured value (N, ADR, GENDER...) is one array whose items are the components, each a
  // string or a list of strings; several values of a multi-valued property (CATEGORIES,
  // NICKNAME) are further items of the property.
  if (values.length === 1 && Array.isArray(values[0])) {
    return values[0].map((part) => valueText(part, type, design)).join(';');
  }
  return values.map((v) => valueText(v, type, design)).join(',');
}

function readProperty(prop: JCardProperty, design: typeof ICAL.design.vcard): CardProperty {
  const [name, rawParams] = prop;
  const params = new Map<string, string[]>();
  let group: string | null = null;
  for (const [key, value] of Object.entries(rawParams)) {
    // ical.js files the group prefix among the parameters; vCard has no GROUP parameter.
    if (key === 'group') {
      group = String(value).toLowerCase();
      continue;
    }
    params.set(key.toLowerCase(), Array.isArray(value) ? value.map(String) : [String(value)]);
  }
  return { name: name.toLowerCase(), group, text: propertyText(prop, design), params };
}

/**
 * The properties of the card (the first one when the text holds several), or null when ical.js
 * cannot read it (a stored card always can: it was validated on the way in).
 */
export function cardProperties(cardText: string): CardProperty[] | null {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(cardText);
  } catch {
    return null;
  }
  // One component parses to ['vcard', props, comps]; several to a list of those.
  const first: unknown = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
  if (!Array.isArray(first) || first[0] !== 'vcard' || !Array.isArray(first[1])) return null;
  const props = first[1] as JCardProperty[];
  const version = props.find((p) => p[0] === 'version')?.[3];
  const design = version === '3.0' ? ICAL.design.vcard3 : ICAL.design.vcard;
  return props.map((p) => readProperty(p, design));
}

/** A filter with its needles folded once, applied to many cards. */
interface PreparedTextMatch extends TextMatch {
  key: string;
}

function prepareTextMatch(t: TextMatch): PreparedTextMatch {
  return { ...t, key: collationKey(t.value, t.collation) };
}

function textMatchHolds(t: PreparedTextMatch, text: string): boolean {
  return keysMatch(collationKey(text, t.collation), t.key, t.matchType) !== t.negate;
}

interface PreparedParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch?: PreparedTextMatch;
}

interface PreparedPropFilter {
  name: string;
  group: string | null;
  test: 'anyof' | 'allof';
  isNotDefined: boolean;
  textMatches: PreparedTextMatch[];
  paramFilters: PreparedParamFilter[];
}

function prepareProp(f: PropFilter): PreparedPropFilter {
  // RFC 6352 §10.5.1: "TEL" matches TEL in any group or none; "X-ABC.TEL" only that group's TEL.
  const dot = f.name.lastIndexOf('.');
  return {
    name: f.name.slice(dot + 1).toLowerCase(),
    group: dot < 0 ? null : f.name.slice(0, dot).toLowerCase(),
    test: f.test,
    isNotDefined: f.isNotDefined,
    textMatches: f.textMatches.map(prepareTextMatch),
    paramFilters: f.paramFilters.map((p) => ({
      name: p.name.toLowerCase(),
      isNotDefined: p.isNotDefined,
      textMatch: p.textMatch ? prepareTextMatch(p.textMatch) : undefined,
    })),
  };
}

/**
 * RFC 6352 §10.5.2: the parameter exists and the filter is empty or its text-match matches, or it
 * does not exist and is-not-defined is given. A list parameter (TYPE=work,home) matches when one
 * of its values does; a negated text-match is the negation of that ("TYPE is not home").
 */
function paramFilterHolds(f: PreparedParamFilter, prop: CardProperty): boolean {
  const values = prop.params.get(f.name);
  if (f.isNotDefined) return values === undefined;
  if (values === undefined) return false;
  if (!f.textMatch) return true;
  const t = f.textMatch;
  const any = values.some((v) => keysMatch(collationKey(v, t.collation), t.key, t.matchType));
  return any !== t.negate;
}

/** Whether one property instance meets the prop-filter's text-matches and param-filters. */
function propertyHolds(f: PreparedPropFilter, prop: CardProperty): boolean {
  const tests: (() => boolean)[] = [
    ...f.textMatches.map((t) => () => textMatchHolds(t, prop.text)),
    ...f.paramFilters.map((p) => () => paramFilterHolds(p, prop)),
  ];
  if (tests.length === 0) return true;
  return f.test === 'allof' ? tests.every((t) => t()) : tests.some((t) => t());
}

/**
 * RFC 6352 §10.5.1: a property of that name exists and the filter is empty or the property matches
 * its conditions, or none exists and is-not-defined is given. The conditions are met by one
 * property instance (as CalendarServer does): with allof, one EMAIL must meet them all.
 */
function propFilterHolds(f: PreparedPropFilter, props: CardProperty[]): boolean {
  const named = props.filter((p) => p.name === f.name && (f.group === null || p.group === f.group));
  if (f.isNotDefined) return named.length === 0;
  return named.some((p) => propertyHolds(f, p));
}

/**
 * Prepares the filter once (folded needles, split names) and returns a test for card texts. A text
 * ical.js cannot read matches nothing.
 */
export function cardMatcher(filter: AddressFilter): (cardText: string) => boolean {
  const propFilters = filter.propFilters.map(prepareProp);
  return (cardText) => {
    const props = cardProperties(cardText);
    if (props === null) return false;
    // RFC 6352 §10.5: a filter without prop-filters matches every card.
    if (propFilters.length === 0) return true;
    return filter.test === 'allof'
      ? propFilters.every((f) => propFilterHolds(f, props))
      : propFilters.some((f) => propFilterHolds(f, props));
  };
}

/** Whether the vCard matches the addressbook-query filter (RFC 6352 §10.5). */
export function matchesCard(filter: AddressFilter, cardText: string): boolean {
  return cardMatcher(filter)(cardText);
}
