// The answer page behind the link in an invitation mail (issue #27): an attendee elsewhere sees
// the event and answers Accept / Maybe / Decline, with an optional comment, without an account.
// The signed token in the path is the only authority (the route is public and has no session, so
// no CSRF token; the router's Origin check still refuses posts from other sites). A refused link
// gets a page that says why (404 for a link we did not make or that was altered, 410 for one
// that no longer answers) and nothing changes.
import { isIanaZone } from '../../ical/time.ts';
import { ANSWER_PARTSTATS, isAnswerPartstat, isRefusal, type AnswerPartstat, type AnswerRefusal, type AnswerRefusalReason, type AnswerView } from '../../domain/answerLinks.ts';
import type { EventSummary } from '../../ical/itip.ts';
import { field, type WebAnswer, type WebCall, type WebHandler } from '../call.ts';
import { formatDate, formatDateTime, formatTime, isoDay } from '../dates.ts';
import { html, type Html } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { Notice, PageFrame } from '../layout.ts';

const REFUSAL_STATUS: Record<AnswerRefusalReason, number> = { invalid: 404, expired: 410, gone: 410, cancelled: 410, 'not-invited': 410 };

const CHOICE_KEYS: Record<AnswerPartstat, MessageKey> = { ACCEPTED: 'answer.choice.ACCEPTED', TENTATIVE: 'answer.choice.TENTATIVE', DECLINED: 'answer.choice.DECLINED' };

const STATE_KEYS: Record<string, MessageKey> = {
  ACCEPTED: 'answer.state.ACCEPTED',
  TENTATIVE: 'answer.state.TENTATIVE',
  DECLINED: 'answer.state.DECLINED',
  'NEEDS-ACTION': 'answer.state.NEEDS-ACTION',
};

const REFUSAL_KEYS: Record<AnswerRefusalReason, MessageKey> = {
  invalid: 'answer.refused.invalid',
  expired: 'answer.refused.expired',
  gone: 'answer.refused.gone',
  cancelled: 'answer.refused.cancelled',
  'not-invited': 'answer.refused.not-invited',
};

function token(call: WebCall): string {
  return String(call.req.params.token ?? '');
}

/** A zone Intl knows (the event's, IANA-mapped by eventSummary), else null. */
function knownZone(zone: string | null): string | null {
  return zone && isIanaZone(zone) ? zone : null;
}

/** When the event is, in its own zone (named) and in UTC; all-day events as dates. */
function when(f: PageFrame, e: EventSummary): Html {
  const start = Date.parse(e.start) / 1000;
  const end = Date.parse(e.end) / 1000;
  if (e.allDay) {
    // DTEND of an all-day event is the day after the last one.
    const last = Math.max(start, end - 86400);
    const days = isoDay('UTC', last) === isoDay('UTC', start) ? formatDate(f.lang, 'UTC', start, 'full') : `${formatDate(f.lang, 'UTC', start, 'full')} – ${formatDate(f.lang, 'UTC', last, 'full')}`;
    return html`${days} (${f.t('answer.allDay')})`;
  }
  const span = (zone: string) =>
    isoDay(zone, start) === isoDay(zone, end) ? `${formatDateTime(f.lang, zone, start)} – ${formatTime(f.lang, zone, end)}` : `${formatDateTime(f.lang, zone, start)} – ${formatDateTime(f.lang, zone, end)}`;
  const zone = knownZone(e.zone);
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return html`${span('UTC')} (UTC)`;
  return html`${span(zone)} (${zone})<br><span class="hint">${span('UTC')} (UTC)</span>`;
}

function lines(text: string): Html {
  return html`${text.split(/\r?\n/).map((l, i) => html`${i ? html`<br>` : ''}${l}`)}`;
}

function stateWords(f: PageFrame, partstat: string): string {
  const key = STATE_KEYS[partstat.toUpperCase()];
  return key ? f.t(key) : partstat;
}

function answerPage(call: WebCall, view: AnswerView, opts: { notices?: Notice[]; status?: number; chosen?: string; comment?: string } = {}): WebAnswer {
  const f = call.frame;
  const t = f.t;
  const e = view.event;
  const organizer = e.organizer ? (e.organizer.name ? `${e.organizer.name} <${e.organizer.email}>` : e.organizer.email) : null;
  const item = (label: string, value: Html | string | null) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : '');
  const selected = opts.chosen ?? view.partstat.toUpperCase();
  const action = f.href(`/answer/${encodeURIComponent(token(call))}`);
  const body = html`<p>${t('answer.intro', { organizer: organizer ?? t('answer.someone'), attendee: view.attendeeName ? `${view.attendeeName} <${view.claims.attendee}>` : view.claims.attendee })}</p>
  <section class="card" aria-label="${e.summary || t('answer.untitled')}">
    <dl>
      ${item(t('answer.when'), when(f, e))}
      ${item(t('answer.repeats'), e.recurrence ? t('answer.repeatsYes') : null)}
      ${item(t('answer.where'), e.location)}
      ${item(t('answer.organizer'), organizer)}
      ${item(t('answer.description'), e.description ? lines(e.description) : null)}
      ${item(t('answer.yourAnswer'), stateWords(f, view.partstat))}
    </dl>
  </section>
  <form method="post" action="${action}" class="card">
    <fieldset><legend>${t('answer.choose')}</legend>
      ${ANSWER_PARTSTATS.map(
        (p) => html`<label class="check"><input type="radio" name="partstat" value="${p}"${p === selected ? html` checked` : ''} required> ${t(CHOICE_KEYS[p])}</label>`,
      )}
    </fieldset>
    <label for="a-comment">${t('answer.comment')}</label><textarea id="a-comment" name="comment" rows="3" maxlength="2000">${opts.comment ?? ''}</textarea>
    <button type="submit">${t('answer.send')}</button>
  </form>
  <p class="hint">${t('answer.changeHint')}</p>`;
  call.res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  return { kind: 'page', title: t('answer.title', { summary: e.summary || t('answer.untitled') }), body, notices: opts.notices, status: opts.status };
}

function refusedPage(call: WebCall, refusal: AnswerRefusal): WebAnswer {
  const t = call.frame.t;
  call.res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  return {
    kind: 'page',
    title: t('answer.refused.title'),
    body: html`<p>${t('answer.refused.hint')}</p>`,
    notices: [{ kind: 'error', text: t(REFUSAL_KEYS[refusal.refused]) }],
    status: REFUSAL_STATUS[refusal.refused],
  };
}

export const showAnswer: WebHandler = async (call, deps) => {
  const view = await deps.domain.answerLinks.open(token(call));
  return isRefusal(view) ? refusedPage(call, view) : answerPage(call, view);
};

export const postAnswer: WebHandler = async (call, deps) => {
  const partstat = field(call, 'partstat').trim().toUpperCase();
  const comment = field(call, 'comment');
  if (!isAnswerPartstat(partstat)) {
    const view = await deps.domain.answerLinks.open(token(call));
    if (isRefusal(view)) return refusedPage(call, view);
    return answerPage(call, view, { notices: [{ kind: 'error', text: call.frame.t('answer.invalidChoice') }], status: 400, comment });
  }
  const done = await deps.domain.answerLinks.answer(token(call), partstat, comment);
  if (isRefusal(done)) return refusedPage(call, done);
  const t = call.frame.t;
  const text = t(done.changed ? 'answer.done' : 'answer.unchanged', { answer: stateWords(call.frame, done.partstat) });
  return answerPage(call, done.view, { notices: [{ kind: 'ok', text }] });
};
