// Importing a .vcf file (one card or many) into an existing address book or a new one. Each card
// is written like a CardDAV PUT (the same checks, the same write path) and stored as it is in the
// file; a card without a UID gets one (src/vcard/build.ts). A card whose UID is already in the
// address book replaces it. The report counts what was stored and replaced and names every
// refused card with its UID, its name and the reason. A file that is not UTF-8 text, or not
// vCard at all, changes nothing and brings the form back (400) with the reason beside the file
// field in the user's language. A done import answers 303; its report waits in the session's
// flash for the import page, shown once.
import { randomUUID } from 'node:crypto';
import { MAX_ADDRESS_BOOK_NAME_LENGTH, type AddressBookView } from '../../domain/addressBooks.ts';
import { DomainError } from '../../domain/errors.ts';
import { hexByte, textProblem, type TextProblem } from '../../http/text.ts';
import { cardUriFor, splitCards } from '../../vcard/build.ts';
import { field, signedIn, WebError, type WebAnswer, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import type { Translate } from '../i18n/index.ts';
import { csrfField } from '../layout.ts';
import { kept, NO_REFILL, problemOf, refill, refusedNotice, type Refill } from '../forms.ts';
import { MAX_LISTED_REFUSALS } from './importPage.ts';
import { bookName } from './contacts.ts';
import { bookUriFor } from './addressBooks.ts';

export interface CardImportReport {
  stored: number;
  replaced: number;
  /** Cards that had no UID and were given one. */
  uidsAdded: number;
  refused: { uid: string | null; name: string | null; reason: string }[];
  book: AddressBookView | null;
}

/** The report as the flash keeps it for the page after the redirect. */
interface KeptReport {
  stored: number;
  replaced: number;
  uidsAdded: number;
  refusedCount: number;
  refused: { uid: string | null; name: string | null; reason: string }[];
  book: { uri: string; name: string } | null;
}

function keptReport(flash: unknown): KeptReport | null {
  if (!flash || typeof flash !== 'object') return null;
  const r = flash as Partial<KeptReport>;
  if (typeof r.stored !== 'number' || typeof r.replaced !== 'number' || typeof r.uidsAdded !== 'number' || typeof r.refusedCount !== 'number' || !Array.isArray(r.refused)) return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const book = r.book && typeof r.book === 'object' && typeof r.book.uri === 'string' && typeof r.book.name === 'string' ? r.book : null;
  return {
    stored: r.stored,
    replaced: r.replaced,
    uidsAdded: r.uidsAdded,
    refusedCount: r.refusedCount,
    refused: r.refused.map((x: unknown) => {
      const o = (x && typeof x === 'object' ? x : {}) as Record<string, unknown>;
      return { uid: text(o.uid), name: text(o.name), reason: text(o.reason) ?? '' };
    }),
    book,
  };
}

async function form(call: WebCall, deps: WebDeps, report: KeptReport | null, r: Refill = NO_REFILL): Promise<Html> {
  const { actor } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const books = await deps.domain.addressBooks.list(actor);
  const asked = kept(r, 'import', 'into', typeof call.req.query.into === 'string' ? call.req.query.into : (report?.book?.uri ?? ''));
  const file = problemOf(r, 'import', 'file', 'file');
  const reportPart = report
    ? html`<section class="card" aria-labelledby="report"><h2 id="report">${t('import.report', { stored: report.stored, replaced: report.replaced, refused: report.refusedCount })}</h2>
      ${report.book ? html`<p><a href="${f.href(`/my/contacts/books/${encodeURIComponent(report.book.uri)}`)}">${report.book.name}</a></p>` : ''}
      ${report.uidsAdded ? html`<p class="hint">${t('cimport.uidsAdded', { count: report.uidsAdded })}</p>` : ''}
      ${
        report.refused.length
          ? html`<h3>${t('import.refused')}</h3><ul class="refused">${report.refused.map((x) => html`<li><span class="mono">${x.uid ?? t('import.noUid')}</span>${x.name ? html` (${x.name})` : ''}: ${x.reason}</li>`)}</ul>
            ${report.refusedCount > report.refused.length ? html`<p>${t('import.more', { count: report.refusedCount - report.refused.length })}</p>` : ''}`
          : ''
      }</section>`
    : '';
  return html`${reportPart}<form method="post" action="${f.href('/my/contacts/import')}" enctype="multipart/form-data" class="card">${csrfField(f)}
    <label for="file">${t('cimport.file')}</label><input id="file" name="file" type="file" accept=".vcf,.vcard,text/vcard,text/x-vcard" required${file.attrs}>${file.message}
    <label for="into">${t('import.into')}</label>
    <select id="into" name="into">
      <option value="">${t('cimport.newBook')}</option>
      ${books.map((b) => html`<option value="${b.uri}"${b.uri === asked ? html` selected` : ''}>${bookName(b)}</option>`)}
    </select>
    <label for="newname">${t('cimport.newName')}</label><input id="newname" name="newname" maxlength="${MAX_ADDRESS_BOOK_NAME_LENGTH}" value="${kept(r, 'import', 'newname')}"${problemOf(r, 'import', 'newname', 'newname').attrs}>${problemOf(r, 'import', 'newname', 'newname').message}
    <button type="submit">${t('import.submit')}</button>
  </form>`;
}

export const showCardImport: WebHandler = async (call, deps) => ({ kind: 'page', title: call.frame.t('cimport.title'), body: await form(call, deps, keptReport(call.flash)) });

function notText(t: Translate, p: TextProblem): string {
  switch (p.kind) {
    case 'utf16':
      return t('import.notUtf16');
    case 'binary':
      return t('cimport.notBinary', { format: p.format });
    case 'nul':
      return t('cimport.notNul');
    case 'invalid':
      return p.line === null ? t('import.notUtf8At', { offset: p.offset, byte: hexByte(p.byte) }) : t('import.notUtf8', { line: p.line, byte: hexByte(p.byte) });
  }
}

async function refusedFile(call: WebCall, deps: WebDeps, text: string): Promise<WebAnswer> {
  const r = refill('import', call.form, { file: text });
  return { kind: 'page', status: 400, title: call.frame.t('cimport.title'), body: await form(call, deps, null, r), notices: refusedNotice(call.frame, r) };
}

/** UID → resource name of the cards already in the book, so that a card with a known UID replaces it. */
async function urisByUid(deps: WebDeps, book: AddressBookView): Promise<{ byUid: Map<string, string>; taken: Set<string> }> {
  const byUid = new Map<string, string>();
  const taken = new Set<string>();
  for await (const batch of deps.domain.cards.all(book))
    for (const c of batch) {
      byUid.set(c.uid, c.uri);
      taken.add(c.uri);
    }
  return { byUid, taken };
}

export const runCardImport: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const t = call.frame.t;
  if (!call.file || call.file.data.byteLength === 0) return refusedFile(call, deps, t('cimport.noFile'));
  const problem = textProblem(call.file.data);
  if (problem) return refusedFile(call, deps, notText(t, problem));
  const split = splitCards(call.file.data.toString('utf8'), deps.config.limits.maxImportObjects);
  if (split.problem) return refusedFile(call, deps, t('cimport.notVcard', { reason: split.problem }));

  const into = field(call, 'into');
  if (!into && field(call, 'newname').trim().length > MAX_ADDRESS_BOOK_NAME_LENGTH) {
    const r = refill('import', call.form, { newname: t('calendars.nameTooLong', { max: MAX_ADDRESS_BOOK_NAME_LENGTH }) });
    return { kind: 'page', status: 400, title: t('cimport.title'), body: await form(call, deps, null, r), notices: refusedNotice(call.frame, r) };
  }
  let book: AddressBookView | null = null;
  if (into) {
    book = await deps.domain.addressBooks.get(actor, actor.username, into);
    if (!book) throw new WebError(404, 'error.notFound');
  }
  const made = !book;
  if (!book) {
    const name = field(call, 'newname').trim() || call.file.name.replace(/\.(vcf|vcard)$/i, '').slice(0, 200) || 'Import';
    book = await deps.domain.addressBooks.create(actor, bookUriFor(name), { displayname: name });
  }
  const { byUid, taken } = made ? { byUid: new Map<string, string>(), taken: new Set<string>() } : await urisByUid(deps, book);
  const report: CardImportReport = { stored: 0, replaced: 0, uidsAdded: 0, refused: [], book };
  for (const card of split.cards) {
    let uri = byUid.get(card.uid);
    if (!uri) {
      uri = cardUriFor(card.uid);
      if (taken.has(uri)) uri = `${randomUUID()}.vcf`;
    }
    try {
      const { created } = await deps.domain.cards.put(actor, book, uri, card.text);
      if (created) report.stored++;
      else report.replaced++;
      if (card.uidAdded) report.uidsAdded++;
      byUid.set(card.uid, uri);
      taken.add(uri);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      report.refused.push({ uid: card.uidAdded ? null : card.uid, name: card.name, reason: e.message });
    }
  }
  if (made && report.stored === 0) {
    await deps.domain.addressBooks.remove(actor, book);
    report.book = null;
  }
  const keep: KeptReport = {
    stored: report.stored,
    replaced: report.replaced,
    uidsAdded: report.uidsAdded,
    refusedCount: report.refused.length,
    refused: report.refused.slice(0, MAX_LISTED_REFUSALS).map((x) => ({ uid: x.uid?.slice(0, 200) ?? null, name: x.name?.slice(0, 200) ?? null, reason: x.reason.slice(0, 300) })),
    book: report.book ? { uri: report.book.uri, name: bookName(report.book) } : null,
  };
  return { kind: 'redirect', to: '/my/contacts/import', flash: keep };
};
