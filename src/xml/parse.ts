// Reading WebDAV request bodies. fast-xml-parser does not resolve namespace prefixes, so every
// element is resolved to a Clark name (`{DAV:}prop`) right after parsing, whatever prefixes the
// client chose. DOCTYPEs (and with them entity tricks) are refused, as are bodies that are too
// large or too deep; malformed XML is an XmlError (the face answers 400).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { clark, splitClark } from './names.ts';

export interface XmlElement {
  /** Clark name: {namespace}local */
  name: string;
  ns: string;
  local: string;
  /** Attributes by Clark name (no namespace: the bare name). */
  attrs: Map<string, string>;
  children: XmlElement[];
  /** The element's own text (concatenated text nodes, not trimmed). */
  text: string;
  /** Prefix → namespace declarations in scope (for storing dead properties verbatim). */
  scope: Map<string, string>;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

/** Characters XML 1.0 does not allow, raw or as references (and PostgreSQL text cannot hold U+0000). */
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function checkChars(s: string): string {
  if (NOT_XML_CHAR.test(s)) throw new XmlError('XML cannot hold control characters such as U+0000');
  return s;
}

/** Character references must name characters XML allows (the parser would keep &#0; as text). */
function checkReferences(body: string): void {
  for (const m of body.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    const ref = m[1] as string;
    const cp = ref.startsWith('x') ? Number.parseInt(ref.slice(1), 16) : Number(ref);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || NOT_XML_CHAR.test(String.fromCodePoint(cp))) {
      throw new XmlError(`XML cannot hold the character referenced by &#${ref};`);
    }
  }
}

export function parseXml(body: string, limits: XmlLimits): XmlElement {
  if (Buffer.byteLength(body) > limits.maxBytes) throw new XmlError(`XML body larger than ${limits.maxBytes} bytes`);
  checkChars(body);
  checkReferences(body);
  if (/<!DOCTYPE/i.test(body) || /<!ENTITY/i.test(body)) throw new XmlError('DOCTYPE and ENTITY declarations are not accepted');
  const valid = XMLValidator.validate(body, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw new XmlError(`malformed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  let tree: OrderedNode[];
  try {
    tree = parser.parse(body) as OrderedNode[];
  } catch (e) {
    throw new XmlError(`malformed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const roots = tree.filter((n) => elementName(n) !== undefined);
  if (roots.length !== 1) throw new XmlError('the XML body must have exactly one root element');
  return resolve(roots[0] as OrderedNode, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), 1, limits.maxDepth);
}

function elementName(n: OrderedNode): string | undefined {
  return Object.keys(n).find((k) => k !== ':@' && k !== '#text');
}

function resolve(node: OrderedNode, parentScope: Map<string, string>, depth: number, maxDepth: number): XmlElement {
  if (depth > maxDepth) throw new XmlError(`XML nested deeper than ${maxDepth} levels`);
  const qname = elementName(node) as string;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const scope = new Map(parentScope);
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns') scope.set('', v);
    else if (k.startsWith('xmlns:')) scope.set(k.slice(6), v);
  }
  const { ns, local } = qualify(qname, scope, true);
  const attrs = new Map<string, string>();
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const q = qualify(k, scope, false);
    attrs.set(q.ns ? clark(q.ns, q.local) : q.local, checkChars(v));
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[qname] ?? []) as OrderedNode[]) {
    if ('#text' in child) text += checkChars(String(child['#text']));
    else if (elementName(child)) children.push(resolve(child, scope, depth + 1, maxDepth));
  }
  return { name: clark(ns, local), ns, local, attrs, children, text, scope };
}

function qualify(qname: string, scope: Map<string, string>, isElement: boolean): { ns: string; local: string } {
  const colon = qname.indexOf(':');
  if (colon === -1) return { ns: isElement ? (scope.get('') ?? '') : '', local: qname };
  const prefix = qname.slice(0, colon);
  const ns = scope.get(prefix);
  if (ns === undefined) throw new XmlError(`undeclared namespace prefix "${prefix}"`);
  return { ns, local: qname.slice(colon + 1) };
}

/** The first child with this Clark name. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** All text inside the element (descendants included), as for an href. */
export function textOf(el: XmlElement): string {
  return el.text + el.children.map(textOf).join('');
}

export { splitClark };
