// The vCards the web face writes: a new card from the form, an edit that keeps every line the
// form does not show, and the cards of an import file.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { cardUriFor, editCard, newCard, readContact, splitCards, type ContactFields } from '../../src/vcard/build.ts';

const blank: ContactFields = { formattedName: '', givenName: '', familyName: '', organization: '', emails: [], phones: [], addresses: [], birthday: '', note: '' };

const APPLE = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Apple Inc.//iPhone OS 17.0//EN',
  'N:Appleseed;Johnny;;;',
  'FN:Johnny Appleseed',
  'ORG:Apple Inc.;Engineering',
  'item1.EMAIL;type=INTERNET;type=pref:johnny@example.com',
  'item1.X-ABLabel:_$!<Other>!$_',
  'TEL;type=CELL;type=VOICE;type=pref:+1 555 0100',
  'ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;USA',
  'BDAY:1985-04-12',
  'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD',
  ' /2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U',
  'X-SOCIALPROFILE;type=twitter:https://twitter.com/johnny',
  'UID:7E9F0C49-6F9B-4F5B-8D7D-7F0A9B2C3D4E',
  'END:VCARD',
  '',
].join('\r\n');

describe('src/vcard/build', () => {
  it('writes a new vCard 4.0 that ical.js reads back, FN made from the names', () => {
    const text = newCard({ ...blank, givenName: 'Ann', familyName: 'Smith; Jr', emails: ['ann@example.org', ''], phones: ['+49 30 1234'], addresses: [{ street: 'Main St 1, Flat 2', locality: 'Berlin', region: '', postalCode: '10115', country: 'DE' }], birthday: '--04-12', note: 'Line 1\nLine 2, with comma' }, 'urn:uuid:1');
    expect(text).toContain('BDAY:--0412\r\n');
    expect(text.endsWith('END:VCARD\r\n')).toBe(true);
    const card = new ICAL.Component(ICAL.parse(text));
    expect(card.getFirstPropertyValue('fn')).toBe('Ann Smith; Jr');
    expect(card.getFirstPropertyValue('uid')).toBe('urn:uuid:1');
    expect(card.getAllProperties('email')).toHaveLength(1);
    const c = readContact(text);
    expect(c).toMatchObject({ givenName: 'Ann', familyName: 'Smith; Jr', phones: ['+49 30 1234'], birthday: '--04-12', note: 'Line 1\nLine 2, with comma' });
    expect(c.addresses[0]).toEqual({ street: 'Main St 1, Flat 2', locality: 'Berlin', region: '', postalCode: '10115', country: 'DE' });
  });

  it('reads an Apple vCard 3.0, with its inline photo as a data: URI', () => {
    const c = readContact(APPLE);
    expect(c).toMatchObject({ version: '3.0', formattedName: 'Johnny Appleseed', organization: 'Apple Inc.', emails: ['johnny@example.com'], phones: ['+1 555 0100'], birthday: '1985-04-12' });
    expect(c.phoneTypes[0]).toEqual(['cell', 'pref']);
    expect(c.photo).toBe('data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U');
    expect(readContact('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nPHOTO:javascript:alert(1)\r\nEND:VCARD\r\n').photo).toBeNull();
    expect(readContact('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nPHOTO:https://example.org/a.png\r\nEND:VCARD\r\n').photo).toBe('https://example.org/a.png');
  });

  it('keeps the card byte for byte when nothing changed, and every line the form does not show when something did', () => {
    const c = readContact(APPLE);
    expect(editCard(APPLE, c)).toBe(APPLE);
    const edited = editCard(APPLE, { ...c, phones: ['+1 555 0199'], emails: ['johnny@example.com', 'j@work.example'], birthday: '--04-12', note: 'New note' });
    const lines = edited.split('\r\n');
    for (const kept of ['item1.EMAIL;type=INTERNET;type=pref:johnny@example.com', 'item1.X-ABLabel:_$!<Other>!$_', 'ORG:Apple Inc.;Engineering', 'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD', ' /2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U', 'X-SOCIALPROFILE;type=twitter:https://twitter.com/johnny', 'FN:Johnny Appleseed'])
      expect(lines).toContain(kept);
    expect(lines).toContain('BDAY:--04-12');
    expect(lines.some((l) => /^TEL;TYPE=CELL,VOICE,PREF:\+1 555 0199$/i.test(l) || /^TEL;TYPE=.*:\+1 555 0199$/i.test(l))).toBe(true);
    expect(lines).toContain('EMAIL:j@work.example');
    expect(lines).toContain('NOTE:New note');
    expect(readContact(edited)).toMatchObject({ phones: ['+1 555 0199'], emails: ['johnny@example.com', 'j@work.example'], note: 'New note', birthday: '--04-12' });
    // Emptying a row removes its line; its Apple label stays harmlessly.
    const fewer = editCard(APPLE, { ...c, emails: [''] });
    expect(fewer).not.toContain('johnny@example.com');
    expect(fewer).toContain('PHOTO;ENCODING=b');
  });

  it('splits an import file into cards, adding a stable UID where one is missing', () => {
    const file = `${APPLE}BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No UID\r\nN:;No UID;;;\r\nEND:VCARD\r\n`;
    const a = splitCards(file, 10);
    expect(a.problem).toBeNull();
    expect(a.cards.map((c) => c.name)).toEqual(['Johnny Appleseed', 'No UID']);
    expect(a.cards[0]?.text).toBe(APPLE);
    expect(a.cards[1]?.uidAdded).toBe(true);
    expect(a.cards[1]?.text).toMatch(/^BEGIN:VCARD\r\nVERSION:3.0\r\nUID:urn:uuid:[0-9a-f-]{36}\r\nFN:No UID/);
    expect(splitCards(file, 10).cards[1]?.uid).toBe(a.cards[1]?.uid);
    expect(splitCards(file, 1).problem).toBe('more than 1 cards');
    expect(splitCards('hello', 10).problem).toMatch(/outside/);
    expect(splitCards('BEGIN:VCARD\r\nFN:x\r\n', 10).problem).toMatch(/without END/);
    expect(cardUriFor('urn:uuid:ABC-1')).toBe('ABC-1.vcf');
    expect(cardUriFor('a/b c')).toMatch(/^[0-9a-f]{32}\.vcf$/);
  });
});
