// Turning property elements from PROPPATCH, MKCALENDAR and extended MKCOL into calendar changes:
// a live property is written by its own entry in properties.ts (value check and all) where it is
// writable and refused as protected elsewhere; everything else is kept as a dead property
// (verbatim XML), as macOS and tasks.org expect.
import type { DeadProperty } from '../domain/calendars.ts';
import { LIVE, Refusal, type LiveWrite, type WriteLimits } from './properties.ts';
import type { PropChanges, Target } from './propertyChanges.ts';
import type { XmlElement } from '../xml/parse.ts';
import { serialize, type Propstat, type XmlNode } from '../xml/write.ts';
import type { Precondition } from '../domain/errors.ts';

export interface PropOutcome {
  name: string;
  /** 200 when applied, 403 or 409 when refused. */
  status: 200 | 403 | 409;
  precondition?: Precondition;
  message?: string;
}

const XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang';

function toNode(el: XmlElement): XmlNode {
  const attrs: Record<string, string> = {};
  for (const [k, v] of el.attrs) {
    // xml:lang is part of a dead property's value (RFC 4918 §4.3); the xml prefix needs no declaration.
    if (k === XML_LANG) attrs['xml:lang'] = v;
    else if (!k.startsWith('{')) attrs[k] = v;
  }
  const children = el.children.map(toNode);
  return children.length ? { name: el.name, attrs, children } : { name: el.name, attrs, text: el.text };
}

/** A dead property as stored: plain text, or the element itself serialized when it holds XML. */
export function deadFromElement(el: XmlElement): DeadProperty {
  if (!el.children.length && el.attrs.size === 0) return { name: el.name, value: el.text, isXml: false };
  return { name: el.name, value: serialize(toNode(el)), isXml: true };
}

const PROTECTED: Precondition = { namespace: 'DAV:', name: 'cannot-modify-protected-property' };

function outcome(name: string, refusal: Refusal | null): PropOutcome {
  return refusal ? { name, status: refusal.status, message: refusal.message, precondition: refusal.precondition } : { name, status: 200 };
}

/** The live property's write side when it may be changed on `target`; undefined when it is dead. */
function writable(name: string, target: Target): LiveWrite | null | undefined {
  const live = LIVE.get(name);
  if (!live) return undefined;
  return live.write?.targets.includes(target) ? live.write : null;
}

/** Records a `set` of one property; returns how it went. */
export function setProperty(el: XmlElement, target: Target, out: PropChanges, limits: WriteLimits): PropOutcome {
  const write = writable(el.name, target);
  if (write === null) return outcome(el.name, new Refusal(403, 'this property is protected', PROTECTED));
  if (write) return outcome(el.name, write.set(el, target, out, limits));
  out.deadSet.push(deadFromElement(el));
  return outcome(el.name, null);
}

/** Records a `remove` of one property. */
export function removeProperty(el: XmlElement, target: Target, out: PropChanges): PropOutcome {
  const write = writable(el.name, target);
  if (write === null || (write && !write.remove)) return outcome(el.name, new Refusal(403, 'this property is protected', PROTECTED));
  if (write) write.remove?.(target, out);
  else out.deadRemove.push(el.name);
  return outcome(el.name, null);
}

/**
 * Propstats for property outcomes, all or nothing: when one is refused, those that would have
 * applied are answered 424 (Failed Dependency); plus the first refusal's precondition and the
 * reasons, for the response's DAV:error and responsedescription.
 */
export function outcomePropstats(outcomes: PropOutcome[]): { propstats: Propstat[]; failed: boolean; precondition?: Precondition; description?: string } {
  const failed = outcomes.some((o) => o.status !== 200);
  const byStatus = new Map<number, XmlNode[]>();
  const messages: string[] = [];
  for (const o of outcomes) {
    const status = failed && o.status === 200 ? 424 : o.status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), { name: o.name }]);
    if (o.message) messages.push(`${o.name}: ${o.message}`);
  }
  return {
    propstats: [...byStatus].map(([status, props]) => ({ status, props })),
    failed,
    precondition: failed ? outcomes.find((o) => o.precondition)?.precondition : undefined,
    description: messages.length ? messages.join('; ') : undefined,
  };
}
