// What a web handler receives and answers, and the typed error it may throw.
import type { Request, Response } from 'express';
import type { BasicAuthenticator } from '../auth/basic.ts';
import type { Config } from '../config.ts';
import type { Actor } from '../domain/calendars.ts';
import type { Domain } from '../domain/index.ts';
import type { UserInfo } from '../domain/users.ts';
import type { LoopWatch } from '../http/loopWatch.ts';
import type { Logger } from '../logger.ts';
import type { Html } from './html.ts';
import type { MessageKey } from './i18n/index.ts';
import type { Notice, PageFrame } from './layout.ts';

export interface WebDeps {
  domain: Domain;
  config: Config;
  auth: BasicAuthenticator;
  log: Logger;
  loop?: LoopWatch;
  version: string;
}

export interface WebCall {
  req: Request;
  res: Response;
  frame: PageFrame;
  /** Set on every route but the public ones. */
  user: UserInfo | null;
  /** The signed-in user as the domain's writes name them. */
  actor: Actor | null;
  /** The IANA zone times are shown and entered in: the user's, else APP_TIMEZONE. */
  zone: string;
  /** The cookie's secret (for sign-out and "keep this session"). */
  sessionSecret: string | null;
  /** The posted form fields (url-encoded or multipart), as strings. */
  form: Record<string, string>;
  /** An uploaded file (multipart routes). */
  file: { name: string; data: Buffer } | null;
  /** Notices for the page (from a redirect's `notice`, or the handler). */
  notices: Notice[];
  /**
   * What the POST before the redirect to this page kept for it (a redirect's `flash`), on this
   * GET only; null on every other request. The page checks its shape.
   */
  flash: unknown;
}

export type WebAnswer =
  | {
      kind: 'page';
      title: string;
      body: Html;
      status?: number;
      notices?: Notice[];
      /**
       * Origins (scheme://host[:port]) this page may load images from besides itself and data:
       * URIs: a contact's photo URL. The browser loads it; the server never fetches it.
       */
      imageOrigins?: string[];
    }
  | {
      kind: 'redirect';
      to: string;
      notice?: { key: MessageKey; params?: Record<string, string> };
      /**
       * Kept in the session (WebSession.flash, never in a cookie or the URL) for the page `to`
       * names, shown there once: a reload of that page, or any other page, no longer has it.
       */
      flash?: unknown;
    }
  | { kind: 'file'; type: string; filename: string; body: string | AsyncIterable<string> };

export type WebHandler = (call: WebCall, deps: WebDeps) => Promise<WebAnswer>;

/** An error a handler shows as a page: its status and the words for it. */
export class WebError extends Error {
  constructor(
    readonly status: number,
    readonly key: MessageKey,
    readonly params: Record<string, string> = {},
  ) {
    super(key);
    this.name = 'WebError';
  }
}

/** The user of a route that requires one (the router guarantees it). */
export function signedIn(call: WebCall): { user: UserInfo; actor: Actor } {
  if (!call.user || !call.actor) throw new WebError(401, 'error.forbidden');
  return { user: call.user, actor: call.actor };
}

export function field(call: WebCall, name: string): string {
  return call.form[name] ?? '';
}
