// Evaluating a CardDAV addressbook-query filter (RFC 6352 §10.5) against one vCard, exactly:
// prop-filters joined by the filter's test, each with is-not-defined, text-matches and
// param-filters joined by its own test, text-match with collations, match types and negation.
// The card is read by src/vcard/properties.ts (its header says why not through ical.js).
import { collationKey, keysMatch, type Collation, type MatchType } from './collation.ts';
import { cardProperties, type CardProperty } from './properties.ts';

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
    name: f.name.slice(dot + 1).toUpperCase(),
    group: dot < 0 ? null : f.name.slice(0, dot).toUpperCase(),
    test: f.test,
    isNotDefined: f.isNotDefined,
    textMatches: f.textMatches.map(prepareTextMatch),
    paramFilters: f.paramFilters.map((p) => ({
      name: p.name.toUpperCase(),
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
 * without a vCard matches nothing.
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
