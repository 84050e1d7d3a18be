// The birthday calendar (issue #28): a calendar in each user's home that the server writes from the
// BDAY and ANNIVERSARY of the user's own cards (the events themselves: src/vcard/birthdays.ts).
// It follows the cards inside each card write's transaction (a CardListener), through the
// ObjectService like every other object write, so its sync token, change log and home token move
// with the card and every CalDAV client sees the change at its next sync. Nobody else writes into
// it (access.ts: a generated calendar is read-only to its owner too).
//
// On by default, as in Nextcloud: new users get it with their account, existing ones by migration
// 20261207130100. The calendar's existence is the setting: turning it off removes it (so does a
// CalDAV DELETE of it, as in Nextcloud, where deleting the birthday calendar opts the user out until
// they turn it on again), and turning it on creates it and writes the events of every card again.
import { BIRTHDAYS_ORIGIN } from './origins.ts';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { CalendarInstance } from '../db/entities/index.ts';
import { birthdayEventText, sameBirthdayEvent } from '../ical/birthdayEvent.ts';
import { birthdayEntries, birthdayUid, type BirthdayField } from '../vcard/birthdays.ts';
import type { AddressBookService, AddressBookView } from './addressBooks.ts';
import { insertCalendar } from './calendarRows.ts';
import { loadViews, type Actor, type CalendarService, type CalendarView } from './calendars.ts';
import type { CardChange, CardService } from './cards.ts';
import type { DomainContext } from './context.ts';
import { conflict, isDomainError } from './errors.ts';
import { noteHomeMember } from './homeSync.ts';
import type { ObjectService, PreparedObject } from './objects.ts';

/** The `calendars.generated` value of a birthday calendar. */
export const BIRTHDAYS = 'birthdays';
/** The name the calendar gets in the home, and the one it gets when a calendar of the user holds that (Nextcloud's). */
const CALENDAR_URIS = ['birthdays', 'contact_birthdays'];
export const BIRTHDAY_CALENDAR_URI = CALENDAR_URIS[0] as string;
export const BIRTHDAY_CALENDAR_NAME = 'Birthdays';
const BIRTHDAY_CALENDAR_COLOR = '#E7A33E';
/** The origin of the object writes made here (listeners of object writes may tell them apart). */
export { BIRTHDAYS_ORIGIN };

const FIELDS: BirthdayField[] = ['BDAY', 'ANNIVERSARY'];

/** A card's event as it is stored: its field, UID and text. */
export interface BirthdayEvent {
  field: BirthdayField;
  uid: string;
  text: string;
}

/** The events of a card (one per date it gives), for a card of UID `cardUid` in address book `scope`. */
export function birthdayEvents(cardText: string, cardUid: string, scope: string, stamp: number): BirthdayEvent[] {
  return birthdayEntries(cardText).map((e) => {
    const uid = birthdayUid(scope, cardUid, e.field);
    return { field: e.field, uid, text: birthdayEventText(e, uid, stamp) };
  });
}

/**
 * The name of a card's event in the birthday calendar: the address book's id (a card's name is
 * unique only in its book; ids keep the name short), the card's name and the field.
 */
export function birthdayObjectUri(bookId: number, cardUri: string, field: BirthdayField): string {
  return `${bookId}-${cardUri}-${field === 'BDAY' ? 'bday' : 'anniversary'}.ics`;
}

/**
 * Creates the birthday calendar in a home inside the caller's transaction (UserService.create, and
 * turning it on); returns its instance id (that of the one there, if a concurrent call made it
 * first), or null when both of its names are taken by calendars of the user.
 */
export async function insertBirthdayCalendar(em: SqlEntityManager, principaluri: string, at: Date): Promise<number | null> {
  const [there] = await loadViews(em, { principaluri, generated: BIRTHDAYS, owned: true });
  if (there) return there.instanceId;
  for (const uri of CALENDAR_URIS) {
    if (await em.count(CalendarInstance, { principaluri, uri })) continue;
    const { instanceId } = await insertCalendar(em, {
      principaluri,
      uri,
      displayname: BIRTHDAY_CALENDAR_NAME,
      color: BIRTHDAY_CALENDAR_COLOR,
      components: ['VEVENT'],
      transparent: true,
      generated: BIRTHDAYS,
    });
    await noteHomeMember(em, principaluri, uri, 'changed', at);
    return instanceId;
  }
  return null;
}

/** A card's events as they should be in the calendar: by field, the object's UID and text. */
type Wanted = Map<BirthdayField, { uid: string; text: string }>;

export class BirthdayService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly calendars: CalendarService,
    private readonly objects: ObjectService,
    private readonly addressBooks: AddressBookService,
    private readonly cards: CardService,
  ) {}

  /** The user's birthday calendar, null when it is off. */
  async calendar(actor: Actor): Promise<CalendarView | null> {
    return (await loadViews(this.ctx.db.em(), { principaluri: actor.principaluri, generated: BIRTHDAYS, owned: true }))[0] ?? null;
  }

  async isEnabled(actor: Actor): Promise<boolean> {
    return (await this.calendar(actor)) !== null;
  }

  /**
   * Turns the user's birthday calendar on (created, then filled from every card of the user's
   * address books) or off (removed with its events); returns the calendar, null when off. Turning
   * it on while it is on changes nothing.
   */
  async setEnabled(actor: Actor, on: boolean): Promise<CalendarView | null> {
    const current = await this.calendar(actor);
    if (!on) {
      if (current) await this.calendars.deleteInstance(current);
      return null;
    }
    if (current) return current;
    let instanceId: number | null;
    try {
      instanceId = await this.ctx.db.transactional((em) => insertBirthdayCalendar(em, actor.principaluri, this.ctx.clock.now()));
    } catch (e) {
      // Turned on twice at once: the unique name decides, and the other one fills it.
      if (e instanceof UniqueConstraintViolationException) return this.calendar(actor);
      throw e;
    }
    if (instanceId === null) {
      throw conflict(`calendars named ${CALENDAR_URIS.join(' and ')} exist already: rename one to turn the birthday calendar on`, { code: 'exists' });
    }
    const view = (await this.calendars.getByInstanceId(instanceId)) as CalendarView;
    for (const book of await this.addressBooks.list(actor)) await this.fillFrom(actor, view, book);
    return this.calendars.refresh(view);
  }

  /**
   * Writes the events of every card of `book`, a batch of cards at a time: each batch is prepared
   * (validated and indexed in the compute pool) first, then stored in one transaction.
   */
  private async fillFrom(actor: Actor, view: CalendarView, book: AddressBookView): Promise<void> {
    const stamp = this.stamp();
    for await (const batch of this.cards.all(book)) {
      const writes: { uri: string; prepared: PreparedObject }[] = [];
      for (const card of batch) {
        for (const e of birthdayEvents(card.data, card.uid, String(book.id), stamp)) {
          const uri = birthdayObjectUri(book.id, card.uri, e.field);
          const prepared = await this.prepare(view, uri, e.text);
          if (prepared) writes.push({ uri, prepared });
        }
      }
      if (!writes.length) continue;
      await this.ctx.db.transactional(async (em) => {
        for (const w of writes) await this.objects.store(em, actor, view, w.uri, w.prepared, {}, BIRTHDAYS_ORIGIN);
      });
    }
  }

  /**
   * The CardListener: brings the card's events in the owner's birthday calendar (if on) in line with
   * the card, in the card write's transaction. An event whose text says the same as before is left
   * alone, so that editing a card's phone number moves no birthday.
   */
  async onCardWrite(em: SqlEntityManager, change: CardChange): Promise<void> {
    const stamp = this.stamp();
    const scope = String(change.book.id);
    const wanted: Wanted = new Map();
    if (change.data !== undefined) {
      for (const e of birthdayEvents(change.data, change.uid, scope, stamp)) wanted.set(e.field, e);
    }
    // A card that gives no event and gave none before has none in the calendar: nothing to read.
    if (!wanted.size && (change.previous === undefined || !birthdayEvents(change.previous, change.uid, scope, stamp).length)) return;
    const [view] = await loadViews(em, { principaluri: change.book.principaluri, generated: BIRTHDAYS, owned: true });
    if (!view) return;
    await this.apply(em, change.actor, view, change.book.id, change.uri, wanted);
  }

  /** Stores, replaces or removes the events of one card so that they are what `wanted` says. */
  private async apply(em: SqlEntityManager, actor: Actor | null, view: CalendarView, bookId: number, cardUri: string, wanted: Wanted): Promise<void> {
    for (const field of FIELDS) {
      const uri = birthdayObjectUri(bookId, cardUri, field);
      const want = wanted.get(field);
      const existing = await this.objects.read(em, view, uri);
      if (existing && want && existing.uid === want.uid && sameBirthdayEvent(existing.data, want.text)) continue;
      const prepared = want ? await this.prepare(view, uri, want.text) : null;
      // A UID is kept by its name (RFC 4791 §5.3.2.1): an event of another UID replaces it anew.
      if (existing && (!prepared || existing.uid !== want?.uid)) await this.objects.remove(em, actor, view, uri, {}, BIRTHDAYS_ORIGIN);
      if (prepared) await this.objects.store(em, actor, view, uri, prepared, {}, BIRTHDAYS_ORIGIN);
    }
  }

  /**
   * An event prepared for storing; null, logged, when the object write path refuses it: a card
   * is never refused for its birthday, and the calendar goes without that event.
   */
  private async prepare(view: CalendarView, uri: string, text: string): Promise<PreparedObject | null> {
    try {
      return await this.objects.prepare(view, text);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      this.ctx.log.warn({ calendarId: view.calendarId, uri, error: e.message }, 'birthday event not written');
      return null;
    }
  }

  /**
   * Removes the events of a whole address book, in the transaction that removes it (its cards go
   * by cascade, without a card write each).
   */
  async onBookRemove(em: SqlEntityManager, book: AddressBookView): Promise<void> {
    const [view] = await loadViews(em, { principaluri: book.principaluri, generated: BIRTHDAYS, owned: true });
    if (!view) return;
    for (const uri of await this.objects.urisWithPrefix(em, view, `${book.id}-`)) {
      await this.objects.remove(em, null, view, uri, {}, BIRTHDAYS_ORIGIN);
    }
  }

  /** DTSTAMP of the events written now (RFC 5545 §3.8.7.2: when the object was made). */
  private stamp(): number {
    return Math.floor(this.ctx.clock.now().getTime() / 1000);
  }
}
