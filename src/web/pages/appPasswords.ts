// App passwords: API tokens holding `dav`, which CalDAV accepts in place of the user's password.
// The secret is shown once, right after it is made.
import { field, signedIn, type WebCall, type WebHandler } from '../call.ts';
import { html, type Html } from '../html.ts';
import { copyable, csrfField } from '../layout.ts';
import { formatDateTime } from '../dates.ts';

async function render(call: WebCall, deps: Parameters<WebHandler>[1], fresh: { name: string; secret: string } | null): Promise<Html> {
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
  <form method="post" action="${f.href('/my/app-passwords')}" class="card row">${csrfField(f)}
    <div><label for="t-name">${t('tokens.name')}</label><input id="t-name" name="name" required maxlength="255" placeholder="iPhone"></div>
    <button type="submit">${t('tokens.create')}</button>
  </form>`;
}

export const showAppPasswords: WebHandler = async (call, deps) => ({ kind: 'page', title: call.frame.t('tokens.title'), body: await render(call, deps, null) });

export const createAppPassword: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const name = field(call, 'name').trim();
  const { secret } = await deps.domain.tokens.create(user.id, { name, capabilities: ['dav'], expiresAt: null }, null);
  // Shown in this answer only: a redirect would have to carry the secret somewhere.
  call.res.setHeader('Cache-Control', 'no-store');
  return { kind: 'page', title: call.frame.t('tokens.title'), body: await render(call, deps, { name, secret }), status: 201 };
};

export const revokeAppPassword: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  await deps.domain.tokens.revoke(user.id, String(call.req.params.id ?? ''));
  return { kind: 'redirect', to: '/my/app-passwords', notice: { key: 'tokens.revoked' } };
};
