// The admin console: users (list with counts, create, edit, reset password, disable, delete
// after typing the name), any user's calendars and shares, push synchronizations, and the
// instance's status. The router lets only admins in.
import { canAdminister, owns } from '../../domain/access.ts';
import type { UserInfo } from '../../domain/users.ts';
import { field, signedIn, WebError, type WebCall, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import { csrfField, swatch, type PageFrame } from '../layout.ts';
import { DomainError } from '../../domain/errors.ts';
import { kept, NO_REFILL, problemOf, refill, refusedNotice, type Refill } from '../forms.ts';
import type { Translate } from '../i18n/index.ts';
import { formatDateTime } from '../dates.ts';

function adminNav(f: PageFrame): Html {
  const t = f.t;
  const item = (path: string, label: string) => html`<li><a href="${f.href(path)}"${f.path === path || (path === '/admin/users' && f.path.startsWith('/admin/users')) ? html` aria-current="page"` : ''}>${label}</a></li>`;
  return html`<nav aria-label="${t('admin.title')}"><ul class="tabs">${item('/admin/users', t('admin.users'))}${item('/admin/synchronizations', t('admin.syncs'))}${item('/admin/status', t('admin.status'))}</ul></nav>`;
}

async function userOf(call: WebCall, deps: Parameters<WebHandler>[1]): Promise<UserInfo> {
  const u = await deps.domain.users.get(String(call.req.params.name ?? ''));
  if (!u) throw new WebError(404, 'error.notFound');
  return u;
}

export const listUsers: WebHandler = async (call, deps) => renderUsers(call, deps, NO_REFILL);

/** The user form's refusal by the store, beside its field (the password is never sent back). */
function userProblems(t: Translate, e: unknown, minPassword: number, username: string): Record<string, string> | null {
  if (!(e instanceof DomainError) || (e.kind !== 'Invalid' && e.kind !== 'Conflict')) return null;
  switch (e.details.field) {
    case 'username':
      return { username: e.kind === 'Conflict' ? t('admin.userExists', { user: username }) : t('admin.badUsername') };
    case 'email':
      return { email: t('admin.badEmail') };
    case 'displayName':
      return { displayName: t('admin.badDisplayName') };
    case 'password':
      return { password: t('form.badPassword', { min: minPassword }) };
    default:
      return null;
  }
}

/** A field of the admin's user forms, its value kept when refused (never a password's). */
function input(f: PageFrame, r: Refill, form: string, name: string, id: string, label: string, attrs: Html, stored = ''): Html {
  const p = problemOf(r, form, name, id);
  const value = attrs.value.includes('type="password"') ? '' : kept(r, form, name, stored);
  return html`<label for="${id}">${label}</label><input id="${id}" name="${name}"${attrs} value="${value}"${p.attrs}>${p.message}`;
}

async function renderUsers(call: WebCall, deps: Parameters<WebHandler>[1], r: Refill) {
  const f = call.frame;
  const t = f.t;
  const limit = deps.config.web.listLimit;
  const all = await deps.domain.users.list();
  const users = all.slice(0, limit);
  const rows: Html[] = [];
  for (const u of users) {
    const owned = (await deps.domain.calendars.listForPrincipal(u.principalUri)).filter(owns);
    rows.push(html`<tr><th scope="row"><a href="${f.href(`/admin/users/${encodeURIComponent(u.username)}`)}">${u.username}</a></th><td>${u.email ?? ''}</td>
      <td class="num">${owned.length}</td><td class="num">${owned.reduce((n, v) => n + v.objectCount, 0)}</td>
      <td>${u.isAdmin ? t('common.yes') : t('common.no')}</td><td>${u.disabled ? t('common.yes') : t('common.no')}</td></tr>`);
  }
  const body = html`${adminNav(f)}
  <div class="table-wrap"><table><thead><tr><th scope="col">${t('admin.username')}</th><th scope="col">${t('admin.email')}</th><th scope="col" class="num">${t('admin.calendars')}</th><th scope="col" class="num">${t('admin.objects')}</th><th scope="col">${t('admin.isAdmin')}</th><th scope="col">${t('admin.disabled')}</th></tr></thead>
  <tbody>${rows}</tbody></table></div>
  ${all.length > limit ? html`<p class="notice error">${t('admin.capped', { count: limit })}</p>` : ''}
  <section class="card" aria-labelledby="new-user"><h2 id="new-user">${t('admin.create')}</h2>
  <form method="post" action="${f.href('/admin/users')}" novalidate>${csrfField(f)}
    ${input(f, r, 'create', 'username', 'u-name', t('admin.username'), html` required autocapitalize="none" spellcheck="false" maxlength="64"`)}
    ${input(f, r, 'create', 'email', 'u-email', t('admin.email'), html` type="email" maxlength="254"`)}
    ${input(f, r, 'create', 'displayName', 'u-display', t('admin.displayName'), html` maxlength="255"`)}
    ${input(f, r, 'create', 'password', 'u-pass', t('admin.password'), html` type="password" autocomplete="new-password" required`)}
    <label class="check"><input type="checkbox" name="isAdmin"${kept(r, 'create', 'isAdmin') === 'on' ? html` checked` : ''}> ${t('admin.isAdmin')}</label>
    <button type="submit">${t('common.create')}</button>
  </form></section>`;
  return { kind: 'page' as const, title: t('admin.users'), body, status: Object.keys(r.errors).length ? 400 : 200, notices: refusedNotice(f, r) };
}

export const createUser: WebHandler = async (call, deps) => {
  const username = field(call, 'username').trim();
  try {
    await deps.domain.users.create({
      username,
      password: field(call, 'password'),
      email: field(call, 'email').trim() || null,
      displayName: field(call, 'displayName').trim() || null,
      isAdmin: field(call, 'isAdmin') === 'on',
    });
  } catch (e) {
    const problems = userProblems(call.frame.t, e, deps.config.limits.minPasswordLength, username);
    if (!problems) throw e;
    return renderUsers(call, deps, refill('create', call.form, problems));
  }
  return { kind: 'redirect', to: `/admin/users/${encodeURIComponent(username)}`, notice: { key: 'admin.created', params: { user: username } } };
};

export const showUser: WebHandler = async (call, deps) => renderUser(call, deps, await userOf(call, deps), NO_REFILL);

async function renderUser(call: WebCall, deps: Parameters<WebHandler>[1], u: UserInfo, r: Refill) {
  const f = call.frame;
  const t = f.t;
  const views = await deps.domain.calendars.listForPrincipal(u.principalUri);
  const rows: Html[] = [];
  for (const v of views) {
    const shares = canAdminister(v) ? await deps.domain.sharing.shares(v.instanceId) : [];
    const note = owns(v) ? shares.map((s) => `${s.username} (${s.writeAccess ? t('calendar.readWrite') : t('calendar.readOnly')})`).join(', ') : t('calendars.badge.sharedBy', { owner: v.ownerPrincipaluri.replace(/^principals\//, '') });
    rows.push(html`<tr><th scope="row">${swatch(v.color)} ${v.displayname || v.uri}</th><td class="num">${v.objectCount}</td><td>${note || '—'}</td></tr>`);
  }
  const base = `/admin/users/${encodeURIComponent(u.username)}`;
  const chk = (on: boolean) => (on ? html` checked` : '');
  const box = (name: string, stored: boolean) => chk(r.form === 'edit' ? r.values[name] === 'on' : stored);
  const self = problemOf(r, 'edit', 'isAdmin', 'u-admin');
  const body = html`${adminNav(f)}
  <section class="card" aria-labelledby="edit"><h2 id="edit">${t('admin.userTitle', { user: u.username })}</h2>
  <form method="post" action="${f.href(base)}" novalidate>${csrfField(f)}
    ${input(f, r, 'edit', 'email', 'u-email', t('admin.email'), html` type="email" maxlength="254"`, u.email ?? '')}
    ${input(f, r, 'edit', 'displayName', 'u-display', t('admin.displayName'), html` maxlength="255"`, u.displayName ?? '')}
    <label class="check"><input type="checkbox" id="u-admin" name="isAdmin"${box('isAdmin', u.isAdmin)}${self.attrs}> ${t('admin.isAdmin')}</label>
    <label class="check"><input type="checkbox" name="disabled"${box('disabled', u.disabled)}> ${t('admin.disabled')}</label>${self.message}
    <button type="submit">${t('common.save')}</button>
  </form></section>
  <section class="card" aria-labelledby="cals"><h2 id="cals">${t('admin.calendars')}</h2>
  <div class="table-wrap"><table><thead><tr><th scope="col">${t('calendars.name')}</th><th scope="col" class="num">${t('admin.objects')}</th><th scope="col">${t('admin.shares')}</th></tr></thead><tbody>${rows}</tbody></table></div></section>
  <section class="card" aria-labelledby="reset"><h2 id="reset">${t('admin.resetPassword')}</h2>
  <form method="post" action="${f.href(`${base}/password`)}" novalidate>${csrfField(f)}
    <input type="text" name="username" autocomplete="username" value="${u.username}" hidden>
    ${input(f, r, 'password', 'password', 'u-pass', t('admin.password'), html` type="password" autocomplete="new-password" required`)}
    <button type="submit">${t('common.save')}</button>
  </form></section>
  <section class="card danger" aria-labelledby="del"><h2 id="del">${t('admin.deleteUser')}</h2>
  <form method="post" action="${f.href(`${base}/delete`)}">${csrfField(f)}
    <p>${t('admin.deleteHint', { user: u.username })}</p>
    ${input(f, r, 'delete', 'confirm', 'confirm', t('admin.username'), html` required autocomplete="off" data-must-equal="${u.username}" data-controls="delete-user"`)}
    <button type="submit" id="delete-user" class="danger">${t('common.delete')}</button>
  </form></section>`;
  return { kind: 'page' as const, title: t('admin.userTitle', { user: u.username }), body, status: Object.keys(r.errors).length ? 400 : 200, notices: refusedNotice(f, r) };
}

export const updateUser: WebHandler = async (call, deps) => {
  const { user: me } = signedIn(call);
  const u = await userOf(call, deps);
  const isAdmin = field(call, 'isAdmin') === 'on';
  const disabled = field(call, 'disabled') === 'on';
  if (u.id === me.id && (!isAdmin || disabled)) return renderUser(call, deps, u, refill('edit', call.form, { isAdmin: call.frame.t('admin.self') }));
  try {
    await deps.domain.users.update(u.username, { email: field(call, 'email').trim() || null, displayName: field(call, 'displayName').trim() || null, isAdmin, disabled });
  } catch (e) {
    const problems = userProblems(call.frame.t, e, deps.config.limits.minPasswordLength, u.username);
    if (!problems) throw e;
    return renderUser(call, deps, u, refill('edit', call.form, problems));
  }
  if (disabled) await deps.domain.webSessions.endOthers(u.id);
  return { kind: 'redirect', to: `/admin/users/${encodeURIComponent(u.username)}`, notice: { key: 'admin.saved' } };
};

export const resetPassword: WebHandler = async (call, deps) => {
  const { user: me } = signedIn(call);
  const u = await userOf(call, deps);
  try {
    await deps.domain.users.update(u.username, { password: field(call, 'password') });
  } catch (e) {
    const problems = userProblems(call.frame.t, e, deps.config.limits.minPasswordLength, u.username);
    if (!problems) throw e;
    return renderUser(call, deps, u, refill('password', call.form, problems));
  }
  await deps.domain.webSessions.endOthers(u.id, u.id === me.id ? (call.sessionSecret ?? undefined) : undefined);
  return { kind: 'redirect', to: `/admin/users/${encodeURIComponent(u.username)}`, notice: { key: 'admin.passwordSet' } };
};

export const deleteUser: WebHandler = async (call, deps) => {
  const { user: me } = signedIn(call);
  const u = await userOf(call, deps);
  if (u.id === me.id) return renderUser(call, deps, u, refill('delete', call.form, { confirm: call.frame.t('admin.self') }));
  if (field(call, 'confirm').trim() !== u.username) return renderUser(call, deps, u, refill('delete', call.form, { confirm: call.frame.t('calendar.deleteMismatch') }));
  await deps.domain.users.delete(u.username);
  return { kind: 'redirect', to: '/admin/users', notice: { key: 'admin.deleted', params: { user: u.username } } };
};

export const listSyncs: WebHandler = async (call, deps) => {
  const f = call.frame;
  const t = f.t;
  const syncs = (await deps.domain.synchronizations.listAll()).slice(0, deps.config.web.listLimit);
  const body = html`${adminNav(f)}${
    syncs.length
      ? html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('admin.syncUser')}</th><th scope="col">${t('admin.syncType')}</th><th scope="col">${t('admin.syncStatus')}</th><th scope="col">${t('admin.lastRun')}</th><th scope="col">${t('admin.lastError')}</th></tr></thead><tbody>${syncs.map(
          (s) => html`<tr><td>${s.username}</td><td>${s.type}${s.description ? html` — ${s.description}` : ''}</td><td><span class="badge">${s.status}</span>${s.enabled ? '' : html` <span class="badge">${t('admin.disabled')}</span>`}</td>
          <td>${s.lastResync ? formatDateTime(f.lang, call.zone, s.lastResync.getTime() / 1000) : '—'}</td><td class="wrap">${s.lastError ?? ''}</td></tr>`,
        )}</tbody></table></div>`
      : html`<p>${t('admin.noSyncs')}</p>`
  }`;
  return { kind: 'page', title: t('admin.syncs'), body };
};

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${Math.floor(seconds % 60)} s`;
}

/**
 * Where mail goes, from SMTP_URL: host and port only. The user name and password in the URL are
 * never shown (nor anything else of it: a path or query could carry them too).
 */
export function smtpServer(smtpUrl: string): { host: string; port: number; implicitTls: boolean } | null {
  try {
    const u = new URL(smtpUrl);
    const implicitTls = u.protocol === 'smtps:';
    // nodemailer's defaults: 465 for TLS from the start, else 587 (submission).
    return { host: u.hostname, port: u.port ? Number(u.port) : implicitTls ? 465 : 587, implicitTls };
  } catch {
    return null;
  }
}

/** How many of the latest mails the status page looks through for failures, and how many it shows. */
const RECENT_MAILS = 200;
const SHOWN_FAILURES = 10;

async function mailSection(call: WebCall, deps: Parameters<WebHandler>[1]): Promise<Html> {
  const f = call.frame;
  const t = f.t;
  const mail = deps.config.mail;
  const row = (label: string, value: Html | string) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
  const server = mail.smtpUrl ? smtpServer(mail.smtpUrl) : null;
  const settings = mail.smtpUrl
    ? html`<div class="table-wrap"><table class="mail-settings"><tbody>
      ${row(t('admin.smtp'), server ? html`<span class="mono">${server.host}:${server.port}</span> — ${server.implicitTls ? t('admin.smtpTls') : t('admin.smtpStartTls')}` : '—')}
      ${row(t('admin.mailFrom'), html`<span class="mono">${mail.from}</span>`)}
      ${row(t('admin.mailLimits'), t('admin.mailLimitsValue', { perHour: mail.perUserPerHour, attendees: mail.maxAttendees, hours: mail.giveUpHours }))}
    </tbody></table></div>`
    : html`<p class="notice" role="status">${t('admin.mailOff')}</p>`;
  const stats = await deps.domain.mailOutbox.stats();
  const failures = (await deps.domain.mailOutbox.recent(RECENT_MAILS)).filter((m) => m.status === 'failed' || m.status === 'refused' || (m.status === 'queued' && m.lastError)).slice(0, SHOWN_FAILURES);
  const when = (d: Date) => formatDateTime(f.lang, call.zone, d.getTime() / 1000);
  return html`<section aria-labelledby="mail"><h2 id="mail">${t('admin.mail')}</h2>${settings}
    <h3 id="mail-queue">${t('admin.mailQueue')}</h3>
    <div class="table-wrap"><table class="mail-queue" aria-labelledby="mail-queue"><tbody>
      ${row(t('admin.mailQueued'), String(stats.queued))}
      ${row(t('admin.mailSent'), String(stats.sent))}
      ${row(t('admin.mailFailed'), String(stats.failed))}
      ${row(t('admin.mailOldest'), stats.oldestQueuedSeconds === null ? '—' : duration(stats.oldestQueuedSeconds))}
    </tbody></table></div>
    <h3 id="mail-failures">${t('admin.mailFailures')}</h3>
    ${
      failures.length
        ? html`<div class="table-wrap"><table aria-labelledby="mail-failures"><thead><tr><th scope="col">${t('admin.mailWhen')}</th><th scope="col">${t('admin.mailSender')}</th><th scope="col">${t('admin.mailRecipient')}</th><th scope="col">${t('admin.mailMethod')}</th><th scope="col">${t('admin.syncStatus')}</th><th scope="col">${t('admin.mailError')}</th></tr></thead><tbody>${failures.map(
            (m) => html`<tr><td>${when(m.createdAt)}</td><td>${m.principaluri.replace(/^principals\//, '')}</td><td class="mono">${m.recipient}</td><td>${m.method}</td><td><span class="badge">${m.status}</span></td><td class="wrap">${m.lastError ?? ''}</td></tr>`,
          )}</tbody></table></div>`
        : html`<p>${t('admin.mailNoFailures')}</p>`
    }
  </section>`;
}

export const showStatus: WebHandler = async (call, deps) => {
  const f = call.frame;
  const t = f.t;
  const g = await deps.domain.system.gauges();
  const loop = deps.loop?.snapshot();
  const row = (label: string, value: string) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
  const body = html`${adminNav(f)}<div class="table-wrap"><table class="status"><tbody>
    ${row(t('admin.version'), deps.version)}
    ${row(t('admin.engine'), deps.config.databaseUrl ? 'PostgreSQL' : t('admin.engineEmbedded'))}
    ${row(t('admin.uptime'), duration(process.uptime()))}
    ${row(t('admin.counts'), `${g.users} / ${g.calendars} / ${g.objects}`)}
    ${row(t('admin.jobs'), `${g.jobs.queued} / ${g.jobs.running} / ${g.jobs.retrying}`)}
    ${row(t('admin.loop'), loop ? `${loop.p99} ms / ${loop.max} ms` : '—')}
  </tbody></table></div>
  ${await mailSection(call, deps)}`;
  return { kind: 'page', title: t('admin.status'), body };
};
