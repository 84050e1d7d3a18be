// First start on an empty database: create the first user, an admin of the web UI.
import { randomPassword } from './passwords.ts';
import { DomainError } from './errors.ts';
import type { UserService } from './users.ts';

export interface FirstUser {
  username: string;
  /** Set only when the password was generated here; shown once and never stored in clear. */
  generatedPassword?: string;
}

export async function ensureFirstUser(
  users: UserService,
  username: string,
  password: string | undefined,
): Promise<FirstUser | null> {
  if ((await users.count()) > 0) return null;
  const generated = password ? undefined : randomPassword();
  try {
    await users.create({ username, password: password ?? (generated as string), isAdmin: true });
  } catch (e) {
    // Another process created it at the same moment.
    if (e instanceof DomainError && e.kind === 'Conflict') return null;
    throw e;
  }
  return generated ? { username, generatedPassword: generated } : { username };
}
