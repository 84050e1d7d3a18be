// Validating one address object resource (RFC 6352 §5.1): exactly one vCard 3.0 (RFC 2426) or 4.0
// (RFC 6350) in UTF-8, with the FN both versions require and the UID CardDAV requires. The text
// is stored as sent, never rewritten, so nothing here repairs a card: what cannot be stored as it
// is gets refused with the precondition that says why.
//
// A card without UID is refused (valid-address-data), as Radicale refuses an item without UID in
// a single PUT. sabre/dav instead adds a UID and stores a rewritten card; that would break "stored
// as sent" and give the client an ETag for a body it never saw. vCard 3 makes UID optional, but
// RFC 6352 §5.1 requires it in an address book, and every CardDAV client we know sends one.
//
// ical.js parses the card (ICAL.parse of a vCard gives ['vcard', properties, components]); it
// accepts some structure errors (a mismatched END), so the BEGIN/END lines are checked here first.
// The body is bounded by the size limit before anything is parsed.
import ICAL from 'ical.js';

/** Which CardDAV precondition a failure maps to (RFC 6352 §6.3.2.1). */
export type VcardFailure = 'valid-address-data' | 'supported-address-data' | 'max-resource-size';

export class VcardError extends Error {
  constructor(
    readonly failure: VcardFailure,
    message: string,
  ) {
    super(message);
    this.name = 'VcardError';
  }
}

export type VcardVersion = '3.0' | '4.0';

export interface ParsedCard {
  uid: string;
  version: VcardVersion;
  /** The text as received (decoded UTF-8, byte-order mark removed). */
  text: string;
}

/** The longest UID the store holds (the column's length). */
export const MAX_UID_LENGTH = 255;

const decoder = new TextDecoder('utf-8', { fatal: true });
const invalid = (m: string) => new VcardError('valid-address-data', m);

function decode(body: Uint8Array | string): string {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = decoder.decode(body);
    } catch {
      throw invalid('the body is not valid UTF-8');
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Checks that the body is one VCARD and nothing else: no second card, no nested or other component. */
function checkStructure(text: string): void {
  const lines = text
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (!lines.length) throw invalid('the body is empty; a vCard is expected');
  let cards = 0;
  let depth = 0;
  for (const line of lines) {
    const m = /^(BEGIN|END)\s*:\s*(.*?)\s*$/i.exec(line);
    if (!m) {
      if (depth === 0) throw invalid('there is text outside BEGIN:VCARD … END:VCARD');
      continue;
    }
    const begin = (m[1] as string).toUpperCase() === 'BEGIN';
    const name = (m[2] as string).toUpperCase();
    if (name !== 'VCARD') throw invalid(`${begin ? 'BEGIN' : 'END'}:${m[2]} does not belong in a vCard`);
    if (begin) {
      if (depth > 0) throw invalid('a vCard is nested in another');
      depth++;
      cards++;
      if (cards > 1) throw invalid('the body holds several vCards; an address object resource holds exactly one');
    } else {
      if (depth === 0) throw invalid('END:VCARD without BEGIN:VCARD');
      depth--;
    }
  }
  if (cards === 0) throw invalid('the body is not a vCard (no BEGIN:VCARD)');
  if (depth !== 0) throw invalid('the vCard does not end (no END:VCARD)');
}

type JCardProperty = [string, Record<string, unknown>, string, ...unknown[]];

/** The text values of the properties named `name` (lower case) of a parsed card. */
function values(props: JCardProperty[], name: string): unknown[] {
  return props.filter((p) => p[0] === name).map((p) => p[3]);
}

/**
 * Validates a card for storing; `maxBytes` is the size limit of one resource. Throws VcardError
 * with the precondition to report.
 */
export function parseCard(body: Uint8Array | string, maxBytes: number): ParsedCard {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > maxBytes) throw new VcardError('max-resource-size', `a vCard may be at most ${maxBytes} bytes`);
  const text = decode(body);
  if (text.includes('\u0000')) throw invalid('the body contains a NUL character');
  checkStructure(text);
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (e) {
    throw invalid(`the vCard cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(parsed) || parsed[0] !== 'vcard' || !Array.isArray(parsed[1])) throw invalid('the body is not a vCard');
  const props = parsed[1] as JCardProperty[];

  const versions = values(props, 'version');
  if (versions.length === 0) throw invalid('the vCard has no VERSION');
  if (versions.length > 1) throw invalid('the vCard has more than one VERSION');
  const version = String(versions[0]).trim();
  if (version !== '3.0' && version !== '4.0') {
    throw new VcardError('supported-address-data', `vCard ${version} is not supported; send vCard 3.0 or 4.0`);
  }

  if (values(props, 'fn').length === 0) throw invalid('the vCard has no FN (formatted name), which vCard 3.0 and 4.0 require');

  const uids = values(props, 'uid');
  if (uids.length === 0) throw invalid('the vCard has no UID, which CardDAV requires (RFC 6352 §5.1)');
  if (uids.length > 1) throw invalid('the vCard has more than one UID');
  const uid = typeof uids[0] === 'string' ? uids[0] : '';
  if (!uid.trim()) throw invalid('the vCard has an empty UID');
  if (uid.length > MAX_UID_LENGTH) throw invalid(`a UID may be at most ${MAX_UID_LENGTH} characters`);
  return { uid, version, text };
}
