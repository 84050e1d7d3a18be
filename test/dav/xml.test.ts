import { describe, expect, it } from 'vitest';
import { parseXml, XmlError } from '../../src/xml/parse.ts';
import { document, escapeXml, serialize } from '../../src/xml/write.ts';

const limits = { maxBytes: 100000, maxDepth: 20 };

describe('XML reading', () => {
  it('resolves any prefix, default namespaces and re-declarations to Clark names', () => {
    const root = parseXml(
      '<A:propfind xmlns:A="DAV:" xmlns="urn:default"><A:prop><B:calendar-home-set xmlns:B="urn:ietf:params:xml:ns:caldav"/><plain/><A:x xmlns:A="urn:other"/></A:prop></A:propfind>',
      limits,
    );
    expect(root.name).toBe('{DAV:}propfind');
    expect(root.children[0]!.children.map((c) => c.name)).toEqual(['{urn:ietf:params:xml:ns:caldav}calendar-home-set', '{urn:default}plain', '{urn:other}x']);
  });
  it('decodes character references and keeps CDATA text', () => {
    const root = parseXml('<d:a xmlns:d="DAV:">x &amp; &#65;&#x42; <![CDATA[<raw>]]></d:a>', limits);
    expect(root.text).toBe('x & AB <raw>');
  });
  it('refuses DOCTYPE, unbound prefixes, depth and size beyond the limits', () => {
    expect(() => parseXml('<!DOCTYPE a><a/>', limits)).toThrow(XmlError);
    expect(() => parseXml('<x:a/>', limits)).toThrow(/undeclared namespace prefix/);
    expect(() => parseXml(`${'<a>'.repeat(25)}${'</a>'.repeat(25)}`, limits)).toThrow(/deeper/);
    expect(() => parseXml(`<a>${'x'.repeat(200000)}</a>`, limits)).toThrow(/larger/);
  });
});

describe('XML writing', () => {
  it('escapes text and keeps CR as &#13; so iCalendar CRLF survives', () => {
    expect(escapeXml('a<b&c>\r\nd')).toBe('a&lt;b&amp;c&gt;&#13;\nd');
    const back = parseXml(`<d:x xmlns:d="DAV:">${escapeXml('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n')}</d:x>`, limits);
    expect(back.text).toBe('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
  });
  it('declares unknown namespaces where they are used, and writes a document that parses back', () => {
    const xml = document({ name: '{DAV:}prop', children: [{ name: '{urn:x}y', attrs: { a: '1"2' }, text: 't' }] });
    const root = parseXml(xml, limits);
    expect(root.children[0]!.name).toBe('{urn:x}y');
    expect(root.children[0]!.attrs.get('a')).toBe('1"2');
    expect(serialize({ name: '{DAV:}href', text: '/a b' })).toBe('<d:href>/a b</d:href>');
  });
});
