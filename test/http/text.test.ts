// What a body that should be UTF-8 text really is: the first bad byte and its line found in any
// part of a large body, every form of broken UTF-8 caught, and a UTF-8 byte-order mark dropped.
import { describe, expect, it } from 'vitest';
import { bodyText, NotTextError, textProblem } from '../../src/http/text.ts';

describe('textProblem', () => {
  it('accepts UTF-8 of every length, with or without a byte-order mark', () => {
    expect(textProblem(Buffer.from('ascii, é, 日本, 🎉'))).toBeNull();
    expect(textProblem(Buffer.from('\ufeffBEGIN:VCALENDAR'))).toBeNull();
    expect(textProblem(new Uint8Array())).toBeNull();
  });

  it('finds the first bad byte and its line anywhere in a large body, past many multi-byte characters', () => {
    const line = 'SUMMARY:Grüße aus Köln – 日本語のテキスト 🎉\r\n';
    const head = Buffer.from(line.repeat(5000));
    const body = Buffer.concat([head, Buffer.from('SUMMARY:caf'), Buffer.from([0xe9]), Buffer.from('\r\n' + line)]);
    expect(textProblem(body)).toEqual({ kind: 'invalid', line: 5001, offset: head.length + 11, byte: 0xe9 });
  });

  it('past the first MiB names the offset instead of counting lines (a refusal costs bounded time)', () => {
    const body = Buffer.concat([Buffer.from('X-PAD:ok\r\n'.repeat(200_000)), Buffer.from([0x41, 0xe9])]);
    expect(textProblem(body)).toEqual({ kind: 'invalid', line: null, offset: 2_000_001, byte: 0xe9 });
  });

  it.each([
    ['an overlong NUL', [0x41, 0xc0, 0x80], 0xc0],
    ['a UTF-16 surrogate', [0x41, 0xed, 0xa0, 0x80], 0xed],
    ['a code point past U+10FFFF', [0x41, 0xf4, 0x90, 0x80, 0x80], 0xf4],
    ['a lone continuation byte', [0x41, 0x80], 0x80],
    ['a character cut off at the end', [0x41, 0xe6, 0x97], 0xe6],
  ])('refuses %s', (_name, bytes, byte) => {
    expect(textProblem(new Uint8Array(bytes))).toEqual({ kind: 'invalid', line: 1, offset: 1, byte });
  });

  it('names UTF-16, well-known binary formats, and NUL bytes', () => {
    expect(textProblem(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('{}', 'utf16le').swap16()]))).toEqual({ kind: 'utf16' });
    expect(textProblem(Buffer.from('%PDF-1.7\n'))).toEqual({ kind: 'binary', format: 'PDF' });
    expect(textProblem(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ kind: 'binary', format: 'JPEG' });
    expect(textProblem(Buffer.from('{}', 'utf16le'))).toEqual({ kind: 'nul' });
  });
});

describe('bodyText', () => {
  it('drops a UTF-8 byte-order mark and throws NotTextError with the reason otherwise', () => {
    expect(bodyText(Buffer.from('\ufeff{"a":1}'))).toBe('{"a":1}');
    expect(() => bodyText(Buffer.from([0x7b, 0xe9, 0x7d]))).toThrow(NotTextError);
    expect(() => bodyText(Buffer.from([0x7b, 0xe9, 0x7d]))).toThrow('the body is not UTF-8: line 1 holds the byte 0xE9 (Latin-1 or Windows-1252 text?)');
  });
});
