// The user's own account: change the password (the current one first; other sessions end),
// preferences (language and time zone, both kept on the user, so every browser shows the same),
// and the birthday calendar on or off (domain.birthdays).
import { DomainError } from '../../domain/errors.ts';
import { canonicalTimezone } from '../../domain/users.ts';
import { clientAddress } from '../../http/basicAuthGate.ts';
import { field, signedIn, WebError, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { html } from '../html.ts';
import { isLang, LANGUAGES } from '../i18n/index.ts';
import { csrfField } from '../layout.ts';
import { kept, NO_REFILL, problemOf, refill, refusedNotice, type Refill } from '../forms.ts';

const ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

export function isZone(v: unknown): v is string {
  return typeof v === 'string' && ZONES.includes(v);
}

async function render(call: WebCall, deps: WebDeps, r: Refill = NO_REFILL, status = 200) {
  const { user, actor } = signedIn(call);
  const birthdays = await deps.domain.birthdays.calendar(actor);
  const f = call.frame;
  const t = f.t;
  const p = (form: string, name: string, id: string) => problemOf(r, form, name, id);
  const language = kept(r, 'prefs', 'language', f.lang);
  const zone = kept(r, 'prefs', 'zone', call.zone);
  // A zone kept in another spelling than the list's (an alias a browser sent) stays choosable.
  const zones = ZONES.includes(call.zone) ? ZONES : [call.zone, ...ZONES];
  const body = html`<p>${t('account.user', { user: user.username })}</p>
  <section class="card" aria-labelledby="pw"><h2 id="pw">${t('account.password')}</h2>
  <form method="post" action="${f.href('/my/account/password')}" novalidate>${csrfField(f)}
    <input type="text" name="username" autocomplete="username" value="${user.username}" hidden>
    <label for="current">${t('account.current')}</label><input id="current" name="current" type="password" autocomplete="current-password" required${p('password', 'current', 'current').attrs}>${p('password', 'current', 'current').message}
    <label for="new">${t('account.new')}</label><input id="new" name="new" type="password" autocomplete="new-password" required minlength="${deps.config.limits.minPasswordLength}"${p('password', 'new', 'new').attrs}>${p('password', 'new', 'new').message}
    <label for="repeat">${t('account.repeat')}</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" required${p('password', 'repeat', 'repeat').attrs}>${p('password', 'repeat', 'repeat').message}
    <button type="submit">${t('common.save')}</button>
  </form></section>
  <section class="card" aria-labelledby="prefs"><h2 id="prefs">${t('account.prefs')}</h2>
  <form method="post" action="${f.href('/my/account/preferences')}" novalidate>${csrfField(f)}
    <label for="p-lang">${t('account.language')}</label>
    <select id="p-lang" name="language"${p('prefs', 'language', 'p-lang').attrs}>${Object.entries(LANGUAGES).map(([code, name]) => html`<option value="${code}"${code === language ? html` selected` : ''}>${name}</option>`)}</select>${p('prefs', 'language', 'p-lang').message}
    <label for="p-zone">${t('account.zone')}</label>
    <select id="p-zone" name="zone" aria-describedby="p-zone-hint${r.errors.zone && r.form === 'prefs' ? ' p-zone-error' : ''}"${r.errors.zone && r.form === 'prefs' ? html` aria-invalid="true"` : ''}>${zones.map((z) => html`<option${z === zone ? html` selected` : ''}>${z}</option>`)}</select>
    <p class="hint" id="p-zone-hint">${t('account.zoneHint')}</p>${p('prefs', 'zone', 'p-zone').message}
    <button type="submit">${t('common.save')}</button>
  </form></section>
  <section class="card" aria-labelledby="bdays"><h2 id="bdays">${t('birthdays.title')}</h2>
  <p>${birthdays ? html`${t('birthdays.on')} <a href="${f.href(`/my/calendars/${encodeURIComponent(birthdays.uri)}`)}">${birthdays.displayname || birthdays.uri}</a>` : t('birthdays.off')}</p>
  <form method="post" action="${f.href('/my/account/birthdays')}">${csrfField(f)}
    <input type="hidden" name="on" value="${birthdays ? 'off' : 'on'}">
    <button type="submit" class="secondary">${birthdays ? t('birthdays.turnOff') : t('birthdays.turnOn')}</button>
  </form></section>`;
  return { kind: 'page' as const, title: t('account.title'), body, notices: refusedNotice(f, r), status };
}

export const showAccount: WebHandler = async (call, deps) => render(call, deps);

export const changePassword: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const t = call.frame.t;
  // Passwords are never sent back into the form.
  const refuse = (errors: Record<string, string>, status = 400) => render(call, deps, refill('password', {}, errors), status);
  if (field(call, 'new') !== field(call, 'repeat')) return refuse({ repeat: t('account.mismatch') });
  const min = deps.config.limits.minPasswordLength;
  if (field(call, 'new').length < min || field(call, 'new').length > 1024) return refuse({ new: t('form.badPassword', { min }) });
  const check = await deps.auth.checkPassword(user.username, field(call, 'current'), clientAddress(call.req));
  if (check.kind !== 'ok') return refuse({ current: t('account.wrong') }, check.kind === 'throttled' ? 429 : 403);
  try {
    await deps.domain.users.update(user.username, { password: field(call, 'new') });
  } catch (e) {
    if (e instanceof DomainError && e.details.field === 'password') return refuse({ new: t('form.badPassword', { min }) });
    throw e;
  }
  await deps.domain.webSessions.endOthers(user.id, call.sessionSecret ?? undefined);
  return { kind: 'redirect', to: '/my/account', notice: { key: 'account.changed' } };
};

export const savePreferences: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const t = call.frame.t;
  const language = field(call, 'language');
  const zone = canonicalTimezone(field(call, 'zone'));
  const errors: Record<string, string> = {};
  if (!isLang(language)) errors.language = t('account.badLanguage');
  if (!zone) errors.zone = t('account.badZone');
  if (!isLang(language) || !zone) return render(call, deps, refill('prefs', call.form, errors), 400);
  await deps.domain.users.update(user.username, { locale: language, timezone: zone });
  return { kind: 'redirect', to: '/my/account', notice: { key: 'account.saved' } };
};

export const setBirthdays: WebHandler = async (call, deps) => {
  const { actor } = signedIn(call);
  try {
    await deps.domain.birthdays.setEnabled(actor, field(call, 'on') === 'on');
  } catch (e) {
    // Both names the calendar may take are in use by calendars of the user's own.
    if (e instanceof DomainError && e.kind === 'Conflict' && e.details.code === 'exists') throw new WebError(409, 'birthdays.exists');
    throw e;
  }
  return { kind: 'redirect', to: '/my/account', notice: { key: 'birthdays.saved' } };
};
