// Creating, editing and deleting an event from a form: a one-off event or a simple repeat
// (daily, weekly, monthly, yearly; a number of times or up to a date). Writes go through the
// domain's write path, so CalDAV clients see the change on their next sync.
import { canWriteContent } from '../../domain/access.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import { REPEAT_FREQS, type RepeatFreq, type SimpleEvent } from '../../ical/simpleEvent.ts';
import { field, signedIn, WebError, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import { csrfField, type Notice } from '../layout.ts';
import { isDay, isoDay } from '../dates.ts';
import { calendarOf } from './calendars.ts';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_TEXT = 10_000;

interface FormState {
  event: SimpleEvent;
  calendar: string;
  ends: 'never' | 'count' | 'until';
  count: string;
  until: string;
  customRule: string | null;
  etag: string;
}

function writableEventCalendars(views: CalendarView[]): CalendarView[] {
  return views.filter((v) => canWriteContent(v) && v.components.includes('VEVENT'));
}

/** The form's fields as an event, or the problems (message keys) with them. */
export function readForm(form: Record<string, string>, zone: string): { state: Omit<FormState, 'customRule' | 'etag'>; problems: MessageKey[] } {
  const allDay = form.allDay === 'on';
  const freq = form.repeat as RepeatFreq;
  const ends = form.ends === 'count' || form.ends === 'until' ? form.ends : 'never';
  const event: SimpleEvent = {
    summary: (form.summary ?? '').trim(),
    description: (form.description ?? '').trim() || null,
    location: (form.location ?? '').trim() || null,
    allDay,
    startDate: form.startDate ?? '',
    startTime: allDay ? '' : (form.startTime ?? ''),
    endDate: form.endDate || form.startDate || '',
    endTime: allDay ? '' : (form.endTime ?? ''),
    zone,
    repeat: null,
  };
  const problems: MessageKey[] = [];
  if (!event.summary) problems.push('event.noTitle');
  if ([event.summary, event.description ?? '', event.location ?? ''].some((x) => x.length > MAX_TEXT)) problems.push('event.tooLong');
  const datesOk = isDay(event.startDate) && isDay(event.endDate) && (allDay || (TIME.test(event.startTime) && TIME.test(event.endTime)));
  if (!datesOk) problems.push('event.badDate');
  else if (`${event.endDate}T${event.endTime}` < `${event.startDate}T${event.startTime}`) problems.push('event.endBeforeStart');
  const count = form.count ?? '';
  const until = form.until ?? '';
  if (REPEAT_FREQS.includes(freq)) {
    event.repeat = { freq };
    if (ends === 'count') {
      const n = Number(count);
      if (!/^\d{1,4}$/.test(count) || n < 1 || n > 1000) problems.push('event.badCount');
      else event.repeat.count = n;
    } else if (ends === 'until') {
      if (!isDay(until)) problems.push('event.badDate');
      else if (datesOk && until < event.startDate) problems.push('event.badUntil');
      else event.repeat.until = until;
    }
  }
  return { state: { event, calendar: form.calendar ?? '', ends, count, until }, problems: [...new Set(problems)] };
}

function render(call: WebCall, views: CalendarView[], state: FormState, target: { calendar: CalendarView; uri: string } | null, notices: Notice[] = [], status = 200) {
  const f = call.frame;
  const t = f.t;
  const e = state.event;
  const action = target ? `/my/events/${encodeURIComponent(target.calendar.uri)}/${encodeURIComponent(target.uri)}` : '/my/events';
  const sel = (on: boolean) => (on ? html` selected` : '');
  const chk = (on: boolean) => (on ? html` checked` : '');
  const calendarField: Html = target
    ? html`<p>${t('event.calendar')}: <strong>${target.calendar.displayname || target.calendar.uri}</strong></p>`
    : html`<label for="ev-cal">${t('event.calendar')}</label><select id="ev-cal" name="calendar">${writableEventCalendars(views).map((v) => html`<option value="${v.uri}"${sel(v.uri === state.calendar)}>${v.displayname || v.uri}</option>`)}</select>`;
  const body = html`<form method="post" action="${f.href(action)}" class="card event-form">${csrfField(f)}
    <input type="hidden" name="etag" value="${state.etag}">
    <label for="ev-summary">${t('event.summary')}</label><input id="ev-summary" name="summary" required maxlength="${MAX_TEXT}" value="${e.summary}">
    ${calendarField}
    <label class="check"><input type="checkbox" name="allDay" id="ev-allday"${chk(e.allDay)}> ${t('event.allDay')}</label>
    <div class="row">
      <div><label for="ev-sd">${t('event.startDate')}</label><input id="ev-sd" name="startDate" type="date" required value="${e.startDate}"></div>
      <div><label for="ev-st">${t('event.startTime')}</label><input id="ev-st" name="startTime" type="time" value="${e.startTime}"></div>
    </div>
    <div class="row">
      <div><label for="ev-ed">${t('event.endDate')}</label><input id="ev-ed" name="endDate" type="date" required value="${e.endDate}"></div>
      <div><label for="ev-et">${t('event.endTime')}</label><input id="ev-et" name="endTime" type="time" value="${e.endTime}"></div>
    </div>
    <p class="hint">${t('view.zone', { zone: call.zone })}</p>
    <label for="ev-loc">${t('event.location')}</label><input id="ev-loc" name="location" maxlength="${MAX_TEXT}" value="${e.location ?? ''}">
    <label for="ev-desc">${t('event.description')}</label><textarea id="ev-desc" name="description" rows="3" maxlength="${MAX_TEXT}">${e.description ?? ''}</textarea>
    ${
      state.customRule
        ? html`<p class="notice">${t('event.customRule', { rule: state.customRule })}</p><input type="hidden" name="keepRule" value="on">`
        : html`<fieldset><legend>${t('event.repeat')}</legend>
      <label for="ev-repeat" class="visually-hidden">${t('event.repeat')}</label>
      <select id="ev-repeat" name="repeat"><option value="">${t('event.repeatNone')}</option>${REPEAT_FREQS.map((fr) => html`<option value="${fr}"${sel(e.repeat?.freq === fr)}>${t(`event.freq.${fr}`)}</option>`)}</select>
      <fieldset class="ends"><legend>${t('event.ends')}</legend>
        <label class="check"><input type="radio" name="ends" value="never"${chk(state.ends === 'never')}> ${t('event.endsNever')}</label>
        <label class="check"><input type="radio" name="ends" value="count"${chk(state.ends === 'count')}> ${t('event.endsCount')}</label>
        <label for="ev-count">${t('event.count')}</label><input id="ev-count" name="count" type="number" min="1" max="1000" value="${state.count}">
        <label class="check"><input type="radio" name="ends" value="until"${chk(state.ends === 'until')}> ${t('event.endsUntil')}</label>
        <label for="ev-until">${t('event.until')}</label><input id="ev-until" name="until" type="date" value="${state.until}">
      </fieldset></fieldset>`
    }
    <button type="submit">${t('common.save')}</button>
  </form>
  ${
    target
      ? html`<form method="post" action="${f.href(`${action}/delete`)}" class="card danger">${csrfField(f)}<input type="hidden" name="etag" value="${state.etag}"><button type="submit" class="danger">${t('event.delete')}</button></form>`
      : ''
  }`;
  return { kind: 'page' as const, title: target ? t('event.edit') : t('event.new'), body, notices, status };
}

function blank(call: WebCall, date: string, calendar: string): FormState {
  return {
    event: { summary: '', description: null, location: null, allDay: false, startDate: date, startTime: '09:00', endDate: date, endTime: '10:00', zone: call.zone, repeat: null },
    calendar,
    ends: 'never',
    count: '',
    until: '',
    customRule: null,
    etag: '',
  };
}

async function views(call: WebCall, deps: WebDeps): Promise<CalendarView[]> {
  return deps.domain.calendars.listForPrincipal(signedIn(call).user.principalUri);
}

export const newEventForm: WebHandler = async (call, deps) => {
  const all = await views(call, deps);
  const date = isDay(call.req.query.date) ? call.req.query.date : isoDay(call.zone, Math.floor(deps.domain.clock.now().getTime() / 1000));
  return render(call, all, blank(call, date, writableEventCalendars(all)[0]?.uri ?? ''), null);
};

function problemsOf(call: WebCall, problems: MessageKey[]): Notice[] {
  return problems.map((p) => ({ kind: 'error', text: call.frame.t(p) }));
}

export const createEvent: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const all = await views(call, deps);
  const { state, problems } = readForm(call.form, call.zone);
  const view = writableEventCalendars(all).find((v) => v.uri === state.calendar);
  if (!view) throw new WebError(404, 'error.notFound');
  if (problems.length) return render(call, all, { ...state, customRule: null, etag: '' }, null, problemsOf(call, problems), 400);
  await deps.domain.agenda.createEvent(actor, view, state.event);
  return { kind: 'redirect', to: `/my/view?mode=month&date=${state.event.startDate}`, notice: { key: 'event.saved' } };
};

export const editEventForm: WebHandler = async (call, deps) => {
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  const read = await deps.domain.agenda.readEvent(view, uri, call.zone).catch(() => {
    throw new WebError(404, 'error.notFound');
  });
  const r = read.event.repeat;
  const state: FormState = {
    event: read.event,
    calendar: view.uri,
    ends: r?.count !== undefined ? 'count' : r?.until !== undefined ? 'until' : 'never',
    count: r?.count !== undefined ? String(r.count) : '',
    until: r?.until ?? '',
    customRule: read.customRule,
    etag: read.etag,
  };
  return render(call, [], state, { calendar: view, uri });
};

export const updateEvent: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  const keepRule = field(call, 'keepRule') === 'on';
  const { state, problems } = readForm(call.form, call.zone);
  if (problems.length) return render(call, [], { ...state, calendar: view.uri, customRule: keepRule ? '…' : null, etag: field(call, 'etag') }, { calendar: view, uri }, problemsOf(call, problems), 400);
  await deps.domain.agenda.updateEvent(actor, view, uri, state.event, field(call, 'etag'), keepRule);
  return { kind: 'redirect', to: `/my/view?mode=month&date=${state.event.startDate}`, notice: { key: 'event.saved' } };
};

export const deleteEvent: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  const etag = field(call, 'etag');
  await deps.domain.objects.delete(actor, view, String(call.req.params.obj ?? ''), etag ? { ifMatch: [etag] } : {}, 'web');
  return { kind: 'redirect', to: '/my/view', notice: { key: 'event.deleted' } };
};
