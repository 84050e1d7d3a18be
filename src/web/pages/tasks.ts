// The task list with its done toggles.
import { canWriteContent } from '../../domain/access.ts';
import { field, signedIn, WebError, type WebHandler } from '../call.ts';
import { html } from '../html.ts';
import { csrfField, swatch } from '../layout.ts';
import { formatDate } from '../dates.ts';
import { calendarOf } from './calendars.ts';

export const showTasks: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const { items, capped } = await deps.domain.agenda.tasks(actor, call.zone, deps.config.web.listLimit);
  const body = items.length
    ? html`<ul class="plain tasks">${items.map((x) => {
        const name = x.summary || t('tasks.untitled');
        const due = x.due === null ? t('tasks.noDue') : t('tasks.due', { date: formatDate(f.lang, call.zone, x.due) });
        const writable = canWriteContent(x.calendar);
        return html`<li class="${x.done ? 'done' : ''}">
          <form method="post" action="${f.href(`/my/tasks/${encodeURIComponent(x.calendar.uri)}/${encodeURIComponent(x.uri)}/done`)}">${csrfField(f)}
            <input type="hidden" name="done" value="${x.done ? 'off' : 'on'}">
            <button type="submit" class="toggle" aria-pressed="${x.done ? 'true' : 'false'}"${writable ? '' : html` disabled`}><span aria-hidden="true">${x.done ? '☑' : '☐'}</span><span class="visually-hidden">${x.done ? t('tasks.markOpen', { name }) : t('tasks.markDone', { name })}</span></button>
          </form>
          <span>${swatch(x.calendar.color)} <span class="summary">${name}</span> <span class="hint">${x.done ? t('tasks.done') : due}</span></span></li>`;
      })}</ul>${capped ? html`<p class="notice error">${t('admin.capped', { count: deps.config.web.listLimit })}</p>` : ''}`
    : html`<p>${t('tasks.empty')}</p>`;
  return { kind: 'page', title: t('tasks.title'), body };
};

export const toggleTask: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const view = await calendarOf(call, deps);
  const uri = String(call.req.params.obj ?? '');
  if (!uri) throw new WebError(404, 'error.notFound');
  await deps.domain.agenda.setTaskDone(actor, view, uri, field(call, 'done') === 'on');
  return { kind: 'redirect', to: '/my/tasks' };
};
