// Importing an .ics file into an existing calendar or a new one; the report names every object
// that was refused and why (the CalDAV PUT checks, through the one write path). A file that is
// not UTF-8 text, or not iCalendar at all, brings the form back (400) with the reason beside the
// file field in the user's language, the other choices kept. A done import answers 303: its
// report waits in the session's flash for the import page, shown once (a reload imports nothing
// and shows no report).
import { randomBytes } from 'node:crypto';
import { canWriteContent } from '../../domain/access.ts';
import type { ImportReport } from '../../domain/agenda.ts';
import { MAX_CALENDAR_NAME_LENGTH, type CalendarView } from '../../domain/calendars.ts';
import { DomainError } from '../../domain/errors.ts';
import { hexByte, textProblem, type TextProblem } from '../../http/text.ts';
import { field, signedIn, WebError, type WebAnswer, type WebCall, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import type { Translate } from '../i18n/index.ts';
import { csrfField } from '../layout.ts';
import { kept, NO_REFILL, problemOf, refill, refusedNotice, type Refill } from '../forms.ts';

/** The most refused objects a report lists (the count says how many there were). */
export const MAX_LISTED_REFUSALS = 200;

/** The report as the flash keeps it for the page after the redirect. */
interface KeptReport {
  stored: number;
  replaced: number;
  refusedCount: number;
  refused: { uid: string | null; summary: string | null; reason: string }[];
  calendar: { uri: string; name: string } | null;
}

function keptReport(flash: unknown): KeptReport | null {
  if (!flash || typeof flash !== 'object') return null;
  const r = flash as Partial<KeptReport>;
  if (typeof r.stored !== 'number' || typeof r.replaced !== 'number' || typeof r.refusedCount !== 'number' || !Array.isArray(r.refused)) return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const cal = r.calendar && typeof r.calendar === 'object' && typeof r.calendar.uri === 'string' && typeof r.calendar.name === 'string' ? r.calendar : null;
  return {
    stored: r.stored,
    replaced: r.replaced,
    refusedCount: r.refusedCount,
    refused: r.refused.map((x: unknown) => {
      const o = (x && typeof x === 'object' ? x : {}) as Record<string, unknown>;
      return { uid: text(o.uid), summary: text(o.summary), reason: text(o.reason) ?? '' };
    }),
    calendar: cal,
  };
}

async function form(call: WebCall, deps: Parameters<WebHandler>[1], report: KeptReport | null, r: Refill = NO_REFILL): Promise<Html> {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const writable = (await deps.domain.calendars.listForPrincipal(user.principalUri)).filter(canWriteContent);
  const reportPart = report
    ? html`<section class="card" aria-labelledby="report"><h2 id="report">${t('import.report', { stored: report.stored, replaced: report.replaced, refused: report.refusedCount })}</h2>
      ${report.calendar ? html`<p><a href="${f.href(`/my/calendars/${encodeURIComponent(report.calendar.uri)}`)}">${report.calendar.name}</a></p>` : ''}
      ${
        report.refused.length
          ? html`<h3>${t('import.refused')}</h3><ul class="refused">${report.refused.map((x) => html`<li><span class="mono">${x.uid ?? t('import.noUid')}</span>${x.summary ? html` (${x.summary})` : ''}: ${x.reason}</li>`)}</ul>
            ${report.refusedCount > report.refused.length ? html`<p>${t('import.more', { count: report.refusedCount - report.refused.length })}</p>` : ''}`
          : ''
      }</section>`
    : '';
  const into = kept(r, 'import', 'into', typeof call.req.query.into === 'string' ? call.req.query.into : '');
  const file = problemOf(r, 'import', 'file', 'file');
  return html`${reportPart}<form method="post" action="${f.href('/my/import')}" enctype="multipart/form-data" class="card">${csrfField(f)}
    <label for="file">${t('import.file')}</label><input id="file" name="file" type="file" accept=".ics,text/calendar" required${file.attrs}>${file.message}
    <label for="into">${t('import.into')}</label>
    <select id="into" name="into">
      <option value="">${t('import.newCalendar')}</option>
      ${writable.map((v) => html`<option value="${v.uri}"${v.uri === into ? html` selected` : ''}>${v.displayname || v.uri}</option>`)}
    </select>
    <label for="newname">${t('import.newName')}</label><input id="newname" name="newname" maxlength="${MAX_CALENDAR_NAME_LENGTH}" value="${kept(r, 'import', 'newname')}"${problemOf(r, 'import', 'newname', 'newname').attrs}>${problemOf(r, 'import', 'newname', 'newname').message}
    <button type="submit">${t('import.submit')}</button>
  </form>
  <p class="hint">${t('import.contactsHint')} <a href="${f.href('/my/contacts/import')}">${t('contacts.import')}</a></p>`;
}

export const showImport: WebHandler = async (call, deps) => ({ kind: 'page', title: call.frame.t('import.title'), body: await form(call, deps, keptReport(call.flash)) });

function notText(t: Translate, p: TextProblem): string {
  switch (p.kind) {
    case 'utf16':
      return t('import.notUtf16');
    case 'binary':
      return t('import.notBinary', { format: p.format });
    case 'nul':
      return t('import.notNul');
    case 'invalid':
      return p.line === null ? t('import.notUtf8At', { offset: p.offset, byte: hexByte(p.byte) }) : t('import.notUtf8', { line: p.line, byte: hexByte(p.byte) });
  }
}

/** The form again, with why the file was refused as a whole beside it (nothing was changed). */
async function refusedFile(call: WebCall, deps: Parameters<WebHandler>[1], text: string): Promise<WebAnswer> {
  const r = refill('import', call.form, { file: text });
  return { kind: 'page', status: 400, title: call.frame.t('import.title'), body: await form(call, deps, null, r), notices: refusedNotice(call.frame, r) };
}

export const runImport: WebHandler = async (call, deps) => {
  const { user, actor } = signedIn(call);
  const t = call.frame.t;
  if (!call.file || call.file.data.byteLength === 0) return refusedFile(call, deps, t('import.noFile'));
  const problem = textProblem(call.file.data);
  if (problem) return refusedFile(call, deps, notText(t, problem));
  const into = field(call, 'into');
  const existing = into ? await deps.domain.calendars.get(user.principalUri, into) : null;
  if (into && !existing) throw new WebError(404, 'error.notFound');
  const asked = field(call, 'newname').trim();
  if (!existing && asked.length > MAX_CALENDAR_NAME_LENGTH) {
    const r = refill('import', call.form, { newname: t('calendars.nameTooLong', { max: MAX_CALENDAR_NAME_LENGTH }) });
    return { kind: 'page', status: 400, title: t('import.title'), body: await form(call, deps, null, r), notices: refusedNotice(call.frame, r) };
  }
  const name = asked || call.file.name.replace(/\.ics$/i, '').slice(0, 200) || 'Import';
  let report: ImportReport & { calendar: CalendarView | null };
  try {
    report = await deps.domain.agenda.importIcs(
      actor,
      existing ?? { uri: `import-${randomBytes(4).toString('hex')}`, displayname: name, components: ['VEVENT', 'VTODO', 'VJOURNAL'] },
      call.file.data,
    );
  } catch (e) {
    if (!(e instanceof DomainError) || e.details.code !== 'unreadable-file') throw e;
    return refusedFile(call, deps, t('import.notCalendar', { reason: String(e.details.problems?.[0]?.params?.reason ?? e.message) }));
  }
  const kept: KeptReport = {
    stored: report.stored,
    replaced: report.replaced,
    refusedCount: report.refused.length,
    refused: report.refused.slice(0, MAX_LISTED_REFUSALS).map((x) => ({ uid: x.uid?.slice(0, 200) ?? null, summary: x.summary?.slice(0, 200) ?? null, reason: x.reason.slice(0, 300) })),
    calendar: report.calendar ? { uri: report.calendar.uri, name: report.calendar.displayname || report.calendar.uri } : null,
  };
  return { kind: 'redirect', to: '/my/import', flash: kept };
};
