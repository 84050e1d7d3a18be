// Turning property elements from PROPPATCH, MKCALENDAR and extended MKCOL into calendar changes:
// writable live properties are checked, protected ones refused, everything else kept as a dead
// property (verbatim XML), as macOS and tasks.org expect.
import { MAX_CALENDAR_NAME_LENGTH, type CalendarChanges, type DeadProperty } from '../domain/calendars.ts';
import { isComponentType, type ComponentType } from '../domain/components.ts';
import { parseTimezoneCalendar } from '../ical/parse.ts';
import { LIVE } from './properties.ts';
import { textOf, type XmlElement } from './xml/parse.ts';
import { apple, c, d } from './xml/names.ts';
import { serialize, type Propstat, type XmlNode } from './xml/write.ts';
import type { Precondition } from '../domain/errors.ts';

export interface PropOutcome {
  name: string;
  /** 200 when applied, 403 or 409 when refused. */
  status: 200 | 403 | 409;
  precondition?: Precondition;
  message?: string;
}

export type Target = 'calendar' | 'home' | 'principal' | 'new-calendar';

/** Everything a set of property operations asks for, before it is applied in one go. */
export interface PropChanges {
  calendar: CalendarChanges;
  deadSet: DeadProperty[];
  deadRemove: string[];
  principalDisplayName?: string | null;
  /** MKCALENDAR/MKCOL only. */
  resourceTypes?: string[];
}

export function emptyChanges(): PropChanges {
  return { calendar: {}, deadSet: [], deadRemove: [] };
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

const COLOR = /^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/;

function refuse(name: string, status: 403 | 409, message: string, precondition?: Precondition): PropOutcome {
  return { name, status, message, precondition };
}

/** Records a `set` of one property; returns how it went. */
/** `maxTimezoneBytes`: the largest calendar-timezone accepted (it is parsed here, on the request loop). */
export function setProperty(el: XmlElement, target: Target, out: PropChanges, maxTimezoneBytes: number): PropOutcome {
  const name = el.name;
  const text = textOf(el).trim();
  const isCalendar = target === 'calendar' || target === 'new-calendar';
  if (name === d('displayname') && (isCalendar || target === 'principal')) {
    if (text.length > MAX_CALENDAR_NAME_LENGTH) return refuse(name, 409, `displayname is too long (${MAX_CALENDAR_NAME_LENGTH} characters at most)`);
    if (target === 'principal') out.principalDisplayName = text || null;
    else out.calendar.displayname = text || null;
    return { name, status: 200 };
  }
  if (isCalendar) {
    switch (name) {
      case c('calendar-description'):
        out.calendar.description = textOf(el) || null;
        return { name, status: 200 };
      case c('calendar-timezone'): {
        const value = textOf(el).trim();
        if (value) {
          try {
            parseTimezoneCalendar(value, maxTimezoneBytes);
          } catch (e) {
            return refuse(name, 403, `calendar-timezone: ${e instanceof Error ? e.message : String(e)}`, {
              namespace: 'urn:ietf:params:xml:ns:caldav',
              name: 'valid-calendar-data',
            });
          }
        }
        out.calendar.timezone = value || null;
        return { name, status: 200 };
      }
      case apple('calendar-color'):
        if (text && !COLOR.test(text)) return refuse(name, 409, 'calendar-color must be #RRGGBB or #RRGGBBAA');
        out.calendar.color = text || null;
        return { name, status: 200 };
      case apple('calendar-order'):
        if (text && !/^-?\d{1,9}$/.test(text)) return refuse(name, 409, 'calendar-order must be an integer');
        out.calendar.order = text ? Number(text) : 0;
        return { name, status: 200 };
      case c('schedule-calendar-transp'):
        out.calendar.transparent = el.children.some((x) => x.name === c('transparent'));
        return { name, status: 200 };
    }
    if (target === 'new-calendar' && name === c('supported-calendar-component-set')) {
      const comps = el.children.filter((x) => x.name === c('comp')).map((x) => (x.attrs.get('name') ?? '').toUpperCase());
      const bad = comps.find((x) => !isComponentType(x));
      if (bad !== undefined || !comps.length) {
        return refuse(name, 403, `components must be among VEVENT, VTODO, VJOURNAL${bad ? ` (not ${bad})` : ''}`, {
          namespace: 'urn:ietf:params:xml:ns:caldav',
          name: 'supported-calendar-component',
        });
      }
      out.calendar.components = comps as ComponentType[];
      return { name, status: 200 };
    }
    if (target === 'new-calendar' && name === d('resourcetype')) {
      out.resourceTypes = el.children.map((x) => x.name);
      return { name, status: 200 };
    }
  }
  if (LIVE.has(name)) {
    return refuse(name, 403, 'this property is protected', { namespace: 'DAV:', name: 'cannot-modify-protected-property' });
  }
  out.deadSet.push(deadFromElement(el));
  return { name, status: 200 };
}

/** Records a `remove` of one property. */
export function removeProperty(el: XmlElement, target: Target, out: PropChanges): PropOutcome {
  const name = el.name;
  const isCalendar = target === 'calendar' || target === 'new-calendar';
  if (name === d('displayname') && target === 'principal') {
    out.principalDisplayName = null;
    return { name, status: 200 };
  }
  if (isCalendar) {
    const fields: Record<string, keyof CalendarChanges> = {
      [d('displayname')]: 'displayname',
      [c('calendar-description')]: 'description',
      [c('calendar-timezone')]: 'timezone',
      [apple('calendar-color')]: 'color',
    };
    const field = fields[name];
    if (field) {
      (out.calendar as Record<string, unknown>)[field] = null;
      return { name, status: 200 };
    }
    if (name === apple('calendar-order')) {
      out.calendar.order = 0;
      return { name, status: 200 };
    }
    if (name === c('schedule-calendar-transp')) {
      out.calendar.transparent = false;
      return { name, status: 200 };
    }
  }
  if (LIVE.has(name)) {
    return refuse(name, 403, 'this property is protected', { namespace: 'DAV:', name: 'cannot-modify-protected-property' });
  }
  out.deadRemove.push(name);
  return { name, status: 200 };
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
