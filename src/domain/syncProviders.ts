// The contract of a synchronization type: what the domain (setting one up) and the push worker
// need from an external calendar. The domain owns it; the implementations live in
// src/sync/providers/ (an adapter) and are handed to createDomain by src/boot/server.ts and cli.ts,
// so the domain never imports src/sync.

/** Why a request to a target failed. `precondition`: an ETag did not match (If-Match / If-None-Match). */
export type FailureKind = 'precondition' | 'auth' | 'unreachable' | 'rejected' | 'gone';

export class TargetError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

export interface TargetEntry {
  /** Absolute URL of the object in the target. */
  href: string;
  etag: string | null;
}

export interface SyncTarget {
  /** Writes an object by name inside the target collection; returns its URL and new ETag (if told). */
  put(name: string, ics: string, cond: { ifMatch?: string; ifNoneMatch?: boolean }): Promise<TargetEntry>;
  /** Deletes an object; an object already gone is fine. */
  remove(href: string, etag?: string | null): Promise<void>;
  /** The current ETag of an object, or null when it does not exist. */
  etagOf(href: string): Promise<string | null>;
  /** Every object of the target collection. */
  list(): Promise<TargetEntry[]>;
  /** The content of some objects. */
  fetch(hrefs: string[]): Promise<{ href: string; data: string }[]>;
}

/** Provisioning parameters checked: what may be stored in clear, and the secrets (encrypted at rest). */
export interface Configured {
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

export class ParameterError extends Error {}

export interface TargetOptions {
  /** How long one request to the target may take. */
  timeoutMs: number;
}

/**
 * A synchronization type. `configure` checks the provisioning_* parameters of PUT /synchronizations
 * (throwing ParameterError, answered 400) and splits them into settings and secrets; `open` gives
 * the worker a target to push into.
 */
export interface Provider {
  readonly type: string;
  configure(params: Record<string, string>): Configured;
  open(settings: Record<string, string>, secrets: Record<string, string>, opts: TargetOptions): SyncTarget;
}

/** The synchronization types this installation knows, by type name. */
export type ProviderRegistry = ReadonlyMap<string, Provider>;
