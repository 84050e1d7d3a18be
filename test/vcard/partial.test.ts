// address-data with prop elements (RFC 6352 §10.4.2): the card cut down to what the client named.
import { describe, expect, it } from 'vitest';
import { selectProperties } from '../../src/vcard/partial.ts';

const lines = (...l: string[]) => `${l.join('\r\n')}\r\n`;

// The card of RFC 6352 §8.6.3 with the properties its query does not ask for.
const CYRUS = lines(
  'BEGIN:VCARD',
  'VERSION:3.0',
  'NICKNAME:me',
  'UID:34222-232@example.com',
  'FN:Cyrus Daboo',
  'N:Daboo;Cyrus;;;',
  'EMAIL:daboo@example.com',
  'TEL;TYPE=work:+1 555 0100',
  'PHOTO;VALUE=uri:https://example.com/cyrus.jpg',
  'END:VCARD',
);

describe('selectProperties', () => {
  it('RFC 6352 §8.6.3: VERSION, UID, NICKNAME, EMAIL and FN, in the order of the card', () => {
    expect(selectProperties(CYRUS, ['VERSION', 'UID', 'NICKNAME', 'EMAIL', 'FN'])).toBe(
      lines('BEGIN:VCARD', 'VERSION:3.0', 'NICKNAME:me', 'UID:34222-232@example.com', 'FN:Cyrus Daboo', 'EMAIL:daboo@example.com', 'END:VCARD'),
    );
  });

  it('always keeps BEGIN/END, VERSION and UID; names in any case; unknown names add nothing', () => {
    expect(selectProperties(CYRUS, ['email', 'X-NOTHING'])).toBe(
      lines('BEGIN:VCARD', 'VERSION:3.0', 'UID:34222-232@example.com', 'EMAIL:daboo@example.com', 'END:VCARD'),
    );
    expect(selectProperties(CYRUS, [])).toBe(lines('BEGIN:VCARD', 'VERSION:3.0', 'UID:34222-232@example.com', 'END:VCARD'));
  });

  it('keeps every instance, the group prefix, and the X-ABLabel of the same group', () => {
    const c = lines(
      'BEGIN:VCARD',
      'VERSION:4.0',
      'UID:u',
      'FN:Ann',
      'item1.EMAIL;TYPE=work:ann@work.example',
      'item1.X-ABLabel:_$!<Work>!$_',
      'item2.TEL:+1 555',
      'item2.X-ABLabel:_$!<Mobile>!$_',
      'EMAIL;TYPE=home:ann@home.example',
      'END:VCARD',
    );
    expect(selectProperties(c, ['EMAIL'])).toBe(
      lines('BEGIN:VCARD', 'VERSION:4.0', 'UID:u', 'item1.EMAIL;TYPE=work:ann@work.example', 'item1.X-ABLabel:_$!<Work>!$_', 'EMAIL;TYPE=home:ann@home.example', 'END:VCARD'),
    );
    expect(selectProperties(c, ['item2.TEL'])).toBe(lines('BEGIN:VCARD', 'VERSION:4.0', 'UID:u', 'item2.TEL:+1 555', 'item2.X-ABLabel:_$!<Mobile>!$_', 'END:VCARD'));
    expect(selectProperties(c, ['item9.EMAIL'])).toBe(lines('BEGIN:VCARD', 'VERSION:4.0', 'UID:u', 'END:VCARD'));
  });

  it('keeps folded lines and escapes exactly as the card wrote them; LF cards come out with CRLF', () => {
    const note = 'NOTE:a long note that goes on and on\\, with a comma\\; a semicolon and more te';
    const c = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:f', 'FN:F', note, ' xt after the fold', 'BDAY:1985-04-12', 'END:VCARD', ''].join('\n');
    expect(selectProperties(c, ['NOTE', 'BDAY'])).toBe(lines('BEGIN:VCARD', 'VERSION:3.0', 'UID:f', note, ' xt after the fold', 'BDAY:1985-04-12', 'END:VCARD'));
  });

  it('novalue keeps the name and parameters without the value', () => {
    const c = lines('BEGIN:VCARD', 'VERSION:4.0', 'UID:u', 'FN:Ann', 'PHOTO;MEDIATYPE="image/jpeg";X-NOTE="a:b":data:image/jpeg;base64,AAAA', 'END:VCARD');
    expect(selectProperties(c, ['FN'], { noValue: ['PHOTO'] })).toBe(
      lines('BEGIN:VCARD', 'VERSION:4.0', 'UID:u', 'FN:Ann', 'PHOTO;MEDIATYPE="image/jpeg";X-NOTE="a:b":', 'END:VCARD'),
    );
  });

  it('a vCard 2.1 AGENT card nested in the card goes with its property or not at all', () => {
    const c = lines('BEGIN:VCARD', 'VERSION:2.1', 'N:Doe;John', 'AGENT:', 'BEGIN:VCARD', 'VERSION:2.1', 'N:Friday;Fred', 'TEL:+1 555', 'END:VCARD', 'TEL:+1 556', 'END:VCARD');
    expect(selectProperties(c, ['TEL'])).toBe(lines('BEGIN:VCARD', 'VERSION:2.1', 'TEL:+1 556', 'END:VCARD'));
    expect(selectProperties(c, ['AGENT'])).toBe(
      lines('BEGIN:VCARD', 'VERSION:2.1', 'AGENT:', 'BEGIN:VCARD', 'VERSION:2.1', 'N:Friday;Fred', 'TEL:+1 555', 'END:VCARD', 'END:VCARD'),
    );
  });

  it('keeps a vCard 2.1 quoted-printable value whole across its soft line breaks', () => {
    const c = lines('BEGIN:VCARD', 'VERSION:2.1', 'N:Doe;John;;;', 'ADR;WORK;ENCODING=QUOTED-PRINTABLE:;;M=C3=BCnster =', 'Str. 1;M=C3=BCnster;;48143;Deutschland', 'END:VCARD');
    expect(selectProperties(c, ['ADR'])).toBe(
      lines('BEGIN:VCARD', 'VERSION:2.1', 'ADR;WORK;ENCODING=QUOTED-PRINTABLE:;;M=C3=BCnster =', 'Str. 1;M=C3=BCnster;;48143;Deutschland', 'END:VCARD'),
    );
    expect(selectProperties(c, ['N'])).toBe(lines('BEGIN:VCARD', 'VERSION:2.1', 'N:Doe;John;;;', 'END:VCARD'));
  });

  it('gives an empty text for an empty one', () => {
    expect(selectProperties('', ['FN'])).toBe('');
  });
});
