// Picking the language of a page and wording messages in it.
import { de } from './de.ts';
import { en, type Catalogue, type MessageKey } from './en.ts';
import { fr } from './fr.ts';
import { ja } from './ja.ts';

export const LANGUAGES = { en: 'English', de: 'Deutsch', fr: 'Français', ja: '日本語' } as const;
export type Lang = keyof typeof LANGUAGES;
export type { MessageKey };

const CATALOGUES: Record<Lang, Catalogue> = { en, de, fr, ja };

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && Object.hasOwn(LANGUAGES, v);
}

/** The first of the Accept-Language tags we speak (by q), or English. */
export function fromAcceptLanguage(header: string | undefined): Lang {
  if (!header) return 'en';
  const ranked = header
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { lang: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.map((x) => x.lang).find(isLang) ?? 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const cat = CATALOGUES[lang];
  return (key, params) => {
    const text = cat[key] ?? en[key];
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}
