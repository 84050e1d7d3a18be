// Users and their principals. A user is a `users` row plus the principal `principals/<username>`
// (sabre's convention), and starts with a `default` calendar for events, tasks and notes and a
// `default` address book.
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { hashPassword } from './passwords.ts';
import { Calendar, CalendarInstance, Principal, PropertyStorage, User } from '../db/entities/index.ts';
import { selectMainPrincipals } from '../db/tables/principals.ts';
import { deleteActiveSyncsOf } from '../db/tables/synchronizations.ts';
import { OWNER_ACCESS } from './access.ts';
import { DEFAULT_ADDRESS_BOOK_NAME, DEFAULT_ADDRESS_BOOK_URI, insertAddressBook } from './addressBooks.ts';
import { insertBirthdayCalendar } from './birthdays.ts';
import { insertCalendar } from './calendarRows.ts';
import type { DomainContext } from './context.ts';
import { ALL_COMPONENTS } from './components.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { noteHomeMember } from './homeSync.ts';
import { isValidUsername, USERNAME_RULE } from '../usernames.ts';

export interface UserInfo {
  id: number;
  username: string;
  principalId: number;
  principalUri: string;
  email: string | null;
  displayName: string | null;
  locale: string | null;
  /** The IANA zone the web face shows and reads times in; null until chosen (then APP_TIMEZONE). */
  timezone: string | null;
  createdAt: Date;
  /** May open the web UI's admin console. */
  isAdmin: boolean;
  /** Refused by every way of signing in while set. */
  disabled: boolean;
}

export interface NewUser {
  username: string;
  password: string;
  email?: string | null;
  displayName?: string | null;
  locale?: string | null;
  isAdmin?: boolean;
}

export interface UserChanges {
  email?: string | null;
  displayName?: string | null;
  locale?: string | null;
  /** An IANA zone (stored in its canonical spelling), or null for the server's APP_TIMEZONE. */
  timezone?: string | null;
  /** A new password (checked against the limits, stored hashed). */
  password?: string;
  isAdmin?: boolean;
  disabled?: boolean;
}

export const DEFAULT_CALENDAR_URI = 'default';
export const DEFAULT_CALENDAR_NAME = 'Default Calendar';

export function principalUriOf(username: string): string {
  return `principals/${username}`;
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

function checkEmail(email: string | null | undefined): string | null {
  if (email === undefined || email === null || email === '') return null;
  if (typeof email !== 'string' || email.length > 254 || !EMAIL.test(email)) {
    throw invalid('email must be an e-mail address', { field: 'email' });
  }
  return email;
}

function checkDisplayName(name: string | null | undefined): string | null {
  if (name === undefined || name === null || name === '') return null;
  if (typeof name !== 'string' || name.length > 255 || /[\u0000-\u001f]/.test(name)) {
    throw invalid('display name must be at most 255 characters without control characters', {
      field: 'displayName',
    });
  }
  return name;
}

const LOCALE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/;

function checkLocale(locale: string | null | undefined): string | null {
  if (locale === undefined || locale === null || locale === '') return null;
  if (typeof locale !== 'string' || locale.length > 35 || !LOCALE.test(locale)) {
    throw invalid('locale must be a language tag such as en or nl-NL', { field: 'locale' });
  }
  return locale;
}

/** The longest zone name the column holds. */
export const MAX_TIMEZONE_LENGTH = 64;

/**
 * An IANA zone as Intl spells it (a browser may send an alias such as Asia/Calcutta or Etc/UTC:
 * taken as Intl resolves it), or null when Intl does not know it.
 */
export function canonicalTimezone(zone: unknown): string | null {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > MAX_TIMEZONE_LENGTH || !/^[A-Za-z0-9_+/-]+$/.test(zone)) return null;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    return resolved.length <= MAX_TIMEZONE_LENGTH ? resolved : null;
  } catch {
    return null;
  }
}

function checkTimezone(zone: string | null): string | null {
  if (zone === null || zone === '') return null;
  const canonical = canonicalTimezone(zone);
  if (!canonical) throw invalid('timezone must be an IANA time zone such as Europe/Berlin', { field: 'timezone', code: 'timezone' });
  return canonical;
}

export class UserService {
  private readonly credentialListeners: ((username: string) => void)[] = [];

  constructor(private readonly ctx: DomainContext) {}

  /** Called after a user's password changed or the user was deleted (caches drop what they hold). */
  onCredentialsChange(listener: (username: string) => void): void {
    this.credentialListeners.push(listener);
  }

  private credentialsChanged(username: string): void {
    for (const l of this.credentialListeners) l(username);
  }

  private checkPassword(password: unknown): string {
    const min = this.ctx.config.limits.minPasswordLength;
    if (typeof password !== 'string' || password.length < min || password.length > 1024) {
      throw invalid(`password must be between ${min} and 1024 characters`, { field: 'password' });
    }
    return password;
  }

  async create(input: NewUser): Promise<UserInfo> {
    if (!isValidUsername(input.username)) {
      throw invalid(`username must be ${USERNAME_RULE}`, { field: 'username' });
    }
    const password = this.checkPassword(input.password);
    const email = checkEmail(input.email);
    const displayName = checkDisplayName(input.displayName);
    const locale = checkLocale(input.locale);
    const passwordHash = await hashPassword(password);
    const principalUri = principalUriOf(input.username);
    try {
      return await this.ctx.db.em().transactional(async (em) => {
        if (await em.count(User, { username: input.username })) {
          throw conflict(`user ${input.username} already exists`, { field: 'username' });
        }
        const principal = em.create(Principal, { uri: principalUri, email, displayname: displayName, isMain: true });
        const now = this.ctx.clock.now();
        const user = em.create(User, { username: input.username, passwordHash, locale, createdAt: now, updatedAt: now, isAdmin: input.isAdmin ?? false, disabled: false });
        await em.flush();
        await insertCalendar(em, {
          principaluri: principalUri,
          uri: DEFAULT_CALENDAR_URI,
          displayname: DEFAULT_CALENDAR_NAME,
          // Events, tasks and notes, so that task and note apps work without setting anything up.
          components: [...ALL_COMPONENTS],
        });
        await insertAddressBook(em, principalUri, DEFAULT_ADDRESS_BOOK_URI, { displayname: DEFAULT_ADDRESS_BOOK_NAME }, now);
        // The birthday calendar is on by default (src/domain/birthdays.ts).
        await insertBirthdayCalendar(em, principalUri, now);
        return toInfo(user, principal);
      });
    } catch (e) {
      // Two creates racing for one name: the unique index decides.
      if (e instanceof UniqueConstraintViolationException) {
        throw conflict(`user ${input.username} already exists`, { field: 'username' });
      }
      throw e;
    }
  }

  async get(username: string): Promise<UserInfo | null> {
    if (!isValidUsername(username)) return null;
    const em = this.ctx.db.em();
    const user = await em.findOne(User, { username });
    if (!user) return null;
    const principal = await em.findOne(Principal, { uri: principalUriOf(username) });
    return principal ? toInfo(user, principal) : null;
  }

  async getById(id: number): Promise<UserInfo | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) return null;
    const em = this.ctx.db.em();
    const user = await em.findOne(User, { id });
    if (!user) return null;
    const principal = await em.findOne(Principal, { uri: principalUriOf(user.username) });
    return principal ? toInfo(user, principal) : null;
  }

  /**
   * Finds a user by numeric id or by name (a name of digits is tried as an id first), telling a
   * missing user from a user whose principal is missing.
   */
  async lookup(idOrName: string): Promise<{ user: UserInfo } | { missing: 'user' | 'principal' }> {
    const em = this.ctx.db.em();
    let user = /^\d{1,10}$/.test(idOrName) ? await em.findOne(User, { id: Number(idOrName) }) : null;
    if (!user && isValidUsername(idOrName)) user = await em.findOne(User, { username: idOrName });
    if (!user) return { missing: 'user' };
    const principal = await em.findOne(Principal, { uri: principalUriOf(user.username) });
    return principal ? { user: toInfo(user, principal) } : { missing: 'principal' };
  }

  /** Main principals with their user (if any), as Davis lists them. */
  async listPrincipals(): Promise<{ principalId: number; uri: string; userId: number | null; username: string | null }[]> {
    const rows = await selectMainPrincipals(this.ctx.db.em());
    return rows.map((r) => ({ principalId: r.principal_id, uri: r.uri, userId: r.user_id, username: r.username }));
  }

  async require(username: string): Promise<UserInfo> {
    const u = await this.get(username);
    if (!u) throw notFound(`no user ${username}`);
    return u;
  }

  async list(): Promise<UserInfo[]> {
    const em = this.ctx.db.em();
    const users = await em.find(User, {}, { orderBy: { username: 'asc' } });
    const principals = await em.find(Principal, { uri: { $in: users.map((u) => principalUriOf(u.username)) } });
    const byUri = new Map(principals.map((p) => [p.uri, p]));
    return users.flatMap((u) => {
      const p = byUri.get(principalUriOf(u.username));
      return p ? [toInfo(u, p)] : [];
    });
  }

  async count(): Promise<number> {
    return this.ctx.db.em().count(User, {});
  }

  /**
   * Changes a user's profile and password in one transaction: every value is checked before
   * anything is written, so a bad one changes nothing.
   */
  async update(username: string, changes: UserChanges): Promise<UserInfo> {
    const email = changes.email === undefined ? undefined : checkEmail(changes.email);
    const displayName = changes.displayName === undefined ? undefined : checkDisplayName(changes.displayName);
    const locale = changes.locale === undefined ? undefined : checkLocale(changes.locale);
    const timezone = changes.timezone === undefined ? undefined : checkTimezone(changes.timezone);
    const passwordHash = changes.password === undefined ? undefined : await hashPassword(this.checkPassword(changes.password));
    const info = await this.ctx.db.em().transactional(async (em) => {
      const user = await em.findOne(User, { username });
      const principal = await em.findOne(Principal, { uri: principalUriOf(username) });
      if (!user || !principal) throw notFound(`no user ${username}`);
      if (email !== undefined) principal.email = email;
      if (displayName !== undefined) principal.displayname = displayName;
      if (locale !== undefined) user.locale = locale;
      if (timezone !== undefined) user.timezone = timezone;
      if (passwordHash !== undefined) user.passwordHash = passwordHash;
      if (changes.isAdmin !== undefined) user.isAdmin = changes.isAdmin;
      if (changes.disabled !== undefined) user.disabled = changes.disabled;
      user.updatedAt = this.ctx.clock.now();
      await em.flush();
      return toInfo(user, principal);
    });
    if (passwordHash !== undefined || changes.disabled !== undefined) this.credentialsChanged(username);
    return info;
  }

  async setPassword(username: string, password: string): Promise<void> {
    await this.update(username, { password });
  }

  /** The stored hash, for the authenticator; null for unknown and disabled users alike. */
  async credentials(username: string): Promise<{ id: number; username: string; passwordHash: string } | null> {
    if (!isValidUsername(username)) return null;
    const user = await this.ctx.db.em().findOne(User, { username, disabled: false }, { fields: ['id', 'username', 'passwordHash'] });
    return user ? { id: user.id, username: user.username, passwordHash: user.passwordHash } : null;
  }

  /** Removes the user and everything they own, in one transaction. */
  async delete(username: string): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      const user = await em.findOne(User, { username });
      if (!user) throw notFound(`no user ${username}`);
      await deleteUserRows(em, username);
    });
    this.credentialsChanged(username);
  }
}

/** Deletes a user's calendars (with every sharee instance), address books, principal, settings and user row. */
export async function deleteUserRows(em: SqlEntityManager, username: string): Promise<void> {
  const principalUri = principalUriOf(username);
  const owned = await em.find(
    CalendarInstance,
    { principaluri: principalUri, access: OWNER_ACCESS },
    { fields: ['calendar'] },
  );
  const calendarIds = owned.map((i) => i.calendar);
  // Their shares leave the sharees' homes with them.
  const shares = calendarIds.length ? await em.find(CalendarInstance, { calendar: { $in: calendarIds }, principaluri: { $ne: principalUri } }) : [];
  if (calendarIds.length) await em.nativeDelete(Calendar, { id: { $in: calendarIds } });
  for (const s of shares) await noteHomeMember(em, s.principaluri, s.uri, 'removed', new Date());
  const prefixes = [`calendars/${username}/`, `addressbooks/${username}/`, `${principalUri}/`];
  await em.nativeDelete(PropertyStorage, {
    $or: [
      { path: `calendars/${username}` },
      { path: `addressbooks/${username}` },
      { path: principalUri },
      ...prefixes.map((p) => ({ path: { $like: `${escapeLike(p)}%` } })),
    ],
  });
  // Synchronizations go too (UNLINK_ONLY); those being unlinked outlive the user until done.
  await deleteActiveSyncsOf(em, username);
  // Cascades: sharee instances, subscriptions, scheduling objects, group memberships, address
  // books (with their cards and change logs).
  await em.nativeDelete(Principal, { uri: principalUri });
  // Cascades: API tokens, tags, feeds' tags, synchronizations.
  await em.nativeDelete(User, { username });
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toInfo(
  user: { id: number; username: string; locale?: string | null; timezone?: string | null; createdAt: Date; isAdmin?: boolean; disabled?: boolean },
  principal: { id: number; uri: string; email?: string | null; displayname?: string | null },
): UserInfo {
  return {
    id: user.id,
    username: user.username,
    principalId: principal.id,
    principalUri: principal.uri,
    email: principal.email ?? null,
    displayName: principal.displayname ?? null,
    locale: user.locale ?? null,
    timezone: user.timezone ?? null,
    createdAt: user.createdAt,
    isAdmin: user.isAdmin ?? false,
    disabled: user.disabled ?? false,
  };
}

