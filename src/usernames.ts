// Usernames double as the last segment of principal and home URLs and may be e-mail addresses.
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

export function isValidUsername(name: unknown): name is string {
  return typeof name === 'string' && USERNAME.test(name) && name !== '.' && name !== '..';
}

export const USERNAME_RULE = '1-64 characters of A-Z a-z 0-9 . _ @ -';
