// Creating, editing and deleting an event from a form: a one-off event or a simple repeat
// (daily, weekly, monthly, yearly; a number of times or up to a date), and who is invited. Writes
// go through the domain's write path, so CalDAV clients see the change on their next sync and
// scheduling delivers the invitations (into calendars here, by mail elsewhere).
//
// Who may change what follows the event's ORGANIZER: on an event the user organizes (or one
// without an organizer) the form edits the attendee list, and the user becomes the ORGANIZER
// when they invite someone; on an invitation from someone else the list is shown, not edited,
// and the user gives their own answer.
import { canWriteContent } from '../../domain/access.ts';
import { MAX_FORM_ATTENDEES } from '../../domain/agenda.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import { DomainError } from '../../domain/errors.ts';
import type { UserInfo } from '../../domain/users.ts';
import { REPEAT_FREQS, type FormAttendee, type FormParticipants, type RepeatFreq, type SimpleEvent } from '../../ical/simpleEvent.ts';
import { field, signedIn, WebError, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import { csrfField, type Notice } from '../layout.ts';
import { formatDateTime, isDay, isoDay } from '../dates.ts';
import { calendarOf } from './calendars.ts';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_TEXT = 10_000;
/** An invited address: as the domain and the events API check them (a dot in the domain). */
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const ANSWERS = ['ACCEPTED', 'TENTATIVE', 'DECLINED'] as const;
type Answer = (typeof ANSWERS)[number];

interface FormState {
  event: SimpleEvent;
  calendar: string;
  ends: 'never' | 'count' | 'until';
  count: string;
  until: string;
  customRule: string | null;
  etag: string;
  /** The attendee field as typed (one address a line). */
  attendeesText: string;
  /** Who organizes and attends the stored event (null for a new one). */
  participants: FormParticipants | null;
}

interface Problem {
  key: MessageKey;
  params?: Record<string, string>;
  /** Shown beside this field as well as above the form. */
  field?: 'attendees';
}

/** Whose event it is, for the user: theirs to invite to, someone else's invitation to answer, or neither. */
type Role = { kind: 'organizer'; me: FormAttendee | null } | { kind: 'invitee'; me: FormAttendee } | { kind: 'other' };

function roleOf(participants: FormParticipants | null, user: UserInfo): Role {
  const me = user.email?.toLowerCase() ?? null;
  const organizer = participants?.organizer?.email ?? null;
  const mine = (me ? participants?.attendees.find((a) => a.email === me) : undefined) ?? null;
  // The organizer may be listed as an attendee too (Apple's and Thunderbird's way): then they answer like anyone.
  if (organizer === null || organizer === me) return { kind: 'organizer', me: organizer === null ? null : mine };
  return mine ? { kind: 'invitee', me: mine } : { kind: 'other' };
}

/**
 * The addresses of the attendee field: one a line (commas, semicolons and spaces separate too),
 * `mailto:` taken off; from `Name <address>`, as mail programs copy it, the address.
 */
export function readAttendees(text: string): { addresses: string[]; problems: Problem[] } {
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  const tokens = text.split(/[\r\n,;]+/).flatMap((item) => {
    const named = /<([^<>]*)>/.exec(item);
    return named ? [named[1]!.trim()] : item.split(/\s+/);
  });
  for (const raw of tokens) {
    const a = raw.replace(/^mailto:/i, '');
    if (!a) continue;
    if (a.length > 254 || !EMAIL.test(a)) {
      if (problems.length < 5) problems.push({ key: 'event.badAttendee', params: { address: a.slice(0, 100) }, field: 'attendees' });
      continue;
    }
    if (!seen.has(a.toLowerCase())) seen.set(a.toLowerCase(), a);
  }
  if (seen.size > MAX_FORM_ATTENDEES) problems.push({ key: 'event.tooManyAttendees', params: { max: String(MAX_FORM_ATTENDEES) }, field: 'attendees' });
  return { addresses: [...seen.values()], problems };
}

function writableEventCalendars(views: CalendarView[]): CalendarView[] {
  return views.filter((v) => canWriteContent(v) && v.components.includes('VEVENT'));
}

/** The form's fields as an event, or the problems with them (the attendees are read by `withAttendees`). */
export function readForm(form: Record<string, string>, zone: string): { state: Omit<FormState, 'customRule' | 'etag' | 'participants'>; problems: Problem[] } {
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
  return { state: { event, calendar: form.calendar ?? '', ends, count, until, attendeesText: form.attendees ?? '' }, problems: [...new Set(problems)].map((key) => ({ key })) };
}

/**
 * The event with the attendee field applied, when the field was sent and the user organizes:
 * the addresses, and the user as ORGANIZER when there is none yet and people are added (which
 * needs the user's own address). An event that lists attendees without an organizer (an import)
 * stays as it is until someone is added. An invitee's form leaves the list as it is.
 */
function withAttendees(call: WebCall, user: UserInfo, event: SimpleEvent, participants: FormParticipants | null): Problem[] {
  const text = call.form.attendees;
  if (text === undefined || roleOf(participants, user).kind !== 'organizer') return [];
  const { addresses, problems } = readAttendees(text);
  event.attendees = addresses;
  const listed = new Set(participants?.attendees.map((a) => a.email));
  if (addresses.some((a) => !listed.has(a.toLowerCase())) && !participants?.organizer) {
    if (!user.email) problems.push({ key: 'event.noOwnAddress', field: 'attendees' });
    else event.organizer = { email: user.email, name: user.displayName ?? null };
  }
  return problems;
}

/** The newest mail to one attendee, as the organizer's form shows it: sent, waiting, or not delivered (with why). */
export interface Delivery {
  state: 'sent' | 'waiting' | 'failed';
  at: Date;
  error: string | null;
}

/** What the page shows beside the fields: what became of the organizer's mails, and whether mail is sent at all. */
interface Extras {
  deliveries: Map<string, Delivery>;
  mailOn: boolean;
}

function partstatText(t: WebCall['frame']['t'], partstat: string): string {
  switch (partstat) {
    case 'ACCEPTED':
      return t('event.partstat.ACCEPTED');
    case 'TENTATIVE':
      return t('event.partstat.TENTATIVE');
    case 'DECLINED':
      return t('event.partstat.DECLINED');
    case 'DELEGATED':
      return t('event.partstat.DELEGATED');
    case 'NEEDS-ACTION':
      return t('event.partstat.NEEDS-ACTION');
    default:
      return partstat;
  }
}

/** What became of the invitation to one attendee: the mail's failure, else the SCHEDULE-STATUS written at the save (RFC 6638 §3.2.9). */
function deliveryText(call: WebCall, a: FormAttendee, mail: Delivery | undefined): string {
  const t = call.frame.t;
  const when = mail ? formatDateTime(call.frame.lang, call.zone, mail.at.getTime() / 1000) : '';
  if (mail?.state === 'failed') return t('event.delivery.failed', { when, error: mail.error ?? '' });
  if (mail?.state === 'sent') return t('event.delivery.sent', { when });
  const code = a.scheduleStatus?.split(/[;,]/)[0]?.trim() ?? '';
  if (!code) return '';
  if (code === '1.2') return t('event.delivery.local');
  if (code === '1.1' || code === '1.0') return t('event.delivery.queued');
  if (code === '5.3') return t('event.delivery.limit');
  if (code === '3.7' || code === '3.8') return t('event.delivery.invalid');
  if (code.startsWith('2.')) return t('event.delivery.local');
  return t('event.delivery.other', { code });
}

/** The attendees with their answers (and, for the organizer, what became of each invitation). */
function attendeeTable(call: WebCall, participants: FormParticipants, role: Role, extras: Extras): Html {
  const t = call.frame.t;
  if (!participants.attendees.length) return html``;
  const organizerView = role.kind === 'organizer';
  return html`<div class="table-wrap"><table class="attendees"><caption>${t('event.answers')}</caption>
    <thead><tr><th scope="col">${t('event.attendee')}</th><th scope="col">${t('event.answer')}</th>${organizerView ? html`<th scope="col">${t('event.delivery')}</th>` : ''}</tr></thead>
    <tbody>${participants.attendees.map(
      (a) => html`<tr><th scope="row"><span class="mono">${a.email}</span>${a.name ? html` <span class="hint">(${a.name})</span>` : ''}</th>
        <td><span class="badge partstat-${a.partstat.toLowerCase()}">${partstatText(t, a.partstat)}</span></td>${organizerView ? html`<td class="wrap">${deliveryText(call, a, extras.deliveries.get(a.email))}</td>` : ''}</tr>`,
    )}</tbody></table></div>`;
}

function organizerLine(call: WebCall, participants: FormParticipants | null): Html {
  const o = participants?.organizer;
  if (!o) return html``;
  return html`<p>${call.frame.t('event.organizer')}: <span class="mono">${o.email}</span>${o.name ? ` (${o.name})` : ''}</p>`;
}

/** The attendee field (the organizer's form). */
function attendeeField(call: WebCall, state: FormState, problems: Problem[], user: UserInfo, extras: Extras): Html {
  const t = call.frame.t;
  const errors = problems.filter((p) => p.field === 'attendees');
  const hint = user.email ? t('event.attendeesHint', { email: user.email }) : t('event.attendeesNoAddress');
  return html`<fieldset class="attendees"><legend>${t('event.attendees')}</legend>
    ${organizerLine(call, state.participants)}
    <label for="ev-att">${t('event.attendeesLabel')}</label>
    <textarea id="ev-att" name="attendees" rows="3" autocomplete="off" autocapitalize="none" spellcheck="false" aria-describedby="ev-att-hint${errors.length ? ' ev-att-error' : ''}"${errors.length ? html` aria-invalid="true"` : ''}>${state.attendeesText}</textarea>
    ${errors.length ? html`<p class="field-error" id="ev-att-error">${errors.map((p) => t(p.key, p.params))}</p>` : ''}
    <p class="hint" id="ev-att-hint">${hint}${extras.mailOn ? '' : html` ${t('event.mailOff')}`}</p>
    ${state.participants ? attendeeTable(call, state.participants, { kind: 'organizer', me: null }, extras) : ''}
  </fieldset>`;
}

/** The user's own answer when they are invited: a form of its own (it changes only their PARTSTAT). */
function answerForm(call: WebCall, action: string, state: FormState, me: FormAttendee, invitee: boolean): Html {
  const f = call.frame;
  const t = f.t;
  const labels: Record<Answer, string> = { ACCEPTED: t('event.answerAccept'), TENTATIVE: t('event.answerMaybe'), DECLINED: t('event.answerDecline') };
  return html`<section class="card" aria-labelledby="own-answer"><h2 id="own-answer">${t('event.yourAnswer')}</h2>
    ${invitee ? organizerLine(call, state.participants) : ''}
    <p>${t('event.yourAnswerNow', { answer: partstatText(t, me.partstat) })}</p>
    <form method="post" action="${f.href(`${action}/answer`)}" class="answer">${csrfField(f)}<input type="hidden" name="etag" value="${state.etag}">
      <fieldset><legend>${t('event.yourAnswer')}</legend>
      ${ANSWERS.map((a) => html`<label class="check"><input type="radio" name="partstat" value="${a}"${me.partstat === a ? html` checked` : ''} required> ${labels[a]}</label>`)}
      </fieldset>
      <button type="submit">${t('event.answerSave')}</button>
    </form>
    ${invitee && state.participants ? attendeeTable(call, state.participants, { kind: 'invitee', me }, { deliveries: new Map(), mailOn: true }) : ''}
  </section>`;
}

function render(
  call: WebCall,
  views: CalendarView[],
  state: FormState,
  target: { calendar: CalendarView; uri: string } | null,
  extras: Extras,
  problems: Problem[] = [],
  status = 200,
) {
  const f = call.frame;
  const t = f.t;
  const { user } = signedIn(call);
  const e = state.event;
  const role = roleOf(state.participants, user);
  const notices: Notice[] = problems.map((p) => ({ kind: 'error', text: t(p.key, p.params) }));
  const action = target ? `/my/events/${encodeURIComponent(target.calendar.uri)}/${encodeURIComponent(target.uri)}` : '/my/events';
  const sel = (on: boolean) => (on ? html` selected` : '');
  const chk = (on: boolean) => (on ? html` checked` : '');
  const calendarField: Html = target
    ? html`<p>${t('event.calendar')}: <strong>${target.calendar.displayname || target.calendar.uri}</strong></p>`
    : html`<label for="ev-cal">${t('event.calendar')}</label><select id="ev-cal" name="calendar">${writableEventCalendars(views).map((v) => html`<option value="${v.uri}"${sel(v.uri === state.calendar)}>${v.displayname || v.uri}</option>`)}</select>`;
  const participantsPart: Html =
    role.kind === 'organizer'
      ? attendeeField(call, state, problems, user, extras)
      : role.kind === 'other' && state.participants
        ? html`<fieldset class="attendees"><legend>${t('event.attendees')}</legend>${organizerLine(call, state.participants)}${attendeeTable(call, state.participants, role, extras)}</fieldset>`
        : html``;
  const body = html`${target && role.kind !== 'other' && role.me ? answerForm(call, action, state, role.me, role.kind === 'invitee') : ''}
  <form method="post" action="${f.href(action)}" class="card event-form">${csrfField(f)}
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
    ${participantsPart}
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
    attendeesText: '',
    participants: null,
  };
}

async function views(call: WebCall, deps: WebDeps): Promise<CalendarView[]> {
  return deps.domain.calendars.listForPrincipal(signedIn(call).user.principalUri);
}

/** The newest mail to each attendee of one of the user's events: a later mail that went out replaces an earlier failure. */
async function deliveriesOf(call: WebCall, deps: WebDeps, uid: string): Promise<Map<string, Delivery>> {
  const out = new Map<string, Delivery>();
  for (const m of await deps.domain.mailOutbox.latestOfEvent(signedIn(call).user.principalUri, uid)) {
    const state = m.status === 'sent' ? 'sent' : m.status === 'queued' ? 'waiting' : 'failed';
    out.set(m.recipient.toLowerCase(), { state, at: m.sentAt ?? m.createdAt, error: m.lastError ?? m.status });
  }
  return out;
}

async function extrasFor(call: WebCall, deps: WebDeps, uid: string | null): Promise<Extras> {
  return { deliveries: uid ? await deliveriesOf(call, deps, uid) : new Map(), mailOn: Boolean(deps.config.mail.smtpUrl) };
}

export const newEventForm: WebHandler = async (call, deps) => {
  const all = await views(call, deps);
  const date = isDay(call.req.query.date) ? call.req.query.date : isoDay(call.zone, Math.floor(deps.domain.clock.now().getTime() / 1000));
  return render(call, all, blank(call, date, writableEventCalendars(all)[0]?.uri ?? ''), null, await extrasFor(call, deps, null));
};

/** A domain refusal about the attendees (checked again there) as the form's field problem. */
function attendeeRefusal(err: unknown): Problem | null {
  if (!(err instanceof DomainError) || err.details.field !== 'attendees') return null;
  return { key: err.details.code === 'no-organizer' ? 'event.noOwnAddress' : 'event.badAttendees', field: 'attendees' };
}

export const createEvent: WebHandler = async (call, deps) => {
  const { actor, user } = signedIn(call);
  const all = await views(call, deps);
  const { state, problems } = readForm(call.form, call.zone);
  const view = writableEventCalendars(all).find((v) => v.uri === state.calendar);
  if (!view) throw new WebError(404, 'error.notFound');
  problems.push(...withAttendees(call, user, state.event, null));
  const again = async (p: Problem[]) => render(call, all, { ...state, customRule: null, etag: '', participants: null }, null, await extrasFor(call, deps, null), p, 400);
  if (problems.length) return again(problems);
  try {
    await deps.domain.agenda.createEvent(actor, view, state.event);
  } catch (err) {
    const p = attendeeRefusal(err);
    if (p) return again([p]);
    throw err;
  }
  return { kind: 'redirect', to: `/my/view?mode=month&date=${state.event.startDate}`, notice: { key: 'event.saved' } };
};

async function readStored(call: WebCall, deps: WebDeps, view: CalendarView, uri: string) {
  return deps.domain.agenda.readEvent(view, uri, call.zone).catch((err: unknown) => {
    if (err instanceof DomainError) throw new WebError(404, 'error.notFound');
    throw err;
  });
}

export const editEventForm: WebHandler = async (call, deps) => {
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  const read = await readStored(call, deps, view, uri);
  const r = read.event.repeat;
  const state: FormState = {
    event: read.event,
    calendar: view.uri,
    ends: r?.count !== undefined ? 'count' : r?.until !== undefined ? 'until' : 'never',
    count: r?.count !== undefined ? String(r.count) : '',
    until: r?.until ?? '',
    customRule: read.customRule,
    etag: read.etag,
    attendeesText: read.participants.attendees.map((a) => a.email).join('\n'),
    participants: read.participants,
  };
  return render(call, [], state, { calendar: view, uri }, await extrasFor(call, deps, read.uid));
};

export const updateEvent: WebHandler = async (call, deps) => {
  const { actor, user } = signedIn(call);
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  const keepRule = field(call, 'keepRule') === 'on';
  const stored = await readStored(call, deps, view, uri);
  const { state, problems } = readForm(call.form, call.zone);
  problems.push(...withAttendees(call, user, state.event, stored.participants));
  const again = async (p: Problem[]) =>
    render(call, [], { ...state, calendar: view.uri, customRule: keepRule ? (stored.customRule ?? '…') : null, etag: field(call, 'etag'), participants: stored.participants }, { calendar: view, uri }, await extrasFor(call, deps, stored.uid), p, 400);
  if (problems.length) return again(problems);
  try {
    await deps.domain.agenda.updateEvent(actor, view, uri, state.event, field(call, 'etag'), keepRule);
  } catch (err) {
    const p = attendeeRefusal(err);
    if (p) return again([p]);
    throw err;
  }
  return { kind: 'redirect', to: `/my/view?mode=month&date=${state.event.startDate}`, notice: { key: 'event.saved' } };
};

/** The user's own answer to an invitation in their calendar (Accept, Maybe, Decline). */
export const answerEvent: WebHandler = async (call, deps) => {
  const { actor, user } = signedIn(call);
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  const partstat = field(call, 'partstat');
  if (!(ANSWERS as readonly string[]).includes(partstat)) throw new WebError(400, 'event.badAnswer');
  const stored = await readStored(call, deps, view, uri);
  const role = roleOf(stored.participants, user);
  if (role.kind === 'other' || !role.me || !user.email) throw new WebError(400, 'event.notInvited');
  await deps.domain.agenda.answerInvitation(actor, view, uri, user.email, partstat as Answer, field(call, 'etag'));
  return { kind: 'redirect', to: `/my/events/${encodeURIComponent(view.uri)}/${encodeURIComponent(uri)}`, notice: { key: 'event.answered', params: { answer: partstatText(call.frame.t, partstat) } } };
};

export const deleteEvent: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  const etag = field(call, 'etag');
  await deps.domain.objects.delete(actor, view, String(call.req.params.obj ?? ''), etag ? { ifMatch: [etag] } : {}, 'web');
  return { kind: 'redirect', to: '/my/view', notice: { key: 'event.deleted' } };
};
