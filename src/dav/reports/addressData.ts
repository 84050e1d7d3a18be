// What the CardDAV reports share: the prop list with CARDDAV:address-data (RFC 6352 §10.4), and
// answering one card with the asked properties. Cards are stored as sent; address-data asking for
// the other vCard version (DAVx5 asks 4.0 for every card once 4.0 is offered, and fails its sync
// on a card answered without address-data) gets the card converted (src/vcard/convert.ts), with
// the stored card's ETag, as sabre/dav answers. GET answers what is stored, whatever Accept says.
import type { StoredCard } from '../../domain/cards.ts';
import { convertCard } from '../../vcard/convert.ts';
import { selectProperties } from '../../vcard/partial.ts';
import { DavError } from '../errors.ts';
import type { DavCtx } from '../context.ts';
import { answerFor, propstatsOf, type PropRequest } from '../multistatus.ts';
import { hrefFor } from '../paths.ts';
import { answerProps, VCARD_VERSIONS, type PropContext } from '../properties.ts';
import { segmentsOf, type Resource } from '../resources.ts';
import { child, childrenNamed, type XmlElement } from '../../xml/parse.ts';
import { card, d } from '../../xml/names.ts';
import { CARDDAV_NS } from '../../domain/errors.ts';
import type { MultistatusWriter } from '../../xml/write.ts';

export interface AddressDataRequest {
  /** The vCard version the client asked for, when it named one. */
  version?: string;
  /** The vCard properties to return (upper case); undefined: all of them. */
  props?: string[];
  /** Properties asked for with novalue="yes": their parameters without a value. */
  noValue?: string[];
}

export interface CardReportProps {
  request: PropRequest;
  /** Set when address-data is among the asked properties. */
  addressData?: AddressDataRequest;
}

const unsupportedData = (message: string) => new DavError(403, message, { namespace: CARDDAV_NS, name: 'supported-address-data' });

/** RFC 6352 §10.4: content-type and version attributes, and CARDDAV:allprop or CARDDAV:prop children. */
export function parseAddressDataRequest(el: XmlElement): AddressDataRequest {
  const type = el.attrs.get('content-type');
  if (type !== undefined && (type.split(';')[0] ?? '').trim().toLowerCase() !== 'text/vcard') throw unsupportedData(`address-data in ${type} is not supported`);
  const version = el.attrs.get('version');
  if (version !== undefined && !(VCARD_VERSIONS as readonly string[]).includes(version.trim())) {
    throw unsupportedData(`vCard version ${version} is not supported (3.0 and 4.0 are)`);
  }
  const req: AddressDataRequest = {};
  if (version !== undefined) req.version = version.trim();
  const props = childrenNamed(el, card('prop'));
  if (props.length && !child(el, card('allprop'))) {
    const named = props.map((p) => {
      const name = p.attrs.get('name')?.trim();
      if (!name) throw new DavError(400, 'CARDDAV:prop needs a name');
      return { name: name.toUpperCase(), noValue: p.attrs.get('novalue')?.trim().toLowerCase() === 'yes' };
    });
    req.props = named.filter((p) => !p.noValue).map((p) => p.name);
    req.noValue = named.filter((p) => p.noValue).map((p) => p.name);
  }
  return req;
}

/** The prop/allprop/propname part of a CardDAV REPORT body. */
export function parseCardReportProps(root: XmlElement): CardReportProps {
  const prop = child(root, d('prop'));
  if (prop) {
    const ad = child(prop, card('address-data'));
    return {
      request: { kind: 'prop', names: [...new Set(prop.children.map((x) => x.name))] },
      addressData: ad ? parseAddressDataRequest(ad) : undefined,
    };
  }
  if (child(root, d('propname'))) return { request: { kind: 'propname' } };
  return { request: { kind: 'allprop', include: [] } };
}

/** The VERSION of a card's own properties (the first one at the top level), or null. */
export function versionOf(text: string): string | null {
  for (const line of text.split(/\r\n|\n|\r/)) {
    const m = /^VERSION(?:;[^:]*)?:(.*)$/i.exec(line);
    if (m) return (m[1] ?? '').trim();
  }
  return null;
}

/**
 * Writes one card's response with the asked properties. `stored` carries the card's text when
 * address-data is asked for; a card stored in the other version than the one asked for is
 * converted first, then cut down to the asked properties.
 */
export function writeCardResponse(
  out: MultistatusWriter,
  ctx: DavCtx,
  propCtx: PropContext,
  r: Resource & { kind: 'card' },
  stored: StoredCard | null,
  props: CardReportProps,
  minimal: boolean,
): void {
  const request = props.request;
  const answer =
    request.kind === 'prop' ? answerProps(r, request.names.filter((n) => n !== card('address-data')), propCtx) : answerFor(r, request, propCtx);
  const wanted = props.addressData;
  if (wanted && request.kind === 'prop') {
    if (!stored) {
      answer.missing.push({ name: card('address-data') });
    } else {
      const target = wanted.version;
      const text = (target === '3.0' || target === '4.0') && versionOf(stored.data) !== target ? convertCard(stored.data, target) : stored.data;
      answer.found.push({ name: card('address-data'), text: wanted.props ? selectProperties(text, wanted.props, { noValue: wanted.noValue }) : text });
    }
  }
  out.response(hrefFor(ctx.davRoot, segmentsOf(r), false), propstatsOf(answer, minimal));
}
