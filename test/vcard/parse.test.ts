import { describe, expect, it } from 'vitest';
import { parseCard, VcardError } from '../../src/vcard/parse.ts';
import { APPLE_CONTACT, APPLE_GROUP, crlf, DAVX5_CONTACT, simpleCard, THUNDERBIRD_CONTACT } from '../fixtures/vcards.ts';

const LIMIT = 1024 * 1024;

function failure(body: string | Uint8Array, limit = LIMIT): { failure: string; message: string } {
  try {
    parseCard(body, limit);
  } catch (e) {
    if (e instanceof VcardError) return { failure: e.failure, message: e.message };
    throw e;
  }
  throw new Error('the card was accepted');
}

describe('parseCard', () => {
  it('accepts cards as Apple Contacts, DAVx5 and Thunderbird send them, returning UID, version and the text as sent', () => {
    expect(parseCard(APPLE_CONTACT, LIMIT)).toEqual({ uid: '6C5F7C3E-9A51-4C2D-8F3B-0E2D9C1B7A44', version: '3.0', text: APPLE_CONTACT });
    expect(parseCard(APPLE_GROUP, LIMIT)).toMatchObject({ uid: 'A1B2C3D4-0000-4E5F-9A8B-7C6D5E4F3A2B', version: '3.0' });
    expect(parseCard(DAVX5_CONTACT, LIMIT)).toMatchObject({ uid: 'urn:uuid:0b4d7e52-3c1a-4f7e-9d2b-5a8c6e1f0d93', version: '4.0' });
    expect(parseCard(THUNDERBIRD_CONTACT, LIMIT)).toMatchObject({ uid: 'e3c8a9b2-5f1d-4d6e-8a7b-1c2d3e4f5a6b', version: '4.0' });
  });

  it('reads UTF-8 bytes, drops a byte-order mark, and takes LF line ends and lower-case names', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(DAVX5_CONTACT)]);
    expect(parseCard(bytes, LIMIT).text).toBe(DAVX5_CONTACT);
    const lf = 'begin:vcard\nversion:4.0\nfn:Ana\nuid:lf-1\nend:vcard\n';
    expect(parseCard(lf, LIMIT)).toEqual({ uid: 'lf-1', version: '4.0', text: lf });
  });

  it('refuses what is not exactly one vCard with valid-address-data', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['hello', /outside/],
      [crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'END:VCALENDAR']), /VCALENDAR/],
      [simpleCard('a', 'Ann Ames') + simpleCard('b', 'Bo Berg'), /several vCards/],
      [crlf(['BEGIN:VCARD', 'VERSION:4.0', 'FN:A', 'UID:a']), /does not end/],
      [crlf(['BEGIN:VCARD', 'VERSION:4.0', 'FN:A', 'UID:a', 'END:VCALENDAR']), /VCALENDAR/],
      [`${simpleCard('a', 'Ann Ames')}X-TRAILING:1\r\n`, /outside/],
      [crlf(['BEGIN:VCARD', 'VERSION:4.0', 'FN:A', 'UID:a', 'BEGIN:VCARD', 'END:VCARD', 'END:VCARD']), /nested/],
      [crlf(['BEGIN:VCARD', 'VERSION:4.0', 'FN:A', 'UID:a', 'X-FOO;BAR="unterminated:x', 'END:VCARD']), /cannot be read/],
    ];
    for (const [body, message] of cases) expect(failure(body)).toEqual({ failure: 'valid-address-data', message: expect.stringMatching(message) });
  });

  it('refuses cards without VERSION, FN or UID, with two UIDs or an empty or overlong UID', () => {
    const without = (name: string) => crlf(simpleCard('u-1', 'Ann Ames').trimEnd().split('\r\n').filter((l) => !l.startsWith(`${name}:`)));
    expect(failure(without('VERSION'))).toMatchObject({ failure: 'valid-address-data', message: expect.stringMatching(/VERSION/) });
    expect(failure(without('FN'))).toMatchObject({ failure: 'valid-address-data', message: expect.stringMatching(/FN/) });
    expect(failure(without('UID'))).toMatchObject({ failure: 'valid-address-data', message: expect.stringMatching(/no UID/) });
    expect(failure(simpleCard('u-1', 'Ann Ames', { extra: ['UID:u-2'] }))).toMatchObject({ message: expect.stringMatching(/more than one UID/) });
    expect(failure(simpleCard('', 'Ann Ames'))).toMatchObject({ message: expect.stringMatching(/empty UID/) });
    expect(failure(simpleCard('x'.repeat(256), 'Ann Ames'))).toMatchObject({ message: expect.stringMatching(/255/) });
    expect(parseCard(simpleCard('x'.repeat(255), 'Ann Ames'), LIMIT).uid).toHaveLength(255);
  });

  it('refuses vCard 2.1 and other versions with supported-address-data', () => {
    const v21 = crlf(['BEGIN:VCARD', 'VERSION:2.1', 'N:Ames;Ann', 'FN:Ann Ames', 'UID:v21', 'END:VCARD']);
    expect(failure(v21)).toMatchObject({ failure: 'supported-address-data', message: expect.stringMatching(/2\.1/) });
    expect(failure(simpleCard('v5', 'Ann Ames').replace('VERSION:3.0', 'VERSION:5.0'))).toMatchObject({ failure: 'supported-address-data' });
  });

  it('refuses bytes that are not UTF-8, NUL characters, and bodies over the limit before parsing them', () => {
    const latin1 = Buffer.from(simpleCard('l1', 'Zoë Ames'), 'latin1');
    expect(failure(latin1)).toMatchObject({ failure: 'valid-address-data', message: expect.stringMatching(/UTF-8/) });
    expect(failure(simpleCard('n1', 'Ann\u0000Ames'))).toMatchObject({ failure: 'valid-address-data', message: expect.stringMatching(/NUL/) });
    const big = simpleCard('big', 'Ann Ames', { extra: [`NOTE:${'x'.repeat(2000)}`] });
    expect(failure(big, 1024)).toMatchObject({ failure: 'max-resource-size', message: expect.stringMatching(/1024 bytes/) });
    // The limit counts bytes, not characters.
    const multibyte = simpleCard('mb', 'Åsa Öberg', { extra: [`NOTE:${'ø'.repeat(500)}`] });
    expect(multibyte.length).toBeLessThan(1024);
    expect(failure(multibyte, 1024)).toMatchObject({ failure: 'max-resource-size' });
  });
});
