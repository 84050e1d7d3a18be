// A refused form comes back as it was sent: the values kept, and each message beside its field
// (aria-invalid and aria-describedby tie them together for screen readers), in the user's
// language. Pages build their forms from a Refill: empty on GET, the posted one when refused.
import { html, type Html } from './html.ts';
import type { Notice, PageFrame } from './layout.ts';

export interface Refill {
  /** Which form of the page was sent (a page may have several). */
  form: string;
  /** The values as sent. */
  values: Record<string, string>;
  /** Field name → the message shown beside it (already in the user's language). */
  errors: Record<string, string>;
}

export const NO_REFILL: Refill = { form: '', values: {}, errors: {} };

export function refill(form: string, values: Record<string, string>, errors: Record<string, string>): Refill {
  return { form, values, errors };
}

/** The value sent for `name` when `form` is the form refused, else `fallback` (what is stored). */
export function kept(r: Refill, form: string, name: string, fallback = ''): string {
  return r.form === form && Object.hasOwn(r.values, name) ? (r.values[name] ?? fallback) : fallback;
}

/** A field's problem as markup: attributes for the input and the message after it. */
export function problemOf(r: Refill, form: string, name: string, id: string): { attrs: Html; message: Html } {
  const text = r.form === form ? r.errors[name] : undefined;
  if (!text) return { attrs: html``, message: html`` };
  return {
    attrs: html` aria-invalid="true" aria-describedby="${id}-error"`,
    message: html`<p class="field-error" id="${id}-error">${text}</p>`,
  };
}

/** The notice on top of a refused form (the details are beside the fields). */
export function refusedNotice(f: PageFrame, r: Refill): Notice[] {
  return Object.keys(r.errors).length ? [{ kind: 'error', text: f.t('form.problems') }] : [];
}
