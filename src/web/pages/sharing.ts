// One page that says, for each of the user's calendars, who can read it and who can change it.
import { canWriteContent, owns } from '../../domain/access.ts';
import { signedIn, type WebHandler } from '../call.ts';
import { html } from '../html.ts';
import { swatch } from '../layout.ts';

export const showSharing: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const views = await deps.domain.calendars.listForPrincipal(user.principalUri);
  const feeds = new Set((await deps.domain.feeds.list(user.username)).map((x) => x.instanceId));
  const mine = views.filter(owns);
  const withMe = views.filter((v) => !owns(v));
  const rows = [];
  for (const v of mine) {
    const who = [t('sharing.you')];
    for (const s of await deps.domain.sharing.shares(v.instanceId)) who.push(t(s.writeAccess ? 'sharing.canWrite' : 'sharing.canRead', { user: s.username }));
    if (v.isPublic && deps.config.publicCalendarsEnabled) who.push(t('sharing.public'));
    if (feeds.has(v.instanceId)) who.push(t('sharing.feed'));
    rows.push(html`<tr><th scope="row">${swatch(v.color)} <a href="${f.href(`/my/calendars/${encodeURIComponent(v.uri)}`)}">${v.displayname || v.uri}</a></th><td>${who.length === 1 ? t('sharing.onlyYou') : who.join(', ')}</td></tr>`);
  }
  const shared = withMe.map(
    (v) => html`<tr><th scope="row">${swatch(v.color)} ${v.displayname || v.uri}</th><td>${v.ownerPrincipaluri.replace(/^principals\//, '')}</td><td>${canWriteContent(v) ? t('calendar.readWrite') : t('calendar.readOnly')}</td></tr>`,
  );
  const body = html`<h2>${t('sharing.mine')}</h2>
  <div class="table-wrap"><table><thead><tr><th scope="col">${t('sharing.calendar')}</th><th scope="col">${t('sharing.who')}</th></tr></thead><tbody>${rows}</tbody></table></div>
  <h2>${t('sharing.withMe')}</h2>
  ${
    shared.length
      ? html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('sharing.calendar')}</th><th scope="col">${t('sharing.owner')}</th><th scope="col">${t('calendar.access')}</th></tr></thead><tbody>${shared}</tbody></table></div>`
      : html`<p>—</p>`
  }`;
  return { kind: 'page', title: t('sharing.title'), body };
};
