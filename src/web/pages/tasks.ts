// The tasks pages: the list (open tasks by due date, completed ones folded below), the task form
// (create and edit: title, list, due date and time, priority, notes), a read-only page for a task
// in a list shared read-only, the done toggle, and delete after a confirmation page. Writes go
// through domain.tasks, the same path as a CalDAV PUT, so clients see them on their next sync.
import { canWriteContent } from '../../domain/access.ts';
import type { CalendarView } from '../../domain/calendars.ts';
import { DomainError } from '../../domain/errors.ts';
import type { PlacedTask } from '../../domain/tasks.ts';
import { TASK_PRIORITIES, type TaskFields, type TaskPriority } from '../../ical/todos.ts';
import { field, signedIn, WebError, type WebAnswer, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import { csrfField, swatch, type Notice } from '../layout.ts';
import { formatDate, formatDateTime, isDay } from '../dates.ts';
import { calendarOf } from './calendars.ts';

/** The longest title or notes the form takes (as the event form). */
export const MAX_TASK_TEXT = 10_000;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const seg = encodeURIComponent;

export const taskPath = (view: CalendarView, uri: string) => `/my/tasks/${seg(view.uri)}/${seg(uri)}`;
const listName = (v: CalendarView) => v.displayname || v.uri;

type FieldName = 'summary' | 'list' | 'dueDate' | 'dueTime' | 'description';

interface Problem {
  field: FieldName;
  key: MessageKey;
  params?: Record<string, string>;
}

/** The form's fields as a task and the list asked for, or the problems with them (each beside its field). */
export function readTaskForm(form: Record<string, string>): { fields: TaskFields; list: string; problems: Problem[] } {
  const priority = (TASK_PRIORITIES as readonly string[]).includes(form.priority ?? '') ? (form.priority as TaskPriority) : 'none';
  const fields: TaskFields = {
    summary: (form.summary ?? '').trim(),
    dueDate: (form.dueDate ?? '').trim(),
    dueTime: (form.dueTime ?? '').trim(),
    priority,
    // Browsers send a textarea's line breaks as CRLF; DESCRIPTION holds them as \n.
    description: (form.description ?? '').replace(/\r\n?/g, '\n'),
  };
  const problems: Problem[] = [];
  const max = { max: String(MAX_TASK_TEXT) };
  if (!fields.summary) problems.push({ field: 'summary', key: 'tasks.noTitle' });
  else if (fields.summary.length > MAX_TASK_TEXT) problems.push({ field: 'summary', key: 'tasks.tooLong', params: max });
  if (fields.dueDate && !isDay(fields.dueDate)) problems.push({ field: 'dueDate', key: 'tasks.badDate' });
  if (fields.dueTime && !TIME.test(fields.dueTime)) problems.push({ field: 'dueTime', key: 'tasks.badTime' });
  else if (fields.dueTime && !fields.dueDate) problems.push({ field: 'dueTime', key: 'tasks.timeWithoutDate' });
  if (fields.description.length > MAX_TASK_TEXT) problems.push({ field: 'description', key: 'tasks.tooLong', params: max });
  return { fields, list: form.list ?? '', problems };
}

// The list ---------------------------------------------------------------------------------------

function taskItem(call: WebCall, x: PlacedTask, now: number): Html {
  const f = call.frame;
  const t = f.t;
  const name = x.summary || t('tasks.untitled');
  const writable = canWriteContent(x.calendar);
  const path = taskPath(x.calendar, x.uri);
  const overdue = !x.done && x.due !== null && (x.dueIsDate ? x.due + 86_400 <= now : x.due < now);
  const when = x.done
    ? x.completed !== null
      ? t('tasks.doneAt', { date: formatDate(f.lang, call.zone, x.completed) })
      : t('tasks.done')
    : x.due === null
      ? t('tasks.noDue')
      : t('tasks.due', { date: x.dueIsDate ? formatDate(f.lang, call.zone, x.due) : formatDateTime(f.lang, call.zone, x.due) });
  const level = x.priority >= 1 && x.priority <= 9 ? (x.priority <= 4 ? 'high' : x.priority === 5 ? 'medium' : 'low') : null;
  const box = writable
    ? html`<form method="post" action="${f.href(`${path}/done`)}" class="task-toggle">${csrfField(f)}
        <input type="hidden" name="done" value="${x.done ? 'off' : 'on'}">
        <button type="submit" class="toggle" aria-pressed="${x.done ? 'true' : 'false'}"><span aria-hidden="true">${x.done ? '☑' : '☐'}</span><span class="visually-hidden">${x.done ? t('tasks.markOpen', { name }) : t('tasks.markDone', { name })}</span></button>
      </form>`
    : html`<span class="toggle static" aria-hidden="true">${x.done ? '☑' : '☐'}</span>`;
  return html`<li class="task${x.done ? ' done' : ''}${overdue ? ' overdue' : ''}">
    ${box}
    <span class="task-main"><a class="summary" href="${f.href(path)}">${name}</a>
      <span class="task-meta"><span class="hint when">${when}</span>${overdue ? html` <span class="badge overdue">${t('tasks.overdue')}</span>` : ''}${level ? html` <span class="badge priority-${level}">${t(`tasks.badge.${level}`)}</span>` : ''}
      <span class="hint list">${swatch(x.calendar.color)} ${listName(x.calendar)}</span></span></span>
  </li>`;
}

export const showTasks: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const [{ items, capped }, lists] = await Promise.all([deps.domain.tasks.tasks(actor, call.zone, deps.config.web.listLimit), deps.domain.tasks.lists(actor)]);
  const now = Math.floor(deps.domain.clock.now().getTime() / 1000);
  const open = items.filter((x) => !x.done);
  const done = items.filter((x) => x.done);
  const top = lists.length
    ? html`<div class="view-nav"><a class="button" href="${f.href('/my/tasks/new')}">${t('tasks.new')}</a></div>`
    : html`<p class="notice">${t('tasks.noLists')} <a href="${f.href('/my/calendars')}">${t('nav.calendars')}</a></p>`;
  const body = items.length
    ? html`${top}
      <section aria-labelledby="open-tasks"><h2 id="open-tasks" class="visually-hidden">${t('tasks.open')}</h2>
      ${open.length ? html`<ul class="plain tasks">${open.map((x) => taskItem(call, x, now))}</ul>` : html`<p>${t('tasks.noOpen')}</p>`}</section>
      ${done.length ? html`<details class="completed"><summary>${t('tasks.completed', { count: done.length })}</summary><ul class="plain tasks">${done.map((x) => taskItem(call, x, now))}</ul></details>` : ''}
      ${capped ? html`<p class="notice error">${t('admin.capped', { count: deps.config.web.listLimit })}</p>` : ''}`
    : html`${top}<p>${t('tasks.empty')}</p>`;
  return { kind: 'page', title: t('tasks.title'), body };
};

export const toggleTask: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  if (!uri) throw new WebError(404, 'error.notFound');
  await deps.domain.tasks.setTaskDone(actor, view, uri, field(call, 'done') === 'on');
  return { kind: 'redirect', to: '/my/tasks' };
};

// The form --------------------------------------------------------------------------------------

interface FormTarget {
  view: CalendarView;
  uri: string;
  etag: string;
}

interface FormState {
  fields: TaskFields;
  /** The chosen list's calendar name. */
  list: string;
}

function renderForm(call: WebCall, lists: CalendarView[], state: FormState, target: FormTarget | null, problems: Problem[] = [], notices: Notice[] = [], status = 200): WebAnswer {
  const f = call.frame;
  const t = f.t;
  const v = state.fields;
  const errorOf = (name: FieldName) => problems.filter((p) => p.field === name);
  /** The attributes of a field's input that tie it to its hint and its message. */
  const described = (name: FieldName, id: string, hint?: string) => {
    const ids = [hint, errorOf(name).length ? `${id}-error` : null].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${errorOf(name).length ? html` aria-invalid="true"` : ''}`;
  };
  const message = (name: FieldName, id: string) => {
    const mine = errorOf(name);
    return mine.length ? html`<p class="field-error" id="${id}-error">${mine.map((p) => t(p.key, p.params))}</p>` : '';
  };
  const sel = (on: boolean) => (on ? html` selected` : '');
  const action = target ? taskPath(target.view, target.uri) : '/my/tasks';
  const body = html`<form method="post" action="${f.href(action)}" class="card task-form" novalidate>${csrfField(f)}
    <input type="hidden" name="etag" value="${target?.etag ?? ''}">
    <label for="tk-summary">${t('tasks.summary')}</label><input id="tk-summary" name="summary" required maxlength="${MAX_TASK_TEXT}" value="${v.summary}" autocomplete="off"${described('summary', 'tk-summary')}>
    ${message('summary', 'tk-summary')}
    <label for="tk-list">${t('tasks.list')}</label><select id="tk-list" name="list"${described('list', 'tk-list')}>${lists.map((l) => html`<option value="${l.uri}"${sel(l.uri === state.list)}>${listName(l)}</option>`)}</select>
    ${message('list', 'tk-list')}
    <fieldset class="due"><legend>${t('tasks.dueLegend')}</legend>
      <div class="row">
        <div><label for="tk-due">${t('tasks.dueDate')}</label><input id="tk-due" name="dueDate" type="date" value="${v.dueDate}"${described('dueDate', 'tk-due', 'tk-due-hint')}>${message('dueDate', 'tk-due')}</div>
        <div><label for="tk-time">${t('tasks.dueTime')}</label><input id="tk-time" name="dueTime" type="time" value="${v.dueTime}"${described('dueTime', 'tk-time', 'tk-due-hint')}>${message('dueTime', 'tk-time')}</div>
      </div>
      <p class="hint" id="tk-due-hint">${t('tasks.dueHint', { zone: call.zone })}</p>
    </fieldset>
    <label for="tk-priority">${t('tasks.priority')}</label><select id="tk-priority" name="priority">${TASK_PRIORITIES.map((p) => html`<option value="${p}"${sel(p === v.priority)}>${t(`tasks.priority.${p}`)}</option>`)}</select>
    <label for="tk-notes">${t('tasks.notes')}</label><textarea id="tk-notes" name="description" rows="4" maxlength="${MAX_TASK_TEXT}"${described('description', 'tk-notes')}>${v.description}</textarea>
    ${message('description', 'tk-notes')}
    ${target ? html`<p class="hint">${t('tasks.keepsOthers')}</p>` : ''}
    <p class="task-actions"><button type="submit">${t('common.save')}</button>
    <a class="button secondary" href="${f.href('/my/tasks')}">${t('tasks.cancel')}</a></p>
  </form>
  ${target ? html`<p><a class="button secondary danger-link" href="${f.href(`${taskPath(target.view, target.uri)}/delete`)}">${t('tasks.delete')}</a></p>` : ''}`;
  return { kind: 'page', title: target ? t('tasks.edit') : t('tasks.new'), body, notices, status };
}

const blank = (): TaskFields => ({ summary: '', dueDate: '', dueTime: '', priority: 'none', description: '' });

/** A list's page when no calendar takes tasks: what to do instead of a form that cannot be sent. */
function noLists(call: WebCall): WebAnswer {
  const f = call.frame;
  return { kind: 'page', title: f.t('tasks.new'), body: html`<p class="notice">${f.t('tasks.noLists')} <a href="${f.href('/my/calendars')}">${f.t('nav.calendars')}</a></p>` };
}

export const newTaskForm: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const lists = await deps.domain.tasks.lists(actor);
  if (!lists.length) return noLists(call);
  const asked = typeof call.req.query.list === 'string' ? call.req.query.list : '';
  const fields = blank();
  if (isDay(call.req.query.date)) fields.dueDate = call.req.query.date;
  return renderForm(call, lists, { fields, list: lists.some((l) => l.uri === asked) ? asked : lists[0]!.uri }, null);
};

export const createTask: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const lists = await deps.domain.tasks.lists(actor);
  if (!lists.length) return { ...noLists(call), status: 400 };
  const { fields, list, problems } = readTaskForm(call.form);
  const view = lists.find((l) => l.uri === list);
  if (!view) problems.push({ field: 'list', key: 'tasks.badList' });
  if (problems.length || !view) return renderForm(call, lists, { fields, list }, null, problems, [], 400);
  await deps.domain.tasks.createTask(actor, view, fields, call.zone);
  return { kind: 'redirect', to: '/my/tasks', notice: { key: 'tasks.saved' } };
};

async function storedTask(call: WebCall, deps: WebDeps, view: CalendarView, uri: string) {
  return deps.domain.tasks.readTask(view, uri, call.zone).catch((err: unknown) => {
    if (err instanceof DomainError && err.kind === 'NotFound') throw new WebError(404, 'error.notFound');
    throw err;
  });
}

/** A task in a list the user may only read: its values, and no control. */
function readOnlyPage(call: WebCall, view: CalendarView, fields: TaskFields): WebAnswer {
  const f = call.frame;
  const t = f.t;
  const item = (label: string, value: Html | string) => html`<dt>${label}</dt><dd>${value}</dd>`;
  const due = fields.dueDate ? `${fields.dueDate}${fields.dueTime ? ` ${fields.dueTime}` : ''}` : t('tasks.noDue');
  const body = html`<p class="notice">${t('tasks.readOnly', { list: listName(view) })}</p>
    <section class="card task-view"><dl>
      ${item(t('tasks.list'), html`${swatch(view.color)} ${listName(view)}`)}
      ${item(t('tasks.dueDate'), due)}
      ${item(t('tasks.priority'), t(`tasks.priority.${fields.priority}`))}
      ${fields.description ? item(t('tasks.notes'), html`<span class="notes">${fields.description}</span>`) : ''}
    </dl></section>
    <p><a class="button secondary" href="${f.href('/my/tasks')}">${t('tasks.back')}</a></p>`;
  return { kind: 'page', title: fields.summary || t('tasks.untitled'), body };
}

/**
 * The lists an edit may choose, the task's own always among them: a calendar that no longer
 * takes new tasks still holds this one, and the form must not move it away unasked.
 */
function withOwn(lists: CalendarView[], own: CalendarView): CalendarView[] {
  return lists.some((l) => l.calendarId === own.calendarId) ? lists : [own, ...lists];
}

export const showTask: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  const stored = await storedTask(call, deps, view, uri);
  if (!canWriteContent(view)) return readOnlyPage(call, view, stored.fields);
  const lists = withOwn(await deps.domain.tasks.lists(actor), view);
  return renderForm(call, lists, { fields: stored.fields, list: view.uri }, { view, uri, etag: stored.etag });
};

/** A write to a list the user may only read: refused before anything is read or written. */
function requireWritable(view: CalendarView): void {
  if (!canWriteContent(view)) throw new WebError(403, 'error.forbidden');
}

export const updateTask: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const stored = await storedTask(call, deps, view, uri);
  const lists = withOwn(await deps.domain.tasks.lists(actor), view);
  const { fields, list, problems } = readTaskForm(call.form);
  const to = list ? lists.find((l) => l.uri === list) : view;
  if (!to) problems.push({ field: 'list', key: 'tasks.badList' });
  const sent = field(call, 'etag') || stored.etag;
  const again = (p: Problem[], etag: string, notices: Notice[] = [], status = 400) => renderForm(call, lists, { fields, list: list || view.uri }, { view, uri, etag }, p, notices, status);
  if (problems.length || !to) return again(problems, sent);
  try {
    await deps.domain.tasks.updateTask(actor, view, uri, fields, sent, call.zone, to);
  } catch (err) {
    // Changed elsewhere since the form was made: the user's values stay, with the ETag of the
    // version now stored, so that saving again is a deliberate overwrite.
    if (err instanceof DomainError && err.kind === 'PreconditionFailed') {
      const now = await storedTask(call, deps, view, uri);
      return again([], now.etag, [{ kind: 'error', text: call.frame.t('tasks.changed') }], 409);
    }
    if (err instanceof DomainError && err.details.field === 'list') return again([{ field: 'list', key: 'tasks.badList' }], sent);
    throw err;
  }
  return { kind: 'redirect', to: '/my/tasks', notice: { key: 'tasks.saved' } };
};

export const confirmDeleteTask: WebHandler = async (call, deps) => {
  const f = call.frame;
  const t = f.t;
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const stored = await storedTask(call, deps, view, uri);
  const name = stored.fields.summary || t('tasks.untitled');
  const path = taskPath(view, uri);
  const body = html`<form method="post" action="${f.href(`${path}/delete`)}" class="card danger">${csrfField(f)}
    <input type="hidden" name="etag" value="${stored.etag}">
    <p>${t('tasks.deleteHint', { name, list: listName(view) })}</p>
    <button type="submit" class="danger" id="delete-task">${t('tasks.delete')}</button>
    <a class="button secondary" href="${f.href(path)}">${t('tasks.cancel')}</a>
  </form>`;
  return { kind: 'page', title: t('tasks.deleteTitle', { name }), body };
};

export const deleteTask: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  requireWritable(view);
  const uri = String(call.req.params.obj ?? '');
  const stored = await storedTask(call, deps, view, uri);
  await deps.domain.tasks.deleteTask(actor, view, uri, field(call, 'etag'));
  return { kind: 'redirect', to: '/my/tasks', notice: { key: 'tasks.deleted', params: { name: stored.fields.summary || call.frame.t('tasks.untitled') } } };
};
