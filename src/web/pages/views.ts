// Month, week and agenda views of the user's event calendars (recurrences expanded by the server's
// own bounded expansion, in the viewer's zone).
import type { PlacedOccurrence } from '../../domain/agenda.ts';
import { signedIn, type WebCall, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import { swatch, type PageFrame } from '../layout.ts';
import { addDays, dayStart, formatDate, formatMonth, formatTime, isDay, isoDay, weekdayIndex, weekdayShort } from '../dates.ts';

type Mode = 'month' | 'week' | 'agenda';
const MODES: readonly Mode[] = ['month', 'week', 'agenda'];
const AGENDA_DAYS = 30;

interface Window {
  mode: Mode;
  /** The day the view is about (links keep it). */
  anchor: string;
  first: string;
  days: number;
  previous: string;
  next: string;
}

export function windowOf(mode: Mode, anchor: string): Window {
  if (mode === 'month') {
    const first = `${anchor.slice(0, 8)}01`;
    const gridStart = addDays(first, -weekdayIndex(first));
    const month = Number(anchor.slice(5, 7));
    const year = Number(anchor.slice(0, 4));
    const shift = (n: number) => {
      const d = new Date(Date.UTC(year, month - 1 + n, 1));
      return d.toISOString().slice(0, 10);
    };
    return { mode, anchor, first: gridStart, days: 42, previous: shift(-1), next: shift(1) };
  }
  if (mode === 'week') {
    const first = addDays(anchor, -weekdayIndex(anchor));
    return { mode, anchor, first, days: 7, previous: addDays(first, -7), next: addDays(first, 7) };
  }
  return { mode, anchor, first: anchor, days: AGENDA_DAYS, previous: addDays(anchor, -AGENDA_DAYS), next: addDays(anchor, AGENDA_DAYS) };
}

/** The occurrences of each day of the window (an event over several days is listed on each). */
function byDay(items: PlacedOccurrence[], w: Window, zone: string): Map<string, PlacedOccurrence[]> {
  const out = new Map<string, PlacedOccurrence[]>();
  for (let i = 0; i < w.days; i++) out.set(addDays(w.first, i), []);
  const last = addDays(w.first, w.days - 1);
  for (const o of items) {
    let day = isoDay(zone, o.start);
    const lastDay = isoDay(zone, Math.max(o.start, o.end - 1));
    if (day < w.first) day = w.first;
    for (let n = 0; day <= lastDay && day <= last && n < w.days; n++, day = addDays(day, 1)) out.get(day)?.push(o);
  }
  return out;
}

function eventLink(f: PageFrame, call: WebCall, o: PlacedOccurrence): Html {
  const time = o.allDay ? f.t('view.allDay') : formatTime(f.lang, call.zone, o.start);
  const label = html`${swatch(o.calendar.color)} <span class="time">${time}</span> <span class="summary">${o.summary || '—'}</span>${o.recurring ? html` <span class="visually-hidden">(${f.t('view.recurring')})</span><span aria-hidden="true" class="rec">↻</span>` : ''}`;
  return html`<a class="event" href="${f.href(`/my/events/${encodeURIComponent(o.calendar.uri)}/${encodeURIComponent(o.uri)}`)}">${label}</a>`;
}

export const showView: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const q = call.req.query;
  const mode: Mode = MODES.includes(q.mode as Mode) ? (q.mode as Mode) : 'month';
  const today = isoDay(call.zone, Math.floor(deps.domain.clock.now().getTime() / 1000));
  const anchor = isDay(q.date) ? q.date : today;
  const w = windowOf(mode, anchor);
  const range = { start: dayStart(call.zone, w.first), end: dayStart(call.zone, addDays(w.first, w.days)) };
  const { items, capped } = await deps.domain.agenda.occurrences(actor, range, call.zone, deps.config.web.listLimit);
  const days = byDay(items, w, call.zone);
  const link = (m: Mode, date: string) => f.href(`/my/view?mode=${m}&date=${date}`);
  const nav = html`<nav class="view-nav" aria-label="${t('view.title')}">
    <a class="button secondary" href="${link(mode, w.previous)}" rel="prev">‹ <span class="visually-hidden">${t('view.previous')}</span></a>
    <a class="button secondary" href="${link(mode, today)}">${t('view.today')}</a>
    <a class="button secondary" href="${link(mode, w.next)}" rel="next"><span class="visually-hidden">${t('view.next')}</span> ›</a>
    <span class="modes">${MODES.map((m) => html`<a href="${link(m, anchor)}"${m === mode ? html` aria-current="page"` : ''}>${t(`view.${m}`)}</a>`)}</span>
    <a class="button" href="${f.href(`/my/events/new?date=${anchor}`)}">${t('view.newEvent')}</a>
  </nav>`;
  const at = (day: string) => dayStart(call.zone, day);
  let grid: Html;
  if (mode === 'month') {
    const heads = Array.from({ length: 7 }, (_, i) => html`<th scope="col">${weekdayShort(f.lang, call.zone, at(addDays(w.first, i)) + 43200)}</th>`);
    const weeks: Html[] = [];
    for (let r = 0; r < 6; r++) {
      const cells = Array.from({ length: 7 }, (_, c) => {
        const day = addDays(w.first, r * 7 + c);
        const list = days.get(day) ?? [];
        const other = day.slice(0, 7) !== anchor.slice(0, 7);
        return html`<td class="${other ? 'other' : ''}${day === today ? ' today' : ''}"><div class="daynum"><a href="${link('agenda', day)}" aria-label="${formatDate(f.lang, call.zone, at(day) + 43200, 'full')}">${Number(day.slice(8))}</a></div>
          <ul class="plain events">${list.map((o) => html`<li>${eventLink(f, call, o)}</li>`)}</ul></td>`;
      });
      weeks.push(html`<tr>${cells}</tr>`);
    }
    grid = html`<div class="table-wrap"><table class="month"><caption>${formatMonth(f.lang, call.zone, at(anchor) + 43200)}</caption><thead><tr>${heads}</tr></thead><tbody>${weeks}</tbody></table></div>`;
  } else {
    const shown = [...days].filter(([, list]) => mode === 'week' || list.length);
    grid = shown.length
      ? html`<ol class="plain agenda">${shown.map(
          ([day, list]) => html`<li${day === today ? html` class="today"` : ''}><h2 class="day">${formatDate(f.lang, call.zone, at(day) + 43200, 'full')}</h2>
            ${list.length ? html`<ul class="plain events">${list.map((o) => html`<li>${eventLink(f, call, o)}</li>`)}</ul>` : html`<p class="hint">—</p>`}</li>`,
        )}</ol>`
      : html`<p>${t('view.empty')}</p>`;
  }
  const body = html`${nav}${capped ? html`<p class="notice error" role="status">${t('view.capped')}</p>` : ''}${grid}<p class="hint">${t('view.zone', { zone: call.zone })}</p>`;
  return { kind: 'page', title: t('view.title'), body };
};
