// The birthday calendar at the domain's level: created with the user, following the cards in their
// write's transaction, read-only to everyone, turned off and on again.
import { describe, expect, it } from 'vitest';
import { canAdminister, canWriteContent } from '../../src/domain/access.ts';
import type { AddressBookView } from '../../src/domain/addressBooks.ts';
import { birthdayObjectUri } from '../../src/domain/birthdays.ts';
import type { Actor, CalendarView } from '../../src/domain/calendars.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { ADD_BIRTHDAY_CALENDARS } from '../../src/db/migrations/Migration20261207130100.ts';
import { useTestServer } from '../helpers/testServer.ts';

const card = (uid: string, fn: string, extra = '') => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\n${extra}END:VCARD\r\n`;

const EVENT = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//t//EN', 'BEGIN:VEVENT', 'UID:mine', 'DTSTAMP:20260101T000000Z', 'DTSTART;VALUE=DATE:20260101', 'SUMMARY:mine', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

async function refused(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

// The cases build on each other (what one stores, the next reads or counts): they keep their
// order when the suite runs shuffled.
describe('the birthday calendar', { shuffle: false }, () => {
  const server = useTestServer();
  server.user('bea');
  server.user('cyd');
  server.user('dov');

  const actor = async (username: string): Promise<Actor> => {
    const u = await server.domain.users.require(username);
    return { userId: u.id, username, principaluri: u.principalUri };
  };
  const book = async (a: Actor, uri = 'default'): Promise<AddressBookView> => (await server.domain.addressBooks.get(a, a.username, uri))!;
  const calendar = async (a: Actor): Promise<CalendarView> => (await server.domain.birthdays.calendar(a))!;
  const summaries = async (view: CalendarView): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    const metas = [];
    for await (const b of server.domain.objects.listMeta(view)) metas.push(...b);
    for (const m of metas) {
      const o = await server.domain.objects.get(view, m.uri);
      out[m.uri] = /\r\nSUMMARY:([^\r\n]*)/.exec(o?.data ?? '')?.[1] ?? '';
    }
    return out;
  };

  it('comes with every new user: "Birthdays", events only, generated, read-only to its owner', async () => {
    const bea = await actor('bea');
    const view = await calendar(bea);
    expect(view).toMatchObject({ uri: 'birthdays', displayname: 'Birthdays', components: ['VEVENT'], generated: 'birthdays', transparent: true, objectCount: 0 });
    expect(canWriteContent(view)).toBe(false);
    expect(canAdminister(view)).toBe(false);
    expect(await server.domain.birthdays.isEnabled(bea)).toBe(true);
  });

  it('follows a card: written with it, changed with its birthday, left alone by other edits, gone with it', async () => {
    const bea = await actor('bea');
    const contacts = await book(bea);
    const bday = birthdayObjectUri(contacts.id, 'ada.vcf', 'BDAY');
    const anniversary = birthdayObjectUri(contacts.id, 'ada.vcf', 'ANNIVERSARY');
    const before = await calendar(bea);

    await server.domain.cards.put(bea, contacts, 'ada.vcf', card('ada', 'Ada Lovelace', 'BDAY:1980-04-02\r\nX-ANNIVERSARY:2005-06-11\r\n'));
    let view = await calendar(bea);
    expect(await summaries(view)).toEqual({ [bday]: '🎂 Ada Lovelace (1980)', [anniversary]: '💍 Ada Lovelace (2005)' });
    expect(view.synctoken).toBeGreaterThan(before.synctoken);
    const first = await server.domain.objects.get(view, bday);
    expect(first?.data).toContain('DTSTART;VALUE=DATE:19800402');
    expect(first?.data).toContain('RRULE:FREQ=YEARLY');
    expect(first?.data).toContain('X-NEXTCLOUD-BC-YEAR:1980');

    // A phone number changes nothing in the calendar: same ETag, same token.
    await server.domain.cards.put(bea, contacts, 'ada.vcf', card('ada', 'Ada Lovelace', 'BDAY:1980-04-02\r\nX-ANNIVERSARY:2005-06-11\r\nTEL:+44 20 1234\r\n'));
    const unchanged = await calendar(bea);
    expect(unchanged.synctoken).toBe(view.synctoken);
    expect((await server.domain.objects.getMeta(unchanged, bday))?.etag).toBe(first?.etag);

    // A new birthday without a year, and the anniversary gone.
    await server.domain.cards.put(bea, contacts, 'ada.vcf', card('ada', 'Ada King', 'BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-10\r\n'));
    view = await calendar(bea);
    expect(await summaries(view)).toEqual({ [bday]: '🎂 Ada King' });
    const changes = await server.domain.objects.changesSince(view, unchanged.synctoken);
    expect(changes.changed.map((m) => m.uri)).toEqual([bday]);
    expect(changes.removed).toEqual([anniversary]);

    await server.domain.cards.delete(bea, contacts, 'ada.vcf');
    view = await calendar(bea);
    expect(await summaries(view)).toEqual({});
    expect(view.objectCount).toBe(0);
  });

  it('puts 29 February on the last day of February, and leaves cards without dates out', async () => {
    const bea = await actor('bea');
    const contacts = await book(bea);
    await server.domain.cards.put(bea, contacts, 'leap.vcf', card('leap', 'Leap Year', 'BDAY:19840229\r\n'));
    await server.domain.cards.put(bea, contacts, 'none.vcf', card('none', 'No Date', 'BDAY;VALUE=text:circa 1800\r\n'));
    const view = await calendar(bea);
    const leap = await server.domain.objects.get(view, birthdayObjectUri(contacts.id, 'leap.vcf', 'BDAY'));
    expect(leap?.data).toContain('RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1');
    expect(await server.domain.objects.getMeta(view, birthdayObjectUri(contacts.id, 'none.vcf', 'BDAY'))).toBeNull();
    // A time-range query finds it on 28 February 2027, as every client's expansion does.
    const hits = [];
    for await (const batch of server.domain.objects.candidates(view, { componentType: 'VEVENT', range: { start: Date.UTC(2027, 1, 28) / 1000, end: Date.UTC(2027, 2, 1) / 1000 } })) hits.push(...batch.map((o) => o.uri));
    expect(hits).toContain(birthdayObjectUri(contacts.id, 'leap.vcf', 'BDAY'));
    await server.domain.cards.delete(bea, contacts, 'leap.vcf');
    await server.domain.cards.delete(bea, contacts, 'none.vcf');
  });

  it('refuses every write but its own: objects, moves into it, calendar-level changes, sharing', async () => {
    const bea = await actor('bea');
    const contacts = await book(bea);
    await server.domain.cards.put(bea, contacts, 'bob.vcf', card('bob', 'Bob', 'BDAY:1990-01-15\r\n'));
    const view = await calendar(bea);
    const uri = birthdayObjectUri(contacts.id, 'bob.vcf', 'BDAY');
    for (const e of [
      await refused(server.domain.objects.put(bea, view, 'mine.ics', EVENT)),
      await refused(server.domain.objects.put(bea, view, uri, EVENT)),
      await refused(server.domain.objects.delete(bea, view, uri)),
    ]) {
      expect(e.kind).toBe('Forbidden');
      expect(e.details.precondition).toEqual({ namespace: 'DAV:', name: 'need-privileges' });
      expect(e.message).toMatch(/contacts/);
    }
    const home = (await server.domain.calendars.get(bea.principaluri, 'default'))!;
    await server.domain.objects.put(bea, home, 'mine.ics', EVENT);
    expect((await refused(server.domain.objects.transfer(bea, home, 'mine.ics', view, 'mine.ics', { overwrite: true, keepSource: true, cond: {} }))).kind).toBe('Forbidden');
    // Copying out of it is reading: allowed.
    await server.domain.objects.transfer(bea, view, uri, home, 'bob-copy.ics', { overwrite: false, keepSource: true, cond: {} });
    expect((await refused(server.domain.calendars.update(bea, view, { components: ['VEVENT', 'VTODO'] }))).kind).toBe('Forbidden');
    expect((await refused(server.domain.sharing.share('bea', view.instanceId, 'cyd', false))).kind).toBe('Forbidden');
    // Its name and colour are the owner's to change.
    const renamed = await server.domain.calendars.update(bea, view, { displayname: 'Geburtstage', color: '#112233' });
    expect(renamed).toMatchObject({ displayname: 'Geburtstage', color: '#112233', generated: 'birthdays' });
    expect(await server.domain.objects.getMeta(view, uri)).not.toBeNull();
  });

  it('is turned off (removed, cards still written) and on again (filled from every book)', async () => {
    const cyd = await actor('cyd');
    const contacts = await book(cyd);
    const work = await server.domain.addressBooks.create(cyd, 'work', { displayname: 'Work' });
    await server.domain.cards.put(cyd, contacts, 'ann.vcf', card('ann', 'Ann', 'BDAY:--0402\r\n'));
    expect(await server.domain.birthdays.setEnabled(cyd, false)).toBeNull();
    expect(await server.domain.birthdays.isEnabled(cyd)).toBe(false);
    expect(await server.domain.calendars.get(cyd.principaluri, 'birthdays')).toBeNull();
    // Cards are written as ever while it is off.
    await server.domain.cards.put(cyd, work, 'ann.vcf', card('ann', 'Ann Work', 'BDAY:1975-09-30\r\n'));
    await server.domain.cards.put(cyd, contacts, 'ben.vcf', card('ben', 'Ben', 'ANNIVERSARY:20100101\r\n'));

    const view = (await server.domain.birthdays.setEnabled(cyd, true))!;
    expect(view).toMatchObject({ uri: 'birthdays', generated: 'birthdays', objectCount: 3 });
    expect(await summaries(view)).toEqual({
      [birthdayObjectUri(contacts.id, 'ann.vcf', 'BDAY')]: '🎂 Ann',
      [birthdayObjectUri(contacts.id, 'ben.vcf', 'ANNIVERSARY')]: '💍 Ben (2010)',
      [birthdayObjectUri(work.id, 'ann.vcf', 'BDAY')]: '🎂 Ann Work (1975)',
    });
    // On while on: nothing changes.
    expect((await server.domain.birthdays.setEnabled(cyd, true))?.synctoken).toBe(view.synctoken);

    // Removing an address book removes its cards' events.
    await server.domain.addressBooks.remove(cyd, work);
    expect(Object.keys(await summaries(view)).sort()).toEqual(
      [birthdayObjectUri(contacts.id, 'ann.vcf', 'BDAY'), birthdayObjectUri(contacts.id, 'ben.vcf', 'ANNIVERSARY')].sort(),
    );

    // Deleting the calendar (as a CalDAV DELETE does) turns it off too.
    await server.domain.calendars.delete(cyd, await calendar(cyd));
    expect(await server.domain.birthdays.isEnabled(cyd)).toBe(false);
    await server.domain.cards.put(cyd, contacts, 'cat.vcf', card('cat', 'Cat', 'BDAY:2001-03-03\r\n'));
    expect(await server.domain.calendars.get(cyd.principaluri, 'birthdays')).toBeNull();

    // A calendar of the user's own named birthdays: the generated one takes Nextcloud's name.
    await server.domain.calendars.create(cyd, cyd.principaluri, { uri: 'birthdays', displayname: 'Mine' });
    const again = (await server.domain.birthdays.setEnabled(cyd, true))!;
    expect(again).toMatchObject({ uri: 'contact_birthdays', objectCount: 3 });
    expect((await server.domain.calendars.get(cyd.principaluri, 'birthdays'))?.generated).toBeNull();
  });

  it('migration 20261207130100 gives a user without one a birthday calendar, logged in their home', async () => {
    const dov = await actor('dov');
    await server.domain.birthdays.setEnabled(dov, false);
    const token = await server.domain.calendars.homeSyncToken(dov.principaluri);
    const before = (await server.domain.birthdays.calendar(await actor('bea')))!;
    await server.running.db.em().getConnection().execute(ADD_BIRTHDAY_CALENDARS);
    const view = (await server.domain.birthdays.calendar(dov))!;
    expect(view).toMatchObject({ uri: 'birthdays', displayname: 'Birthdays', generated: 'birthdays', components: ['VEVENT'], transparent: true });
    const changes = await server.domain.calendars.homeChangesSince(dov.principaluri, token);
    expect(changes.changed.map((v) => v.uri)).toEqual(['birthdays']);
    // A user who has one keeps it, and gets no second.
    const bea = await actor('bea');
    const beas = (await server.domain.calendars.listForPrincipal(bea.principaluri)).filter((v) => v.generated);
    expect(beas.map((v) => v.instanceId)).toEqual([before.instanceId]);
  });
});
