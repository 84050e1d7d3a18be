// Request bodies that must be UTF-8 text (iCalendar, RFC 5545 §3.1.4; JSON, RFC 8259 §8.1): what
// is wrong with bytes that are not, in words a person can act on (a PNG renamed .ics, a Latin-1
// export, a UTF-16 file), and the text of those that are, without a byte-order mark. Every face
// refuses the same bytes for the same reason, each in its own error shape.
import { isUtf8 } from 'node:buffer';

/** Why bytes are not UTF-8 text. */
export type TextProblem =
  /** A UTF-16 (or UTF-32) byte-order mark. */
  | { kind: 'utf16' }
  /** The signature of a well-known binary format. */
  | { kind: 'binary'; format: string }
  /** NUL bytes: UTF-16 without a byte-order mark, or binary data. */
  | { kind: 'nul' }
  /**
   * A byte sequence UTF-8 does not allow: `byte` (0–255) at `offset`, on `line` (from 1) when
   * the offset is within the first LINE_SCAN_BYTES.
   */
  | { kind: 'invalid'; line: number | null; offset: number; byte: number };

const SIGNATURES: { format: string; bytes: number[] }[] = [
  { format: 'PNG', bytes: [0x89, 0x50, 0x4e, 0x47] },
  { format: 'JPEG', bytes: [0xff, 0xd8, 0xff] },
  { format: 'GIF', bytes: [0x47, 0x49, 0x46, 0x38] },
  { format: 'PDF', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { format: 'ZIP', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { format: 'gzip', bytes: [0x1f, 0x8b] },
];

const startsWith = (b: Uint8Array, sig: number[]) => sig.length <= b.length && sig.every((x, i) => b[i] === x);

/** Checked in slices so that the one slice holding the first bad byte is the only one read in JS. */
const SLICE = 64 * 1024;

/** Whether `i` starts a character (is not a UTF-8 continuation byte). */
const boundary = (b: Uint8Array, i: number) => i >= b.length || ((b[i] as number) & 0xc0) !== 0x80;

/** The length of the valid UTF-8 character at `i` (RFC 3629 §4), or 0 when none starts there. */
function charLength(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && (b[i + k] as number) >= lo && (b[i + k] as number) <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const ok1 = c === 0xe0 ? cont(1, 0xa0) : c === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const ok1 = c === 0xf0 ? cont(1, 0x90) : c === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** The offset of the first byte that breaks UTF-8 in a slice known to be invalid. */
function firstInvalid(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const len = charLength(b, i);
    if (len === 0) return i;
    i += len;
  }
  return Math.min(i, b.length - 1);
}

/** Lines are counted this far into a body, so that a refusal costs a bounded time on the loop. */
const LINE_SCAN_BYTES = 1024 * 1024;

/** The line (from 1) of a byte offset; the scan runs in V8's string search, not byte by byte in JS. */
function lineAt(b: Uint8Array, offset: number): number | null {
  if (offset > LINE_SCAN_BYTES) return null;
  const before = Buffer.from(b.buffer, b.byteOffset, offset).toString('latin1');
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  return line;
}

/** What keeps the bytes from being UTF-8 text, or null when they are (a UTF-8 BOM is fine). */
export function textProblem(bytes: Uint8Array): TextProblem | null {
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff]) || startsWith(bytes, [0, 0, 0xfe, 0xff])) return { kind: 'utf16' };
  for (const s of SIGNATURES) if (startsWith(bytes, s.bytes)) return { kind: 'binary', format: s.format };
  if (bytes.indexOf(0) !== -1) return { kind: 'nul' };
  if (isUtf8(bytes)) return null;
  // Native checks slice by slice (cut before a character's first byte, so each slice stands alone).
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(bytes.length, start + SLICE);
    while (!boundary(bytes, end) && end > start + 1) end--;
    if (!isUtf8(bytes.subarray(start, end))) {
      const at = firstInvalid(bytes, start, end);
      return { kind: 'invalid', line: lineAt(bytes, at), offset: at, byte: bytes[at] as number };
    }
    start = end;
  }
  return { kind: 'invalid', line: 1, offset: 0, byte: bytes[0] ?? 0 };
}

/** A byte as people read it in a hex editor: 0xE9. */
export const hexByte = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** The problem in English (the CalDAV and JSON faces' words). */
export function describeTextProblem(p: TextProblem): string {
  switch (p.kind) {
    case 'utf16':
      return 'the body is UTF-16 text, not UTF-8';
    case 'binary':
      return `the body is a ${p.format} file, not text`;
    case 'nul':
      return 'the body holds NUL bytes (UTF-16 text without a byte-order mark, or binary data), not UTF-8 text';
    case 'invalid':
      return `the body is not UTF-8: ${p.line === null ? `the byte ${hexByte(p.byte)} at offset ${p.offset}` : `line ${p.line} holds the byte ${hexByte(p.byte)}`} (Latin-1 or Windows-1252 text?)`;
  }
}

export class NotTextError extends Error {
  constructor(readonly problem: TextProblem) {
    super(describeTextProblem(problem));
    this.name = 'NotTextError';
  }
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: false });

/** The text of a UTF-8 body, a leading byte-order mark dropped; NotTextError otherwise. */
export function bodyText(bytes: Uint8Array): string {
  const problem = textProblem(bytes);
  if (problem) throw new NotTextError(problem);
  return decoder.decode(bytes);
}

/** Encodings an XML declaration may name that we decode besides UTF-8 (labels as WHATWG knows them). */
const XML_SINGLE_BYTE = new Set(['us-ascii', 'ascii', 'iso-8859-1', 'latin1', 'iso-8859-15', 'windows-1252', 'cp1252']);

/**
 * The text of an XML body (WebDAV requests). XML processors must read UTF-8 and UTF-16 (XML 1.0
 * §4.3.3), so a UTF-16 body with its byte-order mark is decoded; a declaration naming a
 * single-byte Latin encoding is honoured; anything else must be UTF-8 (NotTextError otherwise),
 * where the old code turned bad bytes into U+FFFD and stored them in dead properties.
 */
export function xmlText(bytes: Uint8Array): string {
  if (startsWith(bytes, [0xff, 0xfe]) && !startsWith(bytes, [0xff, 0xfe, 0, 0])) return new TextDecoder('utf-16le').decode(bytes);
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(bytes);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 200)).toString('latin1');
  const declared = /^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (declared && XML_SINGLE_BYTE.has(declared)) return new TextDecoder(declared).decode(bytes);
  return bodyText(bytes);
}
