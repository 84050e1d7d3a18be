// The user's own account: change the password (the current one first; other sessions end),
// preferences (language, kept on the user; time zone, kept in this browser), and the birthday
// calendar on or off (domain.birthdays).
import { DomainError } from '../../domain/errors.ts';
import { clientAddress } from '../../http/basicAuthGate.ts';
import { field, signedIn, WebError, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { setCookie, ZONE_COOKIE } from '../cookies.ts';
import { html } from '../html.ts';
import { isLang, LANGUAGES } from '../i18n/index.ts';
import { csrfField, type Notice } from '../layout.ts';

const ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

export function isZone(v: unknown): v is string {
  return typeof v === 'string' && ZONES.includes(v);
}

async function render(call: WebCall, deps: WebDeps, notices: Notice[] = [], status = 200) {
  const { user, actor } = signedIn(call);
  const birthdays = await deps.domain.birthdays.calendar(actor);
  const f = call.frame;
  const t = f.t;
  const body = html`<p>${t('account.user', { user: user.username })}</p>
  <section class="card" aria-labelledby="pw"><h2 id="pw">${t('account.password')}</h2>
  <form method="post" action="${f.href('/my/account/password')}">${csrfField(f)}
    <input type="text" name="username" autocomplete="username" value="${user.username}" hidden>
    <label for="current">${t('account.current')}</label><input id="current" name="current" type="password" autocomplete="current-password" required>
    <label for="new">${t('account.new')}</label><input id="new" name="new" type="password" autocomplete="new-password" required minlength="8">
    <label for="repeat">${t('account.repeat')}</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" required>
    <button type="submit">${t('common.save')}</button>
  </form></section>
  <section class="card" aria-labelledby="prefs"><h2 id="prefs">${t('account.prefs')}</h2>
  <form method="post" action="${f.href('/my/account/preferences')}">${csrfField(f)}
    <label for="p-lang">${t('account.language')}</label>
    <select id="p-lang" name="language">${Object.entries(LANGUAGES).map(([code, name]) => html`<option value="${code}"${code === f.lang ? html` selected` : ''}>${name}</option>`)}</select>
    <label for="p-zone">${t('account.zone')}</label>
    <select id="p-zone" name="zone">${ZONES.map((z) => html`<option${z === call.zone ? html` selected` : ''}>${z}</option>`)}</select>
    <button type="submit">${t('common.save')}</button>
  </form></section>
  <section class="card" aria-labelledby="bdays"><h2 id="bdays">${t('birthdays.title')}</h2>
  <p>${birthdays ? html`${t('birthdays.on')} <a href="${f.href(`/my/calendars/${encodeURIComponent(birthdays.uri)}`)}">${birthdays.displayname || birthdays.uri}</a>` : t('birthdays.off')}</p>
  <form method="post" action="${f.href('/my/account/birthdays')}">${csrfField(f)}
    <input type="hidden" name="on" value="${birthdays ? 'off' : 'on'}">
    <button type="submit" class="secondary">${birthdays ? t('birthdays.turnOff') : t('birthdays.turnOn')}</button>
  </form></section>`;
  return { kind: 'page' as const, title: t('account.title'), body, notices, status };
}

export const showAccount: WebHandler = async (call, deps) => render(call, deps);

export const changePassword: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const t = call.frame.t;
  if (field(call, 'new') !== field(call, 'repeat')) return render(call, deps, [{ kind: 'error', text: t('account.mismatch') }], 400);
  const check = await deps.auth.checkPassword(user.username, field(call, 'current'), clientAddress(call.req));
  if (check.kind !== 'ok') return render(call, deps, [{ kind: 'error', text: t('account.wrong') }], check.kind === 'throttled' ? 429 : 403);
  await deps.domain.users.update(user.username, { password: field(call, 'new') });
  await deps.domain.webSessions.endOthers(user.id, call.sessionSecret ?? undefined);
  return { kind: 'redirect', to: '/my/account', notice: { key: 'account.changed' } };
};

export const savePreferences: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const language = field(call, 'language');
  const zone = field(call, 'zone');
  if (!isLang(language) || !isZone(zone)) throw new WebError(400, 'error.invalid', { message: 'language or time zone' });
  await deps.domain.users.update(user.username, { locale: language });
  setCookie(call.res, deps.config, ZONE_COOKIE, zone, 400 * 86400);
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
