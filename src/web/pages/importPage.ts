// Importing an .ics file into an existing calendar or a new one; the report names every object
// that was refused and why (the CalDAV PUT checks, through the one write path). A file that is
// not UTF-8 text, or not iCalendar at all, brings the form back with the reason in the user's
// language.
import { randomBytes } from 'node:crypto';
import { canWriteContent } from '../../domain/access.ts';
import type { ImportReport } from '../../domain/agenda.ts';
import { DomainError } from '../../domain/errors.ts';
import { hexByte, textProblem, type TextProblem } from '../../http/text.ts';
import { field, signedIn, WebError, type WebAnswer, type WebCall, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import type { Translate } from '../i18n/index.ts';
import { csrfField } from '../layout.ts';

async function form(call: WebCall, deps: Parameters<WebHandler>[1], report: ImportReport | null): Promise<Html> {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const writable = (await deps.domain.calendars.listForPrincipal(user.principalUri)).filter(canWriteContent);
  const reportPart = report
    ? html`<section class="card" aria-labelledby="report"><h2 id="report">${t('import.report', { stored: report.stored, replaced: report.replaced, refused: report.refused.length })}</h2>
      ${
        report.refused.length
          ? html`<h3>${t('import.refused')}</h3><ul class="refused">${report.refused.map((r) => html`<li><span class="mono">${r.uid ?? t('import.noUid')}</span>${r.summary ? html` (${r.summary})` : ''}: ${r.reason}</li>`)}</ul>`
          : ''
      }</section>`
    : '';
  return html`${reportPart}<form method="post" action="${f.href('/my/import')}" enctype="multipart/form-data" class="card">${csrfField(f)}
    <label for="file">${t('import.file')}</label><input id="file" name="file" type="file" accept=".ics,text/calendar" required>
    <label for="into">${t('import.into')}</label>
    <select id="into" name="into">
      <option value="">${t('import.newCalendar')}</option>
      ${writable.map((v) => html`<option value="${v.uri}">${v.displayname || v.uri}</option>`)}
    </select>
    <label for="newname">${t('import.newName')}</label><input id="newname" name="newname" maxlength="255">
    <button type="submit">${t('import.submit')}</button>
  </form>
  <p class="hint">${t('import.contactsHint')} <a href="${f.href('/my/contacts/import')}">${t('contacts.import')}</a></p>`;
}

export const showImport: WebHandler = async (call, deps) => ({ kind: 'page', title: call.frame.t('import.title'), body: await form(call, deps, null) });

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

/** The form again, with why the file was refused as a whole (nothing was changed). */
async function refusedFile(call: WebCall, deps: Parameters<WebHandler>[1], text: string): Promise<WebAnswer> {
  return { kind: 'page', status: 400, title: call.frame.t('import.title'), body: await form(call, deps, null), notices: [{ kind: 'error', text }] };
}

export const runImport: WebHandler = async (call, deps) => {
  const { user, actor } = signedIn(call);
  const t = call.frame.t;
  if (!call.file || call.file.data.byteLength === 0) throw new WebError(400, 'import.noFile');
  const problem = textProblem(call.file.data);
  if (problem) return refusedFile(call, deps, notText(t, problem));
  const into = field(call, 'into');
  const existing = into ? await deps.domain.calendars.get(user.principalUri, into) : null;
  if (into && !existing) throw new WebError(404, 'error.notFound');
  const name = field(call, 'newname').trim() || call.file.name.replace(/\.ics$/i, '').slice(0, 200) || 'Import';
  let report: ImportReport;
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
  return { kind: 'page', title: t('import.title'), body: await form(call, deps, report) };
};
