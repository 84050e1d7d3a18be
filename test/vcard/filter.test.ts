// addressbook-query filters (RFC 6352 §10.5) on whole vCards, as a CardDAV client would ask them.
import { describe, expect, it } from 'vitest';
import {
  cardMatcher,
  matchesCard,
  type AddressFilter,
  type Collation,
  type MatchType,
  type ParamFilter,
  type PropFilter,
  type TextMatch,
} from '../../src/vcard/filter.ts';
import { withNamedParameters } from '../../src/vcard/properties.ts';

const card = (version: '3.0' | '4.0', ...lines: string[]) => ['BEGIN:VCARD', `VERSION:${version}`, ...lines, 'END:VCARD', ''].join('\r\n');
const text = (value: string, o: Partial<TextMatch> = {}): TextMatch => ({ value, collation: 'i;unicode-casemap', matchType: 'contains', negate: false, ...o });
const prop = (name: string, o: Partial<PropFilter> = {}): PropFilter => ({ name, test: 'anyof', isNotDefined: false, textMatches: [], paramFilters: [], ...o });
const param = (name: string, o: Partial<ParamFilter> = {}): ParamFilter => ({ name, isNotDefined: false, ...o });
const anyof = (...propFilters: PropFilter[]): AddressFilter => ({ test: 'anyof', propFilters });
const allof = (...propFilters: PropFilter[]): AddressFilter => ({ test: 'allof', propFilters });

// The address objects of RFC 6352 §8.6.3 and §8.6.4.
const CYRUS = card('3.0', 'NICKNAME:me', 'UID:34222-232@example.com', 'FN:Cyrus Daboo', 'EMAIL:daboo@example.com');
const DAVID = card('3.0', 'NICKNAME:me', 'UID:34222-232@example.com', 'FN:David Boo', 'EMAIL:daboo@example.com');
const OLIVER = card('3.0', 'NICKNAME:oliver', 'UID:34222-23222@example.com', 'FN:Oliver Daboo', 'EMAIL:oliver@example.com');
const OTHER = card('3.0', 'UID:other', 'FN:Someone Else', 'EMAIL:else@example.org');

describe('RFC 6352 examples', () => {
  it('§8.6.3: NICKNAME equals "me" under i;unicode-casemap', () => {
    const f = anyof(prop('NICKNAME', { textMatches: [text('me', { matchType: 'equals' })] }));
    expect(matchesCard(f, CYRUS)).toBe(true);
    expect(matchesCard(f, OLIVER)).toBe(false); // "oliver" contains "me"? no; and it is not equal
    expect(matchesCard(anyof(prop('NICKNAME', { textMatches: [text('ME', { matchType: 'equals' })] })), CYRUS)).toBe(true);
  });

  it('§8.6.4: FN or EMAIL containing "daboo" (anyof) finds both cards and not a third', () => {
    const f = anyof(prop('FN', { textMatches: [text('daboo')] }), prop('EMAIL', { textMatches: [text('daboo')] }));
    expect([DAVID, OLIVER, OTHER].map((c) => matchesCard(f, c))).toEqual([true, true, false]);
    // allof asks both: David's FN is "David Boo", so only Oliver's FN and Cyrus' card have both.
    const both = allof(...f.propFilters);
    expect([DAVID, OLIVER, CYRUS].map((c) => matchesCard(both, c))).toEqual([false, false, true]);
  });
});

describe('prop-filter', () => {
  const c = card('4.0', 'UID:u1', 'FN:Ann Example', 'item1.EMAIL;TYPE=work:ann@work.example', 'item1.X-ABLabel:_$!<Work>!$_', 'EMAIL;TYPE=home:ann@home.example', 'TEL;VALUE=uri;TYPE="voice,cell":tel:+1-555-0100');

  it('a bare prop-filter tests existence; is-not-defined tests absence', () => {
    expect(matchesCard(anyof(prop('EMAIL')), c)).toBe(true);
    expect(matchesCard(anyof(prop('NICKNAME')), c)).toBe(false);
    expect(matchesCard(anyof(prop('NICKNAME', { isNotDefined: true })), c)).toBe(true);
    expect(matchesCard(anyof(prop('EMAIL', { isNotDefined: true })), c)).toBe(false);
  });

  it('property names are case-insensitive and match in any group; a grouped name only that group', () => {
    expect(matchesCard(anyof(prop('email', { textMatches: [text('ann@work')] })), c)).toBe(true);
    expect(matchesCard(anyof(prop('ITEM1.EMAIL', { textMatches: [text('ann@work')] })), c)).toBe(true);
    expect(matchesCard(anyof(prop('item1.email', { textMatches: [text('ann@home')] })), c)).toBe(false);
    expect(matchesCard(anyof(prop('item2.EMAIL')), c)).toBe(false);
    expect(matchesCard(anyof(prop('X-ABLabel', { textMatches: [text('<work>')] })), c)).toBe(true);
  });

  it('any of several instances may match, but allof conditions must hold on one instance', () => {
    expect(matchesCard(anyof(prop('EMAIL', { textMatches: [text('home.example', { matchType: 'ends-with' })] })), c)).toBe(true);
    const split = prop('EMAIL', { test: 'allof', textMatches: [text('ann@work')], paramFilters: [param('TYPE', { textMatch: text('home', { matchType: 'equals' }) })] });
    expect(matchesCard(anyof(split), c)).toBe(false);
    const same = prop('EMAIL', { test: 'allof', textMatches: [text('ann@work')], paramFilters: [param('TYPE', { textMatch: text('work', { matchType: 'equals' }) })] });
    expect(matchesCard(anyof(same), c)).toBe(true);
    const either = prop('EMAIL', { test: 'anyof', textMatches: [text('nobody')], paramFilters: [param('TYPE', { textMatch: text('home', { matchType: 'equals' }) })] });
    expect(matchesCard(anyof(either), c)).toBe(true);
  });

  it('the filter test joins prop-filters; no prop-filter matches every card', () => {
    expect(matchesCard(allof(prop('EMAIL'), prop('NICKNAME')), c)).toBe(false);
    expect(matchesCard(anyof(prop('EMAIL'), prop('NICKNAME')), c)).toBe(true);
    expect(matchesCard(anyof(), c)).toBe(true);
    expect(matchesCard(allof(), c)).toBe(true);
  });

  it('a text without a vCard matches nothing, even a filter without conditions', () => {
    expect(matchesCard(anyof(), 'not a vcard')).toBe(false);
    expect(matchesCard(anyof(prop('FN', { isNotDefined: true })), '')).toBe(false);
  });

  it('reads the cards Apple\'s Address Book writes, with a bare PHOTO;BASE64 parameter (CalDAVTester\'s report data)', () => {
    const c = card('3.0', 'N:Picture;With;;;', 'FN:With Picture', 'EMAIL;type=INTERNET;type=WORK;type=pref:withpicture@example.com', 'PHOTO;BASE64:', '  /9j/4AAQSkZJRgABAQAAAQABAAD/7QA8UGhvdG9zaG9wIDMuMAA4QklNBAQAAAAAAB8cAVoAAx', 'UID:pic');
    expect(matchesCard(anyof(prop('PHOTO')), c)).toBe(true);
    expect(matchesCard(anyof(prop('PHOTO', { paramFilters: [param('ENCODING', { textMatch: text('base64', { matchType: 'equals' }) })] })), c)).toBe(true);
    expect(matchesCard(anyof(prop('FN', { textMatches: [text('Pict')] })), c)).toBe(true);
    expect(matchesCard(anyof(prop('EMAIL', { paramFilters: [param('TYPE', { textMatch: text('pref', { matchType: 'equals' }) })] })), c)).toBe(true);
  });

  it('reads vCard 2.1 bare types and quoted-printable values, and RFC 6868 parameter escapes', () => {
    const c = ['BEGIN:VCARD', 'VERSION:2.1', 'N:Doe;John', 'TEL;WORK;VOICE:123', 'ADR;WORK;ENCODING=QUOTED-PRINTABLE:;;M=C3=BCnster =', 'Str. 1;M=C3=BCnster', `X-A;X-LABEL="say ^'hi^'^nthere":v`, 'END:VCARD', ''].join('\r\n');
    expect(matchesCard(anyof(prop('TEL', { paramFilters: [param('TYPE', { textMatch: text('voice', { matchType: 'equals' }) })] })), c)).toBe(true);
    expect(matchesCard(anyof(prop('ADR', { textMatches: [text('Münster Str. 1;Münster')] })), c)).toBe(true);
    expect(matchesCard(anyof(prop('X-A', { paramFilters: [param('X-LABEL', { textMatch: text('say "hi"\nthere', { matchType: 'equals' }) })] })), c)).toBe(true);
  });
});

describe('text-match', () => {
  const m = (value: string, cardValue: string, matchType: MatchType, collation: Collation = 'i;unicode-casemap', negate = false) =>
    matchesCard(anyof(prop('FN', { textMatches: [text(value, { matchType, collation, negate })] })), card('4.0', 'UID:x', `FN:${cardValue}`));

  it('the four match types', () => {
    expect(m('ann example', 'Ann Example', 'equals')).toBe(true);
    expect(m('ann', 'Ann Example', 'equals')).toBe(false);
    expect(m('n ex', 'Ann Example', 'contains')).toBe(true);
    expect(m('ann', 'Ann Example', 'starts-with')).toBe(true);
    expect(m('example', 'Ann Example', 'starts-with')).toBe(false);
    expect(m('EXAMPLE', 'Ann Example', 'ends-with')).toBe(true);
    expect(m('ann', 'Ann Example', 'ends-with')).toBe(false);
    expect(m('', 'Ann Example', 'contains')).toBe(true);
  });

  it('negate-condition inverts the match', () => {
    expect(m('ann', 'Ann Example', 'contains', 'i;unicode-casemap', true)).toBe(false);
    expect(m('bob', 'Ann Example', 'contains', 'i;unicode-casemap', true)).toBe(true);
  });

  it('i;octet is exact; i;ascii-casemap folds only ASCII letters', () => {
    expect(m('Ann', 'Ann Example', 'starts-with', 'i;octet')).toBe(true);
    expect(m('ann', 'Ann Example', 'starts-with', 'i;octet')).toBe(false);
    expect(m('ANN', 'Ann Example', 'starts-with', 'i;ascii-casemap')).toBe(true);
    expect(m('ÉLODIE', 'élodie', 'equals', 'i;ascii-casemap')).toBe(false);
    expect(m('ÉLODIE', 'ÉlODIE', 'equals', 'i;ascii-casemap')).toBe(true);
  });

  it('i;unicode-casemap (RFC 5051): titlecase and compatibility decomposition', () => {
    expect(m('ÉLODIE', 'élodie', 'equals')).toBe(true);
    expect(m('e\u0301lodie', 'Élodie', 'equals')).toBe(true); // decomposed against precomposed
    expect(m('ΣΩΚΡΆΤΗΣ', 'σωκράτης', 'equals')).toBe(true); // final sigma folds as sigma
    expect(m('ﬁne', 'FINE', 'equals')).toBe(true); // the ligature decomposes (NFKD)
    expect(m('ǆ', 'Ǆ', 'equals')).toBe(true); // digraphs fold to their titlecase
    expect(m('ß', 'ss', 'equals')).toBe(false); // no simple titlecase maps ß to two letters
  });

  it('structured values match as their whole text; escapes are undone', () => {
    const c = card('3.0', 'UID:s', 'FN:Jane Doe', 'N:Doe;Jane;Q.;Dr.;', 'ADR;TYPE=home:;;12 Main St\\, Apt 3;Springfield;IL;62701;USA', 'NOTE:line one\\nline two', 'CATEGORIES:friends,work', 'X-ODD:a\\;b');
    const q = (name: string, value: string, matchType: MatchType = 'contains') => matchesCard(anyof(prop(name, { textMatches: [text(value, { matchType })] })), c);
    expect(q('N', 'Doe;Jane', 'starts-with')).toBe(true);
    expect(q('N', 'Doe;Jane;Q.;Dr.;', 'equals')).toBe(true);
    expect(q('ADR', '12 Main St, Apt 3;Springfield')).toBe(true);
    expect(q('ADR', 'USA', 'ends-with')).toBe(true);
    expect(q('NOTE', 'one\nline')).toBe(true);
    expect(q('CATEGORIES', 'friends,work', 'equals')).toBe(true);
    expect(q('X-ODD', 'a;b', 'equals')).toBe(true);
  });

  it('dates and telephone values match as the card wrote them', () => {
    const c4 = card('4.0', 'UID:d', 'FN:D', 'BDAY:19850412', 'TEL;VALUE=uri:tel:+1-555-0100');
    const c3 = card('3.0', 'UID:d', 'FN:D', 'BDAY:1985-04-12', 'TEL;TYPE=cell:+1 555 0100');
    const q = (c: string, name: string, value: string) => matchesCard(anyof(prop(name, { textMatches: [text(value)] })), c);
    expect(q(c4, 'BDAY', '19850412')).toBe(true);
    expect(q(c3, 'BDAY', '1985-04-12')).toBe(true);
    expect(q(c3, 'BDAY', '19850412')).toBe(false);
    expect(q(c4, 'TEL', 'tel:+1-555')).toBe(true);
    expect(q(c3, 'TEL', '555 0100')).toBe(true);
  });
});

describe('param-filter', () => {
  const c = card('3.0', 'UID:p', 'FN:P', 'EMAIL;TYPE=INTERNET;TYPE=WORK:p@work.example', 'TEL;TYPE=cell,voice:+1 555', 'ADR;type=home;X-Custom="a:b":;;Street;;;;');

  const q = (pf: PropFilter) => matchesCard(anyof(pf), c);

  it('tests a parameter\'s existence and absence, names in any case', () => {
    expect(q(prop('EMAIL', { paramFilters: [param('type')] }))).toBe(true);
    expect(q(prop('EMAIL', { paramFilters: [param('PREF')] }))).toBe(false);
    expect(q(prop('EMAIL', { paramFilters: [param('PREF', { isNotDefined: true })] }))).toBe(true);
    expect(q(prop('ADR', { paramFilters: [param('TYPE', { isNotDefined: true })] }))).toBe(false);
    expect(q(prop('ADR', { paramFilters: [param('x-custom', { textMatch: text('a:b', { matchType: 'equals' }) })] }))).toBe(true);
  });

  it('a list parameter matches when one of its values does, written either way', () => {
    const eq = (v: string, negate = false) => text(v, { matchType: 'equals', negate });
    expect(q(prop('EMAIL', { paramFilters: [param('TYPE', { textMatch: eq('work') })] }))).toBe(true);
    expect(q(prop('TEL', { paramFilters: [param('TYPE', { textMatch: eq('VOICE') })] }))).toBe(true);
    expect(q(prop('TEL', { paramFilters: [param('TYPE', { textMatch: eq('home') })] }))).toBe(false);
    expect(q(prop('TEL', { paramFilters: [param('TYPE', { textMatch: eq('cell', true) })] }))).toBe(false);
    expect(q(prop('TEL', { paramFilters: [param('TYPE', { textMatch: eq('home', true) })] }))).toBe(true);
    // a negated text-match on a parameter that is not there does not match (RFC 6352 §10.5.2)
    expect(q(prop('TEL', { paramFilters: [param('PREF', { textMatch: eq('1', true) })] }))).toBe(false);
  });
});

describe('cardMatcher', () => {
  it('answers like matchesCard, for many cards with one prepared filter', () => {
    const f = anyof(prop('FN', { textMatches: [text('daboo')] }), prop('EMAIL', { textMatches: [text('daboo')] }));
    const test = cardMatcher(f);
    for (const c of [CYRUS, DAVID, OLIVER, OTHER]) expect(test(c)).toBe(matchesCard(f, c));
  });
});

describe('withNamedParameters', () => {
  it('names bare parameters for parsers that need name=value, leaving values and quoted parameters alone', () => {
    const c = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:n', 'FN:N', 'PHOTO;BASE64:', '  /9j/4AAQ', 'TEL;WORK;VOICE:+1 555;ext', 'X-A;X-B="a;b":c;d', 'END:VCARD', ''].join('\r\n');
    expect(withNamedParameters(c)).toBe(
      ['BEGIN:VCARD', 'VERSION:3.0', 'UID:n', 'FN:N', 'PHOTO;ENCODING=BASE64: /9j/4AAQ', 'TEL;TYPE=WORK;TYPE=VOICE:+1 555;ext', 'X-A;X-B="a;b":c;d', 'END:VCARD', ''].join('\r\n'),
    );
  });
});
