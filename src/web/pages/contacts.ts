// The Contacts page: the user's contacts across their address books with a server-side search
// (name, organisation, e-mail, phone), a contact's page (photo shown, never fetched by the
// server), the contact form (create and edit), and delete after a confirmation page. Writes go
// through domain.cards, the same path as a CardDAV PUT, so clients see them on their next sync.
import { randomUUID } from 'node:crypto';
import type { AddressBookView } from '../../domain/addressBooks.ts';
import { BIRTHDAY, displayNameOf, editCard, emptyAddress, newCard, readContact, type Contact, type ContactFields, type PostalAddress } from '../../vcard/build.ts';
import { matchesContact } from '../contactSearch.ts';
import { field, signedIn, WebError, type WebAnswer, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import type { MessageKey, Translate } from '../i18n/index.ts';
import { csrfField, type Notice, type PageFrame } from '../layout.ts';

/** How many rows the list shows at most (the search narrows it). */
export const MAX_LISTED = 500;
const MAX_TEXT = 10_000;
const MAX_ROWS = 50;

export const bookName = (b: AddressBookView) => b.displayname || b.uri;
const seg = encodeURIComponent;
export const cardPath = (b: AddressBookView, uri: string) => `/my/contacts/card/${seg(b.uri)}/${seg(uri)}`;

/** The signed-in user's address book named in the path (or given), or 404. */
export async function bookOf(call: WebCall, deps: WebDeps, uri = String(call.req.params.book ?? '')): Promise<AddressBookView> {
  const { actor } = signedIn(call);
  const book = await deps.domain.addressBooks.get(actor, actor.username, uri);
  if (!book) throw new WebError(404, 'error.notFound');
  return book;
}

interface Listed {
  book: AddressBookView;
  uri: string;
  contact: Contact;
}

export const listContacts: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const q = typeof call.req.query.q === 'string' ? call.req.query.q.slice(0, 200) : '';
  const books = await deps.domain.addressBooks.list(actor);
  const found: Listed[] = [];
  let total = 0;
  for (const book of books)
    for await (const batch of deps.domain.cards.all(book))
      for (const card of batch) {
        total++;
        const contact = readContact(card.data);
        if (matchesContact(contact, q)) found.push({ book, uri: card.uri, contact });
      }
  const collator = new Intl.Collator(f.lang, { sensitivity: 'base' });
  const sortName = (c: Contact) => c.familyName || displayNameOf(c);
  found.sort((a, b) => collator.compare(sortName(a.contact), sortName(b.contact)) || collator.compare(displayNameOf(a.contact), displayNameOf(b.contact)));
  const shown = found.slice(0, MAX_LISTED);
  const several = books.length > 1;
  const rows = shown.map(
    ({ book, uri, contact: c }) => html`<tr>
      <td><a href="${f.href(cardPath(book, uri))}">${displayNameOf(c) || t('contacts.unnamed')}</a></td>
      <td class="wrap">${c.emails.slice(0, 2).join(', ')}</td>
      <td>${c.phones.slice(0, 2).join(', ')}</td>
      <td class="wrap">${c.organization}</td>
      ${several ? html`<td>${bookName(book)}</td>` : ''}
    </tr>`,
  );
  const notices: Notice[] = found.length > shown.length ? [{ kind: 'ok', text: t('contacts.capped', { count: MAX_LISTED, total: found.length }) }] : [];
  const body = html`<div class="view-nav">
      <a class="button" href="${f.href('/my/contacts/new')}">${t('contacts.new')}</a>
      <a class="button secondary" href="${f.href('/my/contacts/import')}">${t('contacts.import')}</a>
      <a class="button secondary" href="${f.href('/my/contacts/books')}">${t('contacts.books')}</a>
    </div>
    <form method="get" action="${f.href('/my/contacts')}" class="row search" role="search">
      <div><label for="q">${t('contacts.search')}</label><input id="q" name="q" type="search" value="${q}" maxlength="200" autocomplete="off"></div>
      <button type="submit">${t('contacts.searchSubmit')}</button>
    </form>
    <p class="hint" role="status">${q ? t('contacts.found', { count: found.length, total }) : t('contacts.count', { total })}</p>
    <div class="table-wrap"><table>
    <caption class="visually-hidden">${t('contacts.title')}</caption>
    <thead><tr><th scope="col">${t('contact.name')}</th><th scope="col">${t('contact.emails')}</th><th scope="col">${t('contact.phones')}</th><th scope="col">${t('contact.organization')}</th>${several ? html`<th scope="col">${t('contact.book')}</th>` : ''}</tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="${several ? 5 : 4}">${q ? t('contacts.noMatch') : t('contacts.empty')}</td></tr>`}</tbody></table></div>`;
  return { kind: 'page', title: t('contacts.title'), body, notices };
};

async function cardOf(call: WebCall, deps: WebDeps): Promise<{ book: AddressBookView; uri: string; data: string; etag: string }> {
  const book = await bookOf(call, deps);
  const uri = String(call.req.params.card ?? '');
  const card = await deps.domain.cards.get(book, uri);
  if (!card) throw new WebError(404, 'error.notFound');
  return { book, uri, data: card.data, etag: card.etag };
}

const typeWords = (types: string[] | undefined) => (types?.length ? html` <span class="badge">${types.join(', ')}</span>` : '');

function addressLines(a: PostalAddress): string[] {
  return [a.street, [a.postalCode, a.locality].filter(Boolean).join(' '), a.region, a.country].filter(Boolean);
}

/** A photo's origin for the page's CSP (http(s) URLs only; data: URIs are allowed already). */
function photoOrigin(photo: string | null): string[] {
  if (!photo || photo.startsWith('data:')) return [];
  try {
    return [new URL(photo).origin];
  } catch {
    return [];
  }
}

export const showContact: WebHandler = async (call, deps) => {
  const f = call.frame;
  const t = f.t;
  const { book, uri, data } = await cardOf(call, deps);
  const c = readContact(data);
  const name = displayNameOf(c) || t('contacts.unnamed');
  const path = cardPath(book, uri);
  const item = (label: string, value: Html | string | false) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : '');
  const list = (values: Html[]) => (values.length ? html`<ul class="plain">${values.map((v) => html`<li>${v}</li>`)}</ul>` : false);
  const body = html`<section class="card contact" aria-label="${name}">
    ${c.photo ? html`<img class="photo" src="${c.photo}" alt="${t('contact.photoOf', { name })}" referrerpolicy="no-referrer" width="96" height="96">` : ''}
    <dl>
      ${item(t('contact.organization'), c.organization)}
      ${item(t('contact.emails'), list(c.emails.map((e, i) => html`<a href="mailto:${e}">${e}</a>${typeWords(c.emailTypes[i])}`)))}
      ${item(t('contact.phones'), list(c.phones.map((p, i) => html`<a href="tel:${p.replace(/[^\d+*#,;]/g, '')}">${p}</a>${typeWords(c.phoneTypes[i])}`)))}
      ${item(t('contact.addresses'), list(c.addresses.map((a, i) => html`<span class="address">${addressLines(a).map((l, j) => html`${j ? html`<br>` : ''}${l}`)}</span>${typeWords(c.addressTypes[i])}`)))}
      ${item(t('contact.birthday'), c.birthday)}
      ${item(t('contact.note'), c.note ? html`<span class="note">${c.note}</span>` : false)}
      ${item(t('contact.book'), html`<a href="${f.href(`/my/contacts/books/${seg(book.uri)}`)}">${bookName(book)}</a>`)}
    </dl>
    <p class="view-nav"><a class="button" href="${f.href(`${path}/edit`)}">${t('contact.edit')}</a>
    <a class="button secondary" href="${f.href(`${path}/delete`)}">${t('contact.delete')}</a>
    <a class="button secondary" href="${f.href('/my/contacts')}">${t('contact.back')}</a></p>
  </section>`;
  return { kind: 'page', title: name, body, imageOrigins: photoOrigin(c.photo) };
};

// The contact form ------------------------------------------------------------------------------

interface FormTarget {
  book: AddressBookView;
  uri: string;
  etag: string;
}

const blankFields = (): ContactFields => ({ formattedName: '', givenName: '', familyName: '', organization: '', emails: [], phones: [], addresses: [], birthday: '', note: '' });
const blankAddress = (): PostalAddress => ({ street: '', locality: '', region: '', postalCode: '', country: '' });

/** The form's fields; rows are numbered from 0 and read until the first missing number. */
export function readContactForm(form: Record<string, string>): { fields: ContactFields; problems: MessageKey[] } {
  const rows = (prefix: string) => {
    const out: string[] = [];
    for (let i = 0; i < MAX_ROWS && `${prefix}${i}` in form; i++) out.push(form[`${prefix}${i}`] ?? '');
    return out;
  };
  const addresses: PostalAddress[] = [];
  for (let i = 0; i < MAX_ROWS && `adr${i}_street` in form; i++) {
    const get = (k: string) => form[`adr${i}_${k}`] ?? '';
    addresses.push({ street: get('street'), locality: get('locality'), region: get('region'), postalCode: get('postalCode'), country: get('country') });
  }
  const fields: ContactFields = {
    formattedName: form.formattedName ?? '',
    givenName: form.givenName ?? '',
    familyName: form.familyName ?? '',
    organization: form.organization ?? '',
    emails: rows('email'),
    phones: rows('phone'),
    addresses,
    birthday: (form.birthday ?? '').trim(),
    note: form.note ?? '',
  };
  const problems: MessageKey[] = [];
  if (!displayNameOf(fields)) problems.push('contact.noName');
  if (fields.birthday && !validBirthday(fields.birthday)) problems.push('contact.badBirthday');
  const texts = [fields.formattedName, fields.givenName, fields.familyName, fields.organization, fields.note, ...fields.emails, ...fields.phones, ...addresses.flatMap((a) => Object.values(a))];
  if (texts.some((x) => x.length > MAX_TEXT)) problems.push('contact.tooLong');
  return { fields, problems };
}

function validBirthday(day: string): boolean {
  if (!BIRTHDAY.test(day)) return false;
  const [month, date] = day.slice(-5).split('-').map(Number) as [number, number];
  const year = day.startsWith('--') ? 2000 : Number(day.slice(0, 4));
  const d = new Date(Date.UTC(year, month - 1, date));
  return month >= 1 && month <= 12 && d.getUTCMonth() === month - 1 && d.getUTCDate() === date;
}

function textRow(id: string, name: string, label: string, value: string, mode: 'email' | 'tel'): Html {
  return html`<label for="${id}">${label}</label><input id="${id}" name="${name}" value="${value}" maxlength="${MAX_TEXT}" inputmode="${mode}" autocomplete="off" spellcheck="false">`;
}

function addressRow(t: Translate, i: number, a: PostalAddress): Html {
  const input = (k: keyof PostalAddress, key: MessageKey) => html`<label for="adr${i}-${k}">${t(key)}</label><input id="adr${i}-${k}" name="adr${i}_${k}" value="${a[k]}" maxlength="${MAX_TEXT}" autocomplete="off">`;
  return html`<fieldset><legend>${t('contact.addressN', { n: i + 1 })}</legend>
    ${input('street', 'contact.street')}
    <div class="row"><div>${input('postalCode', 'contact.postalCode')}</div><div>${input('locality', 'contact.locality')}</div></div>
    <div class="row"><div>${input('region', 'contact.region')}</div><div>${input('country', 'contact.country')}</div></div>
  </fieldset>`;
}

/** The rows without trailing empty ones, and one empty row (rows match the card's lines by position). */
function withBlank<T>(rows: T[], isEmpty: (x: T) => boolean, blank: T): T[] {
  let end = rows.length;
  while (end > 0 && isEmpty(rows[end - 1] as T)) end--;
  return [...rows.slice(0, end), blank];
}

function renderForm(call: WebCall, books: AddressBookView[], chosenBook: string, fields: ContactFields, target: FormTarget | null, notices: Notice[] = [], status = 200): WebAnswer {
  const f: PageFrame = call.frame;
  const t = f.t;
  // Every row the card has, and one empty row to add another (the form works without script).
  const emails = withBlank(fields.emails, (e) => !e.trim(), '');
  const phones = withBlank(fields.phones, (p) => !p.trim(), '');
  const addresses = withBlank(fields.addresses, emptyAddress, blankAddress());
  const action = target ? cardPath(target.book, target.uri) : '/my/contacts';
  const bookField = target
    ? html`<p>${t('contact.book')}: <strong>${bookName(target.book)}</strong></p>`
    : books.length > 1
      ? html`<label for="ct-book">${t('contact.book')}</label><select id="ct-book" name="book">${books.map((b) => html`<option value="${b.uri}"${b.uri === chosenBook ? html` selected` : ''}>${bookName(b)}</option>`)}</select>`
      : html`<input type="hidden" name="book" value="${books[0]?.uri ?? ''}">`;
  const body = html`<form method="post" action="${f.href(action)}" class="card contact-form">${csrfField(f)}
    <input type="hidden" name="etag" value="${target?.etag ?? ''}">
    <div class="row">
      <div><label for="ct-given">${t('contact.givenName')}</label><input id="ct-given" name="givenName" value="${fields.givenName}" maxlength="${MAX_TEXT}" autocomplete="off"></div>
      <div><label for="ct-family">${t('contact.familyName')}</label><input id="ct-family" name="familyName" value="${fields.familyName}" maxlength="${MAX_TEXT}" autocomplete="off"></div>
    </div>
    <label for="ct-fn">${t('contact.formattedName')}</label><input id="ct-fn" name="formattedName" value="${fields.formattedName}" maxlength="${MAX_TEXT}" autocomplete="off" aria-describedby="ct-fn-hint">
    <p class="hint" id="ct-fn-hint">${t('contact.formattedNameHint')}</p>
    <label for="ct-org">${t('contact.organization')}</label><input id="ct-org" name="organization" value="${fields.organization}" maxlength="${MAX_TEXT}" autocomplete="off">
    ${bookField}
    <fieldset><legend>${t('contact.emails')}</legend>${emails.map((e, i) => textRow(`ct-email${i}`, `email${i}`, t('contact.emailN', { n: i + 1 }), e, 'email'))}</fieldset>
    <fieldset><legend>${t('contact.phones')}</legend>${phones.map((p, i) => textRow(`ct-phone${i}`, `phone${i}`, t('contact.phoneN', { n: i + 1 }), p, 'tel'))}</fieldset>
    ${addresses.map((a, i) => addressRow(t, i, a))}
    <label for="ct-bday">${t('contact.birthday')}</label><input id="ct-bday" name="birthday" value="${fields.birthday}" maxlength="10" placeholder="1985-04-12" pattern="\\d{4}-\\d{2}-\\d{2}|--\\d{2}-\\d{2}" aria-describedby="ct-bday-hint" autocomplete="off">
    <p class="hint" id="ct-bday-hint">${t('contact.birthdayHint')}</p>
    <label for="ct-note">${t('contact.note')}</label><textarea id="ct-note" name="note" rows="4" maxlength="${MAX_TEXT}">${fields.note}</textarea>
    <p class="hint">${t('contact.keepsOthers')}</p>
    <button type="submit">${t('common.save')}</button>
  </form>`;
  return { kind: 'page', title: target ? t('contact.editTitle', { name: displayNameOf(fields) }) : t('contacts.new'), body, notices, status };
}

const problemsOf = (t: Translate, problems: MessageKey[]): Notice[] => problems.map((p) => ({ kind: 'error', text: t(p) }));

export const newContactForm: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const books = await deps.domain.addressBooks.list(actor);
  const asked = typeof call.req.query.book === 'string' ? call.req.query.book : '';
  return renderForm(call, books, books.some((b) => b.uri === asked) ? asked : (books.find((b) => b.uri === 'default') ?? books[0])?.uri ?? '', blankFields(), null);
};

export const createContact: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const books = await deps.domain.addressBooks.list(actor);
  const book = books.find((b) => b.uri === field(call, 'book'));
  if (!book) throw new WebError(404, 'error.notFound');
  const { fields, problems } = readContactForm(call.form);
  if (problems.length) return renderForm(call, books, book.uri, fields, null, problemsOf(call.frame.t, problems), 400);
  const id = randomUUID();
  const uri = `${id}.vcf`;
  await deps.domain.cards.put(actor, book, uri, newCard(fields, `urn:uuid:${id}`), { ifNoneMatch: ['*'] });
  return { kind: 'redirect', to: cardPath(book, uri), notice: { key: 'contact.saved' } };
};

export const editContactForm: WebHandler = async (call, deps) => {
  const { book, uri, data, etag } = await cardOf(call, deps);
  const c = readContact(data);
  // A display name that is just the names is left empty in the form, so that it follows them
  // when they are edited (and stays as it is when they are not).
  if (c.formattedName === displayNameOf({ ...c, formattedName: '' })) c.formattedName = '';
  return renderForm(call, [], book.uri, c, { book, uri, etag });
};

export const updateContact: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const { book, uri, data, etag } = await cardOf(call, deps);
  const sent = field(call, 'etag');
  const { fields, problems } = readContactForm(call.form);
  if (problems.length) return renderForm(call, [], book.uri, fields, { book, uri, etag: sent || etag }, problemsOf(call.frame.t, problems), 400);
  // The card as stored now is edited; If-Match with the ETag the form was made from refuses the
  // save (409, "changed elsewhere") when a client changed the card meanwhile.
  if (sent && sent !== etag) throw new WebError(409, 'error.conflict');
  await deps.domain.cards.put(actor, book, uri, editCard(data, fields), { ifMatch: [sent || etag] });
  return { kind: 'redirect', to: cardPath(book, uri), notice: { key: 'contact.saved' } };
};

export const confirmDeleteContact: WebHandler = async (call, deps) => {
  const f = call.frame;
  const t = f.t;
  const { book, uri, data, etag } = await cardOf(call, deps);
  const name = displayNameOf(readContact(data)) || t('contacts.unnamed');
  const path = cardPath(book, uri);
  const body = html`<form method="post" action="${f.href(`${path}/delete`)}" class="card danger">${csrfField(f)}
    <input type="hidden" name="etag" value="${etag}">
    <p>${t('contact.deleteHint', { name, book: bookName(book) })}</p>
    <button type="submit" class="danger" id="delete-contact">${t('common.delete')}</button>
    <a class="button secondary" href="${f.href(path)}">${t('contact.cancel')}</a>
  </form>`;
  return { kind: 'page', title: t('contact.deleteTitle', { name }), body };
};

export const deleteContact: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const { book, uri, data } = await cardOf(call, deps);
  const etag = field(call, 'etag');
  await deps.domain.cards.delete(actor, book, uri, etag ? { ifMatch: [etag] } : {});
  return { kind: 'redirect', to: '/my/contacts', notice: { key: 'contact.deleted', params: { name: displayNameOf(readContact(data)) } } };
};
