// Connecting a client: the CalDAV and CardDAV URLs and the username, steps per client, an Apple
// configuration profile with a CalDAV and a CardDAV account (no password inside: the device asks
// for it), and a QR code DAVx⁵ opens (one DAVx⁵ account finds calendars and address books).
import { signedIn, type WebCall, type WebDeps, type WebHandler } from '../call.ts';
import { escapeHtml, html, trusted } from '../html.ts';
import { copyable } from '../layout.ts';
import { addressBookHomeUrl, davUrl, origin } from '../urls.ts';

/** DAVx⁵ opens caldav(s)://user@host/path links (the scheme says http or https). */
export function davx5Link(dav: string, username: string): string {
  const u = new URL(dav);
  return `${u.protocol === 'https:' ? 'caldavs' : 'caldav'}://${encodeURIComponent(username)}@${u.host}${u.pathname}`;
}

export const showConnect: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  const f = call.frame;
  const t = f.t;
  const dav = davUrl(call, deps);
  const host = new URL(dav).host;
  const link = davx5Link(dav, user.username);
  // Loaded by the first visit of this page: a server whose users never open it does without.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(link, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  const cards = addressBookHomeUrl(call, deps, user.username);
  const vdir = `[storage calendula]\ntype = "caldav"\nurl = "${dav}"\nusername = "${user.username}"\npassword.fetch = ["prompt", "Password for ${user.username}"]\n\n[storage calendula_contacts]\ntype = "carddav"\nurl = "${dav}"\nusername = "${user.username}"\npassword.fetch = ["prompt", "Password for ${user.username}"]`;
  const step = (id: string, title: string, text: string, extra = html``) =>
    html`<section class="card" aria-labelledby="${id}"><h2 id="${id}">${title}</h2><p>${text}</p>${extra}</section>`;
  const body = html`<section class="card">
    ${copyable(f, 'dav-url', dav, t('connect.url'))}
    ${copyable(f, 'carddav-url', cards, t('connect.carddavUrl'))}
    <p class="hint">${t('connect.carddavHint')}</p>
    ${copyable(f, 'dav-user', user.username, t('connect.username'))}
    <p>${t('connect.password')} <a href="${f.href('/my/app-passwords')}">${t('nav.appPasswords')}</a></p></section>
  ${step('apple', t('connect.apple'), t('connect.appleSteps', { host }), html`<p><a class="button" href="${f.href('/my/connect/apple.mobileconfig')}" download>${t('connect.profile')}</a></p>`)}
  ${step('thunderbird', t('connect.thunderbird'), t('connect.thunderbirdSteps'), html`<p>${t('connect.thunderbirdContacts')}</p>`)}
  ${step('davx5', t('connect.davx5'), t('connect.davx5Steps'), html`<figure class="qr" role="img" aria-label="${t('connect.qr')}">${trusted(svg)}<figcaption class="mono">${link}</figcaption></figure>`)}
  ${step('evolution', t('connect.evolution'), t('connect.evolutionSteps'), html`<p>${t('connect.evolutionContacts')}</p>`)}
  ${step('tasksorg', t('connect.tasks'), t('connect.tasksSteps'))}
  ${step('vdirsyncer', t('connect.vdirsyncer'), t('connect.vdirsyncerSteps'), html`<pre class="mono">${vdir}</pre>`)}`;
  return { kind: 'page', title: t('connect.title'), body };
};

/** A stable UUID-shaped id from a text (the profile must keep its identifiers across downloads). */
function uuidFrom(text: string): string {
  let h = 0n;
  for (const ch of text) h = (h * 131n + BigInt(ch.codePointAt(0) ?? 0)) % 2n ** 128n;
  const hex = h.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase();
}

/**
 * The profile: a com.apple.caldav.account and a com.apple.carddav.account payload, each with
 * host, port, TLS, principal URL and username; no password (the device asks for it).
 */
export function appleProfile(call: WebCall, deps: WebDeps, username: string): string {
  const dav = new URL(davUrl(call, deps));
  const https = dav.protocol === 'https:';
  const port = dav.port ? Number(dav.port) : https ? 443 : 80;
  const principal = `${origin(call, deps)}/dav/principals/${encodeURIComponent(username)}/`;
  const id = `${dav.host}.${username}`;
  const s = (v: string) => `<string>${escapeHtml(v)}</string>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>PayloadContent</key>
  <array>
    <dict>
      <key>CalDAVAccountDescription</key>${s(`Calendula (${username})`)}
      <key>CalDAVHostName</key>${s(dav.hostname)}
      <key>CalDAVPort</key><integer>${port}</integer>
      <key>CalDAVUseSSL</key>${https ? '<true/>' : '<false/>'}
      <key>CalDAVPrincipalURL</key>${s(principal)}
      <key>CalDAVUsername</key>${s(username)}
      <key>PayloadDisplayName</key>${s(`Calendula CalDAV (${username})`)}
      <key>PayloadIdentifier</key>${s(`calendula.caldav.${id}`)}
      <key>PayloadType</key>${s('com.apple.caldav.account')}
      <key>PayloadUUID</key>${s(uuidFrom(`caldav|${id}`))}
      <key>PayloadVersion</key><integer>1</integer>
    </dict>
    <dict>
      <key>CardDAVAccountDescription</key>${s(`Calendula (${username})`)}
      <key>CardDAVHostName</key>${s(dav.hostname)}
      <key>CardDAVPort</key><integer>${port}</integer>
      <key>CardDAVUseSSL</key>${https ? '<true/>' : '<false/>'}
      <key>CardDAVPrincipalURL</key>${s(principal)}
      <key>CardDAVUsername</key>${s(username)}
      <key>PayloadDisplayName</key>${s(`Calendula CardDAV (${username})`)}
      <key>PayloadIdentifier</key>${s(`calendula.carddav.${id}`)}
      <key>PayloadType</key>${s('com.apple.carddav.account')}
      <key>PayloadUUID</key>${s(uuidFrom(`carddav|${id}`))}
      <key>PayloadVersion</key><integer>1</integer>
    </dict>
  </array>
  <key>PayloadDisplayName</key>${s(`Calendula (${username})`)}
  <key>PayloadIdentifier</key>${s(`calendula.${id}`)}
  <key>PayloadType</key>${s('Configuration')}
  <key>PayloadUUID</key>${s(uuidFrom(`profile|${id}`))}
  <key>PayloadVersion</key><integer>1</integer>
</dict>
</plist>
`;
}

export const downloadProfile: WebHandler = async (call, deps) => {
  const { user } = signedIn(call);
  return { kind: 'file', type: 'application/x-apple-aspen-config', filename: `calendula-${user.username}.mobileconfig`, body: appleProfile(call, deps, user.username) };
};
