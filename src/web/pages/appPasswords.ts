// App passwords: API tokens holding `dav`, which CalDAV accepts in place of the user's password.
// The secret is shown once, on the page the creating POST redirects to: it waits in the
// session's flash (never in a cookie or URL) and is gone from there when that page is shown.
import { field, signedIn, type WebAnswer, type WebCall, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import { copyable, csrfField } from '../layout.ts';
import { DomainError } from '../../domain/errors.ts';
import { kept, NO_REFILL, problemOf, refill, refusedNotice, type Refill } from '../forms.ts';
import { formatDateTime } from '../dates.ts';

/** The flash of a creating POST: the new password's name and secret. */
function freshOf(flash: unknown): { name: string; secret: string } | null {
  if (!flash || typeof flash !== 'object') return null;
  const { name, secret } = flash as { name?: unknown; secret?: unknown };
  return typeof name === 'string' && typeof secret === 'string' ? { name, secret } : null;
}

async function render(call: WebCall, deps: Parameters<WebHandler>[1], fresh: { name: string; secret: string } | null, r: Refill = NO_REFILL): Promise<Html> {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const tokens = (await deps.domain.tokens.list(user.id)).filter((x) => x.capabilities.includes('dav'));
  const when = (d: Date | null) => (d ? formatDateTime(f.lang, call.zone, d.getTime() / 1000) : t('tokens.never'));
  return html`<p>${t('tokens.intro')}</p>
  ${fresh ? html`<div class="card fresh" role="status"><p>${t('tokens.secret', { name: fresh.name })}</p>${copyable(f, 'new-secret', fresh.secret, t('nav.appPasswords'))}</div>` : ''}
  ${
    tokens.length
      ? html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('tokens.name')}</th><th scope="col">${t('tokens.created')}</th><th scope="col">${t('tokens.lastUsed')}</th><th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead><tbody>${tokens.map(
          (x) => html`<tr><td>${x.name}</td><td>${when(x.createdAt)}</td><td>${when(x.lastUsedAt)}</td>
          <td><form method="post" action="${f.href(`/my/app-passwords/${encodeURIComponent(x.momId)}/revoke`)}">${csrfField(f)}<button type="submit" class="secondary">${t('tokens.revoke')} <span class="visually-hidden">${x.name}</span></button></form></td></tr>`,
        )}</tbody></table></div>`
      : html`<p>${t('tokens.empty')}</p>`
  }
  <form method="post" action="${f.href('/my/app-passwords')}" class="card row" novalidate>${csrfField(f)}
    <div><label for="t-name">${t('tokens.name')}</label><input id="t-name" name="name" required maxlength="255" placeholder="iPhone" value="${kept(r, 'create', 'name')}"${problemOf(r, 'create', 'name', 't-name').attrs}>${problemOf(r, 'create', 'name', 't-name').message}</div>
    <button type="submit">${t('tokens.create')}</button>
  </form>`;
}

export const showAppPasswords: WebHandler = async (call, deps) => ({ kind: 'page', title: call.frame.t('tokens.title'), body: await render(call, deps, freshOf(call.flash)) });

/** The longest name an app password takes (the token store's). */
const MAX_NAME = 255;

export const createAppPassword: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const t = call.frame.t;
  const name = field(call, 'name').trim();
  const refuse = async (text: string): Promise<WebAnswer> => {
    const r = refill('create', call.form, { name: text });
    return { kind: 'page', title: t('tokens.title'), body: await render(call, deps, null, r), status: 400, notices: refusedNotice(call.frame, r) };
  };
  if (!name) return refuse(t('tokens.nameEmpty'));
  if (name.length > MAX_NAME) return refuse(t('tokens.nameTooLong', { max: MAX_NAME }));
  let secret: string;
  try {
    ({ secret } = await deps.domain.tokens.create(user.id, { name, capabilities: ['dav'], expiresAt: null }, null));
  } catch (e) {
    if (e instanceof DomainError && e.details.field === 'name') return refuse(t('tokens.nameTooLong', { max: MAX_NAME }));
    throw e;
  }
  return { kind: 'redirect', to: '/my/app-passwords', flash: { name, secret } };
};

export const revokeAppPassword: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  await deps.domain.tokens.revoke(user.id, String(call.req.params.id ?? ''));
  return { kind: 'redirect', to: '/my/app-passwords', notice: { key: 'tokens.revoked' } };
};
