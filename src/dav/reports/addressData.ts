// What the CardDAV reports share: the prop list with CARDDAV:address-data (RFC 6352 §10.4), and
// answering one card with the asked properties. Cards are stored as sent and never converted, so
// address-data asking for another vCard version than a card's is refused for that card.
import type { StoredCard } from '../../domain/cards.ts';
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
import type { MultistatusWriter, Propstat } from '../../xml/write.ts';

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
 * address-data is asked for; when the card's version is not the one asked for, address-data is
 * answered 403 in a propstat of its own with CARDDAV:supported-address-data-conversion (the
 * card's other properties are answered as usual).
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
  const extra: Propstat[] = [];
  const wanted = props.addressData;
  if (wanted && request.kind === 'prop') {
    const version = stored ? versionOf(stored.data) : null;
    if (!stored) {
      answer.missing.push({ name: card('address-data') });
    } else if (wanted.version !== undefined && version !== wanted.version) {
      extra.push({
        status: 403,
        props: [{ name: card('address-data') }],
        error: [{ name: card('supported-address-data-conversion') }],
        description: `the card is stored as vCard ${version ?? '(no version)'} and is not converted to ${wanted.version}`,
      });
    } else {
      answer.found.push({ name: card('address-data'), text: wanted.props ? selectProperties(stored.data, wanted.props, { noValue: wanted.noValue }) : stored.data });
    }
  }
  out.response(hrefFor(ctx.davRoot, segmentsOf(r), false), [...propstatsOf(answer, minimal), ...extra]);
}
