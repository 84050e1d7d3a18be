// The user's calendars: list with badges, create, settings (name, colour, description,
// components), public link, secret feed URLs, sharing, export, and delete after typing the name.
import { randomBytes } from 'node:crypto';
import { canAdminister, canWriteContent, owns } from '../../domain/access.ts';
import { MAX_CALENDAR_NAME_LENGTH, type CalendarView } from '../../domain/calendars.ts';
import { DomainError } from '../../domain/errors.ts';
import { COMPONENT_ORDER, type ComponentType } from '../../domain/components.ts';
import type { ShareEntry } from '../../domain/sharing.ts';
import { field, signedIn, WebError, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import { copyable, csrfField, swatch, type PageFrame } from '../layout.ts';
import { kept, NO_REFILL, problemOf, refill, refusedNotice, type Refill } from '../forms.ts';
import { calendarUrl, feedUrl, publicLink } from '../urls.ts';

/** The signed-in user's calendar named in the path, or 404. */
export async function calendarOf(call: WebCall, deps: WebDeps, uri = String(call.req.params.cal ?? '')): Promise<CalendarView> {
  const { user } = signedIn(call);
  const view = await deps.domain.calendars.get(user.principalUri, uri);
  if (!view) throw new WebError(404, 'error.notFound');
  return view;
}

function componentsFrom(call: WebCall): ComponentType[] {
  return COMPONENT_ORDER.filter((c) => call.form[`comp_${c}`] === 'on');
}

/** The components ticked in a refused form, else those given. */
function chosenComponents(r: Refill, form: string, stored: readonly ComponentType[]): readonly ComponentType[] {
  return r.form === form ? COMPONENT_ORDER.filter((c) => r.values[`comp_${c}`] === 'on') : stored;
}

function componentChecks(f: PageFrame, chosen: readonly ComponentType[], disabled = false): Html {
  return html`<fieldset><legend>${f.t('calendars.components')}</legend>${COMPONENT_ORDER.map(
    (c) => html`<label class="check"><input type="checkbox" name="comp_${c}"${chosen.includes(c) ? html` checked` : ''}${disabled ? html` disabled` : ''}> ${f.t(`component.${c}`)}</label>`,
  )}</fieldset>`;
}

const nameOf = (v: CalendarView) => v.displayname || v.uri;
const ownerName = (v: CalendarView) => v.ownerPrincipaluri.replace(/^principals\//, '');

function badges(f: PageFrame, v: CalendarView, shared: boolean, deps: WebDeps): Html {
  const t = f.t;
  const out: Html[] = [];
  if (owns(v)) out.push(html`<span class="badge">${t('calendars.badge.owner')}</span>`);
  else out.push(html`<span class="badge">${t('calendars.badge.sharedBy', { owner: ownerName(v) })}</span>`);
  if (!canWriteContent(v)) out.push(html`<span class="badge">${t('calendars.badge.readOnly')}</span>`);
  if (shared) out.push(html`<span class="badge">${t('calendars.badge.sharedOut')}</span>`);
  if (v.isPublic && owns(v) && deps.config.publicCalendarsEnabled) out.push(html`<span class="badge public">${t('calendars.badge.public')}</span>`);
  return html`${out}`;
}

export const listCalendars: WebHandler = async (call, deps) => renderList(call, deps, NO_REFILL);

async function renderList(call: WebCall, deps: WebDeps, r: Refill) {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const views = await deps.domain.calendars.listForPrincipal(user.principalUri);
  const shared = new Set<number>();
  for (const v of views.filter(owns)) if ((await deps.domain.sharing.shares(v.instanceId)).length) shared.add(v.instanceId);
  const rows = views.map(
    (v) => html`<tr>
      <td>${swatch(v.color)} <a href="${f.href(`/my/calendars/${encodeURIComponent(v.uri)}`)}">${nameOf(v)}</a></td>
      <td>${v.components.map((c) => t(`component.${c}`)).join(', ')}</td>
      <td class="num">${v.objectCount}</td>
      <td>${badges(f, v, shared.has(v.instanceId), deps)}</td>
    </tr>`,
  );
  const body = html`<div class="table-wrap"><table>
    <caption class="visually-hidden">${t('calendars.title')}</caption>
    <thead><tr><th scope="col">${t('calendars.name')}</th><th scope="col">${t('calendars.components')}</th><th scope="col" class="num">${t('calendars.objects')}</th><th scope="col"><span class="visually-hidden">${t('calendars.badge.owner')}</span></th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="4">${t('calendars.empty')}</td></tr>`}</tbody></table></div>
  <section class="card" aria-labelledby="new-cal"><h2 id="new-cal">${t('calendars.new')}</h2>
  <form method="post" action="${f.href('/my/calendars')}" novalidate>${csrfField(f)}
    ${nameField(f, r, 'create', 'c-name', '')}
    ${colorField(f, r, 'create', 'c-color', '#3d7bd9')}
    <label for="c-desc">${t('calendars.description')}</label><textarea id="c-desc" name="description" rows="2" maxlength="1000"${problemOf(r, 'create', 'description', 'c-desc').attrs}>${kept(r, 'create', 'description')}</textarea>${problemOf(r, 'create', 'description', 'c-desc').message}
    ${componentChecks(f, chosenComponents(r, 'create', ['VEVENT']))}
    <button type="submit">${t('common.create')}</button>
  </form></section>`;
  const refused = Object.keys(r.errors).length > 0;
  return { kind: 'page' as const, title: t('calendars.title'), body, status: refused ? 400 : 200, notices: refusedNotice(f, r) };
}

function nameField(f: PageFrame, r: Refill, form: string, id: string, stored: string): Html {
  const p = problemOf(r, form, 'name', id);
  return html`<label for="${id}">${f.t('calendars.name')}</label><input id="${id}" name="name" required maxlength="${MAX_CALENDAR_NAME_LENGTH}" value="${kept(r, form, 'name', stored)}"${p.attrs}>${p.message}`;
}

function colorField(f: PageFrame, r: Refill, form: string, id: string, stored: string): Html {
  const p = problemOf(r, form, 'color', id);
  const value = kept(r, form, 'color', stored);
  return html`<label for="${id}">${f.t('calendars.color')}</label><input id="${id}" name="color" type="color" value="${/^#[0-9A-Fa-f]{6}$/.test(value) ? value : stored}"${p.attrs}>${p.message}`;
}

/**
 * The calendar form's name checked as the web face asks it: trimmed (only spaces is no name), at
 * most the store's length. Field → message; empty when fine.
 */
function nameProblems(call: WebCall, name: string): Record<string, string> {
  const t = call.frame.t;
  if (!name) return { name: t('calendars.nameEmpty') };
  if (name.length > MAX_CALENDAR_NAME_LENGTH) return { name: t('calendars.nameTooLong', { max: MAX_CALENDAR_NAME_LENGTH }) };
  return {};
}

/** A refusal of the store, beside the field it names; anything else goes on to the error page. */
function storeProblems(call: WebCall, e: unknown): Record<string, string> | null {
  if (!(e instanceof DomainError) || e.kind !== 'Invalid') return null;
  const t = call.frame.t;
  switch (e.details.field) {
    case 'displayname':
      return { name: t('calendars.nameTooLong', { max: MAX_CALENDAR_NAME_LENGTH }) };
    case 'color':
      return { color: t('calendars.badColor') };
    case 'description':
      return { description: t('calendars.badDescription') };
    default:
      return null;
  }
}

/** A name for a new calendar's URL: its words, or random when they give nothing usable. */
function uriFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .slice(0, 40);
  return `${slug && !['inbox', 'outbox', 'notifications'].includes(slug) ? slug : 'calendar'}-${randomBytes(3).toString('hex')}`;
}

function colorFrom(call: WebCall): string | null {
  const c = field(call, 'color').trim();
  return c ? c.toUpperCase() : null;
}

export const createCalendar: WebHandler = async (call, deps) => {
  const { user, actor } = signedIn(call);
  const name = field(call, 'name').trim();
  const components = componentsFrom(call);
  const problems = nameProblems(call, name);
  if (Object.keys(problems).length) return renderList(call, deps, refill('create', call.form, problems));
  let view: CalendarView;
  try {
    view = await deps.domain.calendars.create(actor, user.principalUri, {
      uri: uriFor(name),
      displayname: name,
      color: colorFrom(call),
      description: field(call, 'description').trim() || null,
      components: components.length ? components : ['VEVENT'],
    });
  } catch (e) {
    const refused = storeProblems(call, e);
    if (!refused) throw e;
    return renderList(call, deps, refill('create', call.form, refused));
  }
  return { kind: 'redirect', to: `/my/calendars/${encodeURIComponent(view.uri)}`, notice: { key: 'calendars.created', params: { name: nameOf(view) } } };
};

function sharesSection(f: PageFrame, v: CalendarView, shares: ShareEntry[], r: Refill): Html {
  const t = f.t;
  const who = problemOf(r, 'share', 'username', 's-user');
  const write = kept(r, 'share', 'access') === 'write';
  const base = `/my/calendars/${encodeURIComponent(v.uri)}/shares`;
  return html`<section class="card" aria-labelledby="sharing"><h2 id="sharing">${t('calendar.share')}</h2>
    ${
      shares.length
        ? html`<ul class="plain">${shares.map(
            (s) => html`<li><span>${s.username} — ${s.writeAccess ? t('calendar.readWrite') : t('calendar.readOnly')}</span>
            <form method="post" action="${f.href(`${base}/${encodeURIComponent(s.username)}/delete`)}" class="inline">${csrfField(f)}<button type="submit" class="secondary">${t('calendar.revoke')} <span class="visually-hidden">${s.username}</span></button></form></li>`,
          )}</ul>`
        : html`<p>${t('calendar.noShares')}</p>`
    }
    <form method="post" action="${f.href(base)}" class="row">${csrfField(f)}
      <div><label for="s-user">${t('calendar.shareWith')}</label><input id="s-user" name="username" required autocapitalize="none" spellcheck="false" value="${kept(r, 'share', 'username')}"${who.attrs}>${who.message}</div>
      <div><label for="s-access">${t('calendar.access')}</label><select id="s-access" name="access"><option value="read">${t('calendar.readOnly')}</option><option value="write"${write ? html` selected` : ''}>${t('calendar.readWrite')}</option></select></div>
      <button type="submit">${t('calendar.shareSubmit')}</button>
    </form></section>`;
}

export const showCalendar: WebHandler = async (call, deps) => renderCalendar(call, deps, await calendarOf(call, deps), NO_REFILL);

async function renderCalendar(call: WebCall, deps: WebDeps, v: CalendarView, r: Refill) {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const owner = canAdminister(v);
  const base = `/my/calendars/${encodeURIComponent(v.uri)}`;
  const feeds = owner ? (await deps.domain.feeds.list(user.username)).filter((x) => x.instanceId === v.instanceId) : [];
  const shares = owner ? await deps.domain.sharing.shares(v.instanceId) : [];
  const publicOn = v.isPublic && deps.config.publicCalendarsEnabled;
  const settings = html`<section class="card" aria-labelledby="settings"><h2 id="settings">${t('calendar.settings')}</h2>
    <form method="post" action="${f.href(base)}" novalidate>${csrfField(f)}
      ${nameField(f, r, 'settings', 'e-name', v.displayname ?? '')}
      ${colorField(f, r, 'settings', 'e-color', (v.color ?? '#8A8F98').slice(0, 7))}
      <label for="e-desc">${t('calendars.description')}</label><textarea id="e-desc" name="description" rows="3" maxlength="1000"${problemOf(r, 'settings', 'description', 'e-desc').attrs}>${kept(r, 'settings', 'description', v.description ?? '')}</textarea>${problemOf(r, 'settings', 'description', 'e-desc').message}
      ${componentChecks(f, owner ? chosenComponents(r, 'settings', v.components) : v.components, !owner)}
      <button type="submit">${t('common.save')}</button>
    </form></section>`;
  const links = html`<section class="card" aria-labelledby="links"><h2 id="links">${t('calendar.caldavUrl')}</h2>
    ${copyable(f, 'caldav-url', calendarUrl(call, deps, user.username, v.uri), t('calendar.caldavUrl'))}
    <p><a class="button secondary" href="${f.href(`${base}/export`)}" download>${t('calendar.export')}</a></p>
  </section>`;
  const publicPart = owner
    ? html`<section class="card" aria-labelledby="public"><h2 id="public">${t('calendar.public')}</h2>
      ${
        deps.config.publicCalendarsEnabled
          ? html`<p>${publicOn ? t('calendar.publicOn') : t('calendar.publicOff')}</p>
          ${publicOn ? copyable(f, 'public-url', publicLink(call, deps, user.username, v.uri), t('calendar.public')) : ''}
          <form method="post" action="${f.href(`${base}/public`)}">${csrfField(f)}<input type="hidden" name="public" value="${publicOn ? 'off' : 'on'}"><button type="submit" class="secondary">${publicOn ? t('calendar.makePrivate') : t('calendar.makePublic')}</button></form>`
          : html`<p>${t('calendar.publicDisabled')}</p>`
      }
      ${feeds.map((fd, i) => html`${copyable(f, `feed-${i}`, feedUrl(call, deps, fd.feedId), t('calendar.feed'))}<p class="hint">${t('calendar.feedHint')}</p>`)}
    </section>`
    : '';
  const danger = html`<section class="card danger" aria-labelledby="danger"><h2 id="danger">${t('calendar.danger')}</h2>
    <form method="post" action="${f.href(`${base}/delete`)}">${csrfField(f)}
      <p>${owner ? t('calendar.deleteHint', { name: nameOf(v) }) : t('calendar.sharedDeleteHint', { name: nameOf(v) })}</p>
      <label for="confirm">${t('calendar.confirmName')}</label><input id="confirm" name="confirm" required autocomplete="off" data-must-equal="${nameOf(v)}" data-controls="delete-calendar" value="${kept(r, 'delete', 'confirm')}"${problemOf(r, 'delete', 'confirm', 'confirm').attrs}>${problemOf(r, 'delete', 'confirm', 'confirm').message}
      <button type="submit" id="delete-calendar" class="danger">${t('common.delete')}</button>
    </form></section>`;
  const body = html`${settings}${links}${publicPart}${owner ? sharesSection(f, v, shares, r) : ''}${danger}`;
  const refused = Object.keys(r.errors).length > 0;
  return { kind: 'page' as const, title: t('calendar.title', { name: nameOf(v) }), body, status: refused ? 400 : 200, notices: refusedNotice(f, r) };
}

export const updateCalendar: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const v = await calendarOf(call, deps);
  const components = componentsFrom(call);
  const name = field(call, 'name').trim();
  const problems = nameProblems(call, name);
  if (Object.keys(problems).length) return renderCalendar(call, deps, v, refill('settings', call.form, problems));
  try {
    await deps.domain.calendars.update(actor, v, {
      displayname: name,
      color: colorFrom(call),
      description: field(call, 'description').trim() || null,
      ...(canAdminister(v) && components.length ? { components } : {}),
    });
  } catch (e) {
    const refused = storeProblems(call, e);
    if (!refused) throw e;
    return renderCalendar(call, deps, v, refill('settings', call.form, refused));
  }
  return { kind: 'redirect', to: `/my/calendars/${encodeURIComponent(v.uri)}`, notice: { key: 'calendars.saved' } };
};

export const setPublic: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const v = await calendarOf(call, deps);
  // Only the owner may: the domain answers Forbidden (403) to anyone else.
  await deps.domain.calendars.update(actor, v, { isPublic: field(call, 'public') === 'on' });
  return { kind: 'redirect', to: `/my/calendars/${encodeURIComponent(v.uri)}`, notice: { key: 'calendars.saved' } };
};

export const addShare: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const v = await calendarOf(call, deps);
  const sharee = field(call, 'username').trim();
  const t = call.frame.t;
  const refuse = (text: string) => renderCalendar(call, deps, v, refill('share', call.form, { username: text }));
  if (!sharee) return refuse(t('share.noUser'));
  try {
    await deps.domain.sharing.share(user.username, v.instanceId, sharee, field(call, 'access') === 'write');
  } catch (e) {
    // Who may share is not a form problem (403 page); whom to share with is.
    if (e instanceof DomainError && e.details.code === 'sharee') return refuse(t('share.unknownUser', { user: sharee }));
    if (e instanceof DomainError && e.details.code === 'self') return refuse(t('share.self'));
    throw e;
  }
  return { kind: 'redirect', to: `/my/calendars/${encodeURIComponent(v.uri)}`, notice: { key: 'calendar.shared', params: { user: sharee } } };
};

export const removeShare: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const v = await calendarOf(call, deps);
  await deps.domain.sharing.unshare(user.username, v.instanceId, String(call.req.params.user ?? ''));
  return { kind: 'redirect', to: `/my/calendars/${encodeURIComponent(v.uri)}`, notice: { key: 'calendar.revoked' } };
};

export const deleteCalendar: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  const v = await calendarOf(call, deps);
  if (field(call, 'confirm').trim() !== nameOf(v)) return renderCalendar(call, deps, v, refill('delete', call.form, { confirm: call.frame.t('calendar.deleteMismatch') }));
  await deps.domain.calendars.delete(actor, v);
  return { kind: 'redirect', to: '/my/calendars', notice: { key: 'calendars.deleted', params: { name: nameOf(v) } } };
};

export const exportCalendar: WebHandler = async (call, deps) => {
  const v = await calendarOf(call, deps);
  return { kind: 'file', type: 'text/calendar; charset=utf-8', filename: `${nameOf(v)}.ics`, body: deps.domain.exports.stream(v, {}) };
};

