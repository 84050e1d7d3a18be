// The user's address books: list, create, settings (name, description), the CardDAV URL, export
// as one .vcf file, and delete after typing the name. (Sharing address books comes later.)
import { randomBytes } from 'node:crypto';
import type { AddressBookView } from '../../domain/addressBooks.ts';
import { field, signedIn, WebError, type WebHandler } from '../call.ts';
import { html } from '../html.ts';
import { copyable, csrfField } from '../layout.ts';
import { addressBookUrl } from '../urls.ts';
import { bookName, bookOf } from './contacts.ts';

const seg = encodeURIComponent;

export const listAddressBooks: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const books = await deps.domain.addressBooks.list(actor);
  const rows = books.map(
    (b) => html`<tr>
      <td><a href="${f.href(`/my/contacts/books/${seg(b.uri)}`)}">${bookName(b)}</a></td>
      <td class="wrap">${b.description ?? ''}</td>
      <td class="num">${b.cardCount}</td>
    </tr>`,
  );
  const body = html`<div class="table-wrap"><table>
    <caption class="visually-hidden">${t('books.title')}</caption>
    <thead><tr><th scope="col">${t('books.name')}</th><th scope="col">${t('books.description')}</th><th scope="col" class="num">${t('books.cards')}</th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="3">${t('books.empty')}</td></tr>`}</tbody></table></div>
  <section class="card" aria-labelledby="new-book"><h2 id="new-book">${t('books.new')}</h2>
  <form method="post" action="${f.href('/my/contacts/books')}">${csrfField(f)}
    <label for="b-name">${t('books.name')}</label><input id="b-name" name="name" required maxlength="255">
    <label for="b-desc">${t('books.description')}</label><textarea id="b-desc" name="description" rows="2" maxlength="1000"></textarea>
    <button type="submit">${t('common.create')}</button>
  </form></section>`;
  return { kind: 'page', title: t('books.title'), body };
};

/** A name for a new address book's URL: its words, or random when they give nothing usable. */
export function bookUriFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .slice(0, 40);
  return `${slug || 'contacts'}-${randomBytes(3).toString('hex')}`;
}

export const createAddressBook: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const name = field(call, 'name').trim();
  const book = await deps.domain.addressBooks.create(actor, bookUriFor(name), { displayname: name || null, description: field(call, 'description').trim() || null });
  return { kind: 'redirect', to: `/my/contacts/books/${seg(book.uri)}`, notice: { key: 'books.created', params: { name: bookName(book) } } };
};

export const showAddressBook: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const b = await bookOf(call, deps);
  const base = `/my/contacts/books/${seg(b.uri)}`;
  const body = html`<section class="card" aria-labelledby="settings"><h2 id="settings">${t('books.settings')}</h2>
    <form method="post" action="${f.href(base)}">${csrfField(f)}
      <label for="e-name">${t('books.name')}</label><input id="e-name" name="name" maxlength="255" value="${b.displayname ?? ''}">
      <label for="e-desc">${t('books.description')}</label><textarea id="e-desc" name="description" rows="3" maxlength="1000">${b.description ?? ''}</textarea>
      <button type="submit">${t('common.save')}</button>
    </form></section>
  <section class="card" aria-labelledby="links"><h2 id="links">${t('books.carddavUrl')}</h2>
    ${copyable(f, 'carddav-url', addressBookUrl(call, deps, user.username, b.uri), t('books.carddavUrl'))}
    <p>${t('books.count', { count: b.cardCount })}</p>
    <p class="view-nav"><a class="button secondary" href="${f.href(`${base}/export`)}" download>${t('books.export')}</a>
    <a class="button secondary" href="${f.href(`/my/contacts/import?into=${seg(b.uri)}`)}">${t('contacts.import')}</a>
    <a class="button secondary" href="${f.href(`/my/contacts/new?book=${seg(b.uri)}`)}">${t('contacts.new')}</a></p>
  </section>
  <section class="card danger" aria-labelledby="danger"><h2 id="danger">${t('books.danger')}</h2>
    <form method="post" action="${f.href(`${base}/delete`)}">${csrfField(f)}
      <p>${t('books.deleteHint', { name: bookName(b), count: b.cardCount })}</p>
      <label for="confirm">${t('books.confirmName')}</label><input id="confirm" name="confirm" required autocomplete="off" data-must-equal="${bookName(b)}" data-controls="delete-book">
      <button type="submit" id="delete-book" class="danger">${t('common.delete')}</button>
    </form></section>`;
  return { kind: 'page', title: t('books.bookTitle', { name: bookName(b) }), body };
};

export const updateAddressBook: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const b = await bookOf(call, deps);
  await deps.domain.addressBooks.update(actor, b, { displayname: field(call, 'name').trim() || null, description: field(call, 'description').trim() || null });
  return { kind: 'redirect', to: `/my/contacts/books/${seg(b.uri)}`, notice: { key: 'books.saved' } };
};

export const deleteAddressBook: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const b = await bookOf(call, deps);
  if (field(call, 'confirm').trim() !== bookName(b)) throw new WebError(400, 'books.deleteMismatch');
  await deps.domain.addressBooks.remove(actor, b);
  return { kind: 'redirect', to: '/my/contacts/books', notice: { key: 'books.deleted', params: { name: bookName(b) } } };
};

/** Every card as stored, one after the other (a .vcf file is the cards' concatenation). */
async function* vcfOf(cards: AsyncIterable<{ data: string }[]>): AsyncGenerator<string> {
  for await (const batch of cards) for (const c of batch) yield c.data.endsWith('\n') ? c.data : `${c.data}\r\n`;
}

export const exportAddressBook: WebHandler = async (call, deps) => {
  const b: AddressBookView = await bookOf(call, deps);
  return { kind: 'file', type: 'text/vcard; charset=utf-8', filename: `${bookName(b)}.vcf`, body: vcfOf(deps.domain.cards.all(b)) };
};
