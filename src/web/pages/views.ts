// Day, week, month and agenda views of the user's event calendars (recurrences expanded by the
// server's own bounded expansion, in the viewer's zone), with the panel of calendars to show or
// hide. Blocks and bars are placed with classes (src/web/views/layout.ts does the arithmetic;
// 10-views.css has a class per quarter-hour row): the CSP allows no style attributes.
import type { PlacedOccurrence } from '../../domain/agenda.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import { field, signedIn, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import { csrfField, swatch, type PageFrame } from '../layout.ts';
import { addDays, dayStart, formatDate, formatMonth, formatTime, isDay, isoDay, weekdayIndex, weekdayShort } from '../dates.ts';
import { calendarOf } from './calendars.ts';
import { BAND_LANES, barLayout, DAY_LANES, daysTouched, gridLayout, MONTH_LANES, rowOf, WEEK_LANES, type DayFrame } from '../views/layout.ts';
import { minuteInDay, minuteOfDay } from '../views/wallClock.ts';

export type Mode = 'day' | 'week' | 'month' | 'agenda';
const MODES: readonly Mode[] = ['day', 'week', 'month', 'agenda'];
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
    const shift = (n: number) => new Date(Date.UTC(year, month - 1 + n, 1)).toISOString().slice(0, 10);
    return { mode, anchor, first: gridStart, days: 42, previous: shift(-1), next: shift(1) };
  }
  if (mode === 'week') {
    const first = addDays(anchor, -weekdayIndex(anchor));
    return { mode, anchor, first, days: 7, previous: addDays(first, -7), next: addDays(first, 7) };
  }
  if (mode === 'day') return { mode, anchor, first: anchor, days: 1, previous: addDays(anchor, -1), next: addDays(anchor, 1) };
  return { mode, anchor, first: anchor, days: AGENDA_DAYS, previous: addDays(anchor, -AGENDA_DAYS), next: addDays(anchor, AGENDA_DAYS) };
}

/** What a view page needs to draw itself. */
interface Ctx {
  f: PageFrame;
  zone: string;
  today: string;
  frames: DayFrame[];
  link: (m: Mode, date: string) => string;
  names: Map<string, string>;
}

function eventHref(f: PageFrame, o: PlacedOccurrence): string {
  const path = `/my/events/${encodeURIComponent(o.calendar.uri)}/${encodeURIComponent(o.uri)}`;
  return f.href(o.recurrenceId ? `${path}?occurrence=${encodeURIComponent(o.recurrenceId)}` : path);
}

/** How an entry is drawn: a bar across days (month, band), a block of the hour grid, a line of the agenda. */
type Shape = 'bar' | 'block' | 'line';

/**
 * The time an entry shows on one day (or bar): its start where it starts ("10:00 PM"), "until …"
 * where it ends on a later day than it started, "continues" on a day in between; an all-day
 * event says "all day" in the agenda and nothing in a bar.
 */
function timeText(c: Ctx, o: PlacedOccurrence, startsHere: boolean, endsHere: boolean, shape: Shape, span = 1): string {
  const t = c.f.t;
  if (o.allDay) return startsHere ? (shape === 'line' ? t('view.allDay') : '') : t('view.continues');
  const at = (e: number) => formatTime(c.f.lang, c.zone, e);
  // A month bar of one day shows its start only, to leave room for the title.
  if (startsHere && endsHere) return o.end > o.start && !(shape === 'bar' && span === 1) ? `${at(o.start)} – ${at(o.end)}` : at(o.start);
  if (startsHere) return at(o.start);
  if (endsHere) return t('view.until', { time: at(o.end) });
  return t('view.continues');
}

function entry(c: Ctx, o: PlacedOccurrence, cls: string, startsHere: boolean, endsHere: boolean, shape: Shape, span = 1): Html {
  const t = c.f.t;
  const time = timeText(c, o, startsHere, endsHere, shape, span);
  const summary = o.summary || '—';
  // Day one of 22:00–02:00 says it goes on (day two says until when).
  const goesOn = !o.allDay && startsHere && !endsHere ? html`<span class="goes-on"> ${t('view.continuesNext')}</span>` : '';
  const title = `${time ? `${time} ` : ''}${summary}${o.location ? ` · ${o.location}` : ''}`;
  const timePart = time ? html` <span class="time">${time}</span>` : '';
  const rec = o.recurring ? html` <span class="visually-hidden">(${t('view.recurring')})</span><span aria-hidden="true" class="rec">↻</span>` : '';
  // A block of the grid is narrow: its title first, where it is seen before it is cut.
  if (shape === 'block') return html`<a class="event ${cls}" href="${eventHref(c.f, o)}" title="${title}">${swatch(o.calendar.color)} <span class="summary">${summary}</span>${rec}${timePart}${goesOn}</a>`;
  return html`<a class="event ${cls}" href="${eventHref(c.f, o)}" title="${title}">${swatch(o.calendar.color)}${timePart} <span class="summary">${summary}</span>${goesOn}${rec}</a>`;
}

/** A day's full name ("Tuesday, December 8, 2026"), made once per day of the page. */
function fullDate(c: Ctx, day: string): string {
  let name = c.names.get(day);
  if (name === undefined) {
    name = formatDate(c.f.lang, c.zone, dayStart(c.zone, day) + 43200, 'full');
    c.names.set(day, name);
  }
  return name;
}

function newHref(c: Ctx, day: string, time: string | null): string {
  return c.f.href(`/my/events/new?date=${day}${time ? `&time=${time}` : '&allDay=on'}`);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The all-day band over the hour grid (week, day): bars across the days, "+N more", new all-day links. */
function band(c: Ctx, items: PlacedOccurrence[]): Html {
  const t = c.f.t;
  const layout = barLayout(items.filter((o) => o.allDay || o.end - o.start >= 86400), c.frames, c.frames.length, BAND_LANES);
  return html`<div class="tg-band"><div class="tg-label">${t('view.allDayBand')}</div><div class="bars y${Math.max(1, layout.lanes)}">
    ${c.frames.map((d, i) => html`<a class="slot band-slot c${i}" href="${newHref(c, d.day, null)}" data-x="${i}" data-y="0"><span class="visually-hidden">${t('view.newAllDay', { date: fullDate(c, d.day) })}</span></a>`)}
    ${layout.bars.map((b) => entry(c, b.item, `bar c${b.col} w${b.span} k${b.lane}`, b.startsHere, b.endsHere, 'bar', b.span))}
    ${layout.more.map((n, i) => (n ? html`<a class="more c${i}" href="${c.link('agenda', (c.frames[i] as DayFrame).day)}">${t('view.more', { count: String(n) })}<span class="visually-hidden"> (${fullDate(c, (c.frames[i] as DayFrame).day)})</span></a>` : ''))}
  </div></div>`;
}

/** Day and week: the hour grid of 96 quarter-hour rows per day, the band on top, the now-line. */
function hourGrid(c: Ctx, items: PlacedOccurrence[], now: number, mode: 'day' | 'week'): Html {
  const t = c.f.t;
  const grid = gridLayout(items, c.frames, minuteInDay(c.zone), mode === 'day' ? DAY_LANES : WEEK_LANES);
  const perDay: Html[][] = c.frames.map(() => []);
  for (const b of grid.blocks) (perDay[b.day] as Html[]).push(entry(c, b.item, `block r${b.row} s${b.span} l${b.lane} n${b.lanes}`, b.startsHere, b.endsHere, 'block'));
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const hourNames = hours.map((h) => formatTime(c.f.lang, 'UTC', h * 3600));
  const hourName = (h: number) => hourNames[h] as string;
  const heads = c.frames.map((d, i) => {
    const noon = d.start + 43200;
    const label = mode === 'day' ? fullDate(c, d.day) : `${weekdayShort(c.f.lang, c.zone, noon)} ${Number(d.day.slice(8))}`;
    const more = grid.more[i] ? html` <a class="more" href="${c.link(mode === 'week' ? 'day' : 'agenda', d.day)}">${t('view.more', { count: String(grid.more[i]) })}</a>` : '';
    return html`<div class="tg-day-h${d.day === c.today ? ' today' : ''}">${
      mode === 'week' ? html`<a href="${c.link('day', d.day)}" title="${fullDate(c, d.day)}">${label}</a>` : html`<span>${label}</span>`
    }${more}</div>`;
  });
  const todayIndex = c.frames.findIndex((d) => d.day === c.today);
  const nowLine = todayIndex >= 0 && now >= (c.frames[todayIndex] as DayFrame).start && now < (c.frames[todayIndex] as DayFrame).end ? rowOf(minuteOfDay(c.zone)(now)) : null;
  const cols = c.frames.map(
    (d, i) => html`<div class="tg-col${d.day === c.today ? ' today' : ''}" role="group" aria-label="${fullDate(c, d.day)}">
      ${hours.map((h) => html`<a class="slot r${h * 4}" href="${newHref(c, d.day, `${pad(h)}:00`)}" data-x="${i}" data-y="${h}"><span class="visually-hidden">${t('view.newAt', { date: fullDate(c, d.day), time: hourName(h) })}</span></a>`)}
      ${perDay[i]}
      ${nowLine && i === todayIndex ? html`<div class="now r${nowLine.row} m${nowLine.minute}" data-zone="${c.zone}"><span class="visually-hidden">${t('view.now')}</span></div>` : ''}
    </div>`,
  );
  return html`<div class="tgrid d${c.frames.length}" data-nav="grid">
    <div class="tg-head"><div class="tg-label zone-label">${c.zone.split('/').map((part, i) => (i ? html`/<wbr>${part}` : part))}</div>${heads}</div>
    ${band(c, items)}
    <div class="tg-scroll"><div class="tg-body">
      <div class="tg-hours" aria-hidden="true">${hours.map((h) => html`<span class="hour r${h * 4}">${hourName(h)}</span>`)}</div>
      ${cols}
    </div></div>
  </div>`;
}

/** Month: six rows of weeks, one bar per event and week row, rows of fixed height, "+N more". */
function month(c: Ctx, items: PlacedOccurrence[], anchor: string): Html {
  const t = c.f.t;
  const layout = barLayout(items, c.frames, 7, MONTH_LANES);
  const byWeek: Html[][] = Array.from({ length: 6 }, () => []);
  for (const b of layout.bars) (byWeek[b.week] as Html[]).push(entry(c, b.item, `bar c${b.col} w${b.span} k${b.lane}`, b.startsHere, b.endsHere, 'bar', b.span));
  const heads = Array.from({ length: 7 }, (_, i) => html`<div class="m-head">${weekdayShort(c.f.lang, c.zone, (c.frames[i] as DayFrame).start + 43200)}</div>`);
  const weeks = byWeek.map((bars, w) => {
    const days = c.frames.slice(w * 7, w * 7 + 7);
    return html`<li class="mweek">
      ${days.map((d, i) => {
        const other = d.day.slice(0, 7) !== anchor.slice(0, 7);
        return html`<a class="slot mday c${i}${other ? ' other' : ''}${d.day === c.today ? ' today' : ''}" href="${newHref(c, d.day, null)}" data-x="${i}" data-y="${w}"><span class="visually-hidden">${t('view.newOn', { date: fullDate(c, d.day) })}</span></a>
          <a class="daynum c${i}${other ? ' other' : ''}" href="${c.link('day', d.day)}" aria-label="${fullDate(c, d.day)}">${Number(d.day.slice(8))}</a>`;
      })}
      ${bars}
      ${days.map((d, i) => {
        const n = layout.more[w * 7 + i] ?? 0;
        return n ? html`<a class="more c${i}" href="${c.link('day', d.day)}">${t('view.more', { count: String(n) })}<span class="visually-hidden"> (${fullDate(c, d.day)})</span></a>` : '';
      })}
    </li>`;
  });
  return html`<div class="month" data-nav="grid"><div class="m-heads" aria-hidden="true">${heads}</div><ol class="plain weeks">${weeks}</ol></div>`;
}

/** Agenda: the days with something on them, each entry with its time on that day. */
function agenda(c: Ctx, items: PlacedOccurrence[]): Html {
  const perDay: Html[][] = c.frames.map(() => []);
  for (const o of items) {
    const touched = daysTouched(o, c.frames);
    if (!touched) continue;
    for (let d = touched[0]; d <= touched[1]; d++) {
      const frame = c.frames[d] as DayFrame;
      const startsHere = o.start >= frame.start;
      const endsHere = o.end <= frame.end;
      (perDay[d] as Html[]).push(html`<li>${entry(c, o, o.allDay ? 'all-day' : 'timed', startsHere, endsHere, 'line')}</li>`);
    }
  }
  const shown = c.frames.map((d, i) => ({ d, list: perDay[i] as Html[] })).filter((x) => x.list.length);
  if (!shown.length) return html`<p>${c.f.t('view.empty')}</p>`;
  return html`<ol class="plain agenda">${shown.map(
    ({ d, list }) => html`<li${d.day === c.today ? html` class="today"` : ''}><h2 class="day"><a href="${c.link('day', d.day)}">${fullDate(c, d.day)}</a></h2><ul class="plain events">${list}</ul></li>`,
  )}</ol>`;
}

/** The user's event calendars with their colours and a show/hide button each (a form: works without script). */
function calendarPanel(c: Ctx, calendars: CalendarView[], back: string): Html {
  const t = c.f.t;
  return html`<aside class="cal-panel" aria-labelledby="cal-panel-h"><h2 id="cal-panel-h">${t('view.calendars')}</h2>
    ${calendars.length ? html`<ul class="plain">${calendars.map((v) => {
      const name = v.displayname || v.uri;
      return html`<li class="${v.webHidden ? 'hidden-cal' : ''}"><form method="post" action="${c.f.href(`/my/view/calendars/${encodeURIComponent(v.uri)}/hidden`)}">${csrfField(c.f)}
        <input type="hidden" name="hidden" value="${v.webHidden ? 'off' : 'on'}"><input type="hidden" name="back" value="${back}">
        <button type="submit" class="cal-toggle" aria-pressed="${v.webHidden ? 'false' : 'true'}" title="${v.webHidden ? t('view.showLabel', { name }) : t('view.hideLabel', { name })}">${swatch(v.color)} <span class="name">${name}</span> <span class="state">${v.webHidden ? t('view.hidden') : t('view.shown')}</span></button>
      </form></li>`;
    })}</ul><p class="hint">${t('view.toggleHint')}</p>` : html`<p class="hint">${t('view.noCalendars')}</p>`}
  </aside>`;
}

function rangeTitle(c: Ctx, w: Window): string {
  const at = (day: string) => dayStart(c.zone, day) + 43200;
  if (w.mode === 'month') return formatMonth(c.f.lang, c.zone, at(w.anchor));
  if (w.mode === 'day') return fullDate(c, w.anchor);
  const fmt = new Intl.DateTimeFormat(c.f.lang, { timeZone: c.zone, dateStyle: 'medium' });
  return fmt.formatRange(at(w.first) * 1000, at(addDays(w.first, w.days - 1)) * 1000);
}

export const showView: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const q = call.req.query;
  const mode: Mode = MODES.includes(q.mode as Mode) ? (q.mode as Mode) : 'month';
  const now = Math.floor(deps.domain.clock.now().getTime() / 1000);
  const today = isoDay(call.zone, now);
  const anchor = isDay(q.date) ? q.date : today;
  const w = windowOf(mode, anchor);
  const frames: DayFrame[] = [];
  for (let i = 0; i < w.days; i++) {
    const day = addDays(w.first, i);
    frames.push({ day, start: dayStart(call.zone, day), end: dayStart(call.zone, addDays(day, 1)) });
  }
  const range = { start: (frames[0] as DayFrame).start, end: (frames[frames.length - 1] as DayFrame).end };
  // The calendars are read once: the panel shows them and the occurrences come from them.
  const calendars = await deps.domain.calendars.listForPrincipal(actor.principaluri);
  const { items, capped } = await deps.domain.agenda.occurrences(actor, range, call.zone, deps.config.web.viewMaxOccurrences, { calendars });
  const link = (m: Mode, date: string) => f.href(`/my/view?mode=${m}&date=${date}`);
  const c: Ctx = { f, zone: call.zone, today, frames, link, names: new Map() };
  const nav = html`<nav class="view-nav" aria-label="${t('view.title')}">
    <a class="button secondary" href="${link(mode, w.previous)}" rel="prev">‹ <span class="visually-hidden">${t('view.previous')}</span></a>
    <a class="button secondary" href="${link(mode, today)}">${t('view.today')}</a>
    <a class="button secondary" href="${link(mode, w.next)}" rel="next"><span class="visually-hidden">${t('view.next')}</span> ›</a>
    <span class="modes">${MODES.map((m) => html`<a href="${link(m, anchor)}"${m === mode ? html` aria-current="page"` : ''}>${t(`view.${m}`)}</a>`)}</span>
    <form method="get" action="${f.href('/my/view')}" class="goto"><input type="hidden" name="mode" value="${mode}"><label for="goto-date" class="visually-hidden">${t('view.goTo')}</label><input id="goto-date" type="date" name="date" value="${anchor}"><button type="submit" class="secondary">${t('view.go')}</button></form>
    <a class="button" href="${f.href(`/my/events/new?date=${anchor}`)}">${t('view.newEvent')}</a>
  </nav>`;
  let view: Html;
  if (mode === 'month') view = month(c, items, anchor);
  else if (mode === 'agenda') view = agenda(c, items);
  else view = hourGrid(c, items, now, mode);
  const back = `/my/view?mode=${mode}&date=${anchor}`;
  const body = html`<div class="views mode-${mode}">
    <section class="view-main" aria-labelledby="view-range">${nav}
      <h2 id="view-range" class="view-range">${rangeTitle(c, w)}</h2>
      <p class="hint zone">${t('view.zone', { zone: call.zone })}${mode === 'day' || mode === 'week' || mode === 'month' ? html` <span class="keys">${t('view.keys')}</span>` : ''}</p>
      ${capped ? html`<p class="notice error" role="status">${t('view.capped')}</p>` : ''}
      ${view}
    </section>
    ${calendarPanel(c, calendars.filter((v) => v.components.includes('VEVENT')), back)}
  </div>`;
  return { kind: 'page', title: t('view.title'), body };
};

/** Where the show/hide toggle may send the browser back to: a view of this page, nothing else. */
function backOf(value: string): string {
  return /^\/my\/view(\?mode=(day|week|month|agenda)&date=\d{4}-\d{2}-\d{2})?$/.test(value) ? value : '/my/view';
}

/** Shows or hides a calendar in the views, for this user (every session and device). */
export const setCalendarHidden: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  await deps.domain.calendars.setWebHidden(actor, view, field(call, 'hidden') === 'on');
  return { kind: 'redirect', to: backOf(field(call, 'back')) };
};

