// The page around every screen: skip link, menu, language switch, notices, sign-out.
import { html, type Html } from './html.ts';
import { LANGUAGES, type Lang, type Translate } from './i18n/index.ts';

export interface PageFrame {
  t: Translate;
  lang: Lang;
  /** Under BASE_PATH: every link is made with `href`. */
  href: (path: string) => string;
  user: { username: string; isAdmin: boolean } | null;
  csrf: string | null;
  /** The path of this page, to mark the current menu entry and keep it across a language switch. */
  path: string;
  /** The IANA zone this page shows times in (every signed-in page names it). */
  zone: string;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

const MENU: readonly { path: string; key: Parameters<Translate>[0]; admin?: boolean }[] = [
  { path: '/my/view', key: 'nav.view' },
  { path: '/my/tasks', key: 'nav.tasks' },
  { path: '/my/contacts', key: 'nav.contacts' },
  { path: '/my/calendars', key: 'nav.calendars' },
  { path: '/my/import', key: 'nav.import' },
  { path: '/my/sharing', key: 'nav.sharing' },
  { path: '/my/app-passwords', key: 'nav.appPasswords' },
  { path: '/my/connect', key: 'nav.connect' },
  { path: '/my/account', key: 'nav.account' },
  { path: '/admin/users', key: 'nav.admin', admin: true },
];

/** A hidden field carrying the session's CSRF token; every form that changes something has one. */
export function csrfField(f: PageFrame): Html {
  return html`<input type="hidden" name="_csrf" value="${f.csrf ?? ''}">`;
}

/** A colour swatch drawn with an SVG attribute (the CSP allows no inline styles). */
export function swatch(color: string | null): Html {
  const fill = color && /^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/.test(color) ? color.slice(0, 7) : '#8a8f98';
  return html`<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect width="10" height="10" rx="2" fill="${fill}"/></svg>`;
}

/** A value with a copy button (app.js copies; without script the text is selectable). */
export function copyable(f: PageFrame, id: string, value: string, label: string): Html {
  return html`<div class="copy"><label for="${id}">${label}</label><div class="copy-row"><input id="${id}" class="mono" readonly value="${value}"><button type="button" class="secondary" data-copy="${id}" data-copied="${f.t('common.copied')}">${f.t('common.copy')}</button></div></div>`;
}

export function page(f: PageFrame, title: string, body: Html, notices: Notice[] = []): Html {
  const t = f.t;
  const current = (p: string) => f.path === p || f.path.startsWith(`${p}/`);
  const langs = html`<form method="get" action="${f.href(f.path)}" class="lang"><label for="lang">${t('lang.label')}</label>
    <select id="lang" name="lang" data-autosubmit>${Object.entries(LANGUAGES).map(([code, name]) => html`<option value="${code}"${code === f.lang ? html` selected` : ''} lang="${code}">${name}</option>`)}</select>
    <noscript><button type="submit" class="secondary">OK</button></noscript></form>`;
  // Signed in: the menu, sign-out and language switch are folded behind a button on a phone
  // (<details>: works without script); on a wide screen the fold is always open (50-phone.css).
  const top = f.user
    ? html`<p class="zone-line"><a href="${f.href('/my/account#prefs')}" title="${t('zone.change')}">${t('zone.shown', { zone: f.zone })}</a></p>
      <details class="fold" id="menu-fold"><summary class="button secondary">${t('nav.menu')}</summary>
      <div class="fold-body"><nav aria-label="${t('nav.main')}"><ul class="menu">${MENU.filter((m) => !m.admin || f.user?.isAdmin).map(
        (m) => html`<li><a href="${f.href(m.path)}"${current(m.path) || (m.admin && f.path.startsWith('/admin')) ? html` aria-current="page"` : ''}>${t(m.key)}</a></li>`,
      )}</ul>
      <form method="post" action="${f.href('/sign-out')}" class="sign-out">${csrfField(f)}<button type="submit" class="link">${t('nav.signOut')} (${f.user.username})</button></form></nav>${langs}</div></details>`
    : langs;
  return html`<!doctype html>
<html lang="${f.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · ${t('app.name')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${f.href('/assets/app.css')}">
<script src="${f.href('/assets/app.js')}" defer></script>
</head>
<body>
<a class="skip" href="#main">${t('nav.skip')}</a>
<header class="top"><a class="brand" href="${f.href('/')}">${t('app.name')}</a>${top}</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${notices.map((n) => html`<p class="notice ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${n.text}</p>`)}
${body}
</main>
</body>
</html>`;
}
