// Third-party credentials at rest: AES-256-GCM with SECRET_KEY. With the embedded database and no
// SECRET_KEY, a key is generated once into DATA_DIR (next to the data it protects); with
// PostgreSQL the key must be configured, because the database may live elsewhere. The domain
// seals and opens the credentials; server.ts and cli.ts resolve the key; faces only name the error.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';

export class SecretKeyMissingError extends Error {
  constructor() {
    super('SECRET_KEY is not set: set it to 64 hex characters (openssl rand -hex 32) to store synchronization credentials');
    this.name = 'SecretKeyMissingError';
  }
}

/** The key from SECRET_KEY, or (embedded database only) from DATA_DIR/secret.key, created once. */
export function resolveSecretKey(config: Config): Buffer | null {
  if (config.secretKey) return Buffer.from(config.secretKey, 'hex');
  if (config.databaseUrl) return null;
  const file = join(config.dataDir, 'secret.key');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${file} does not hold 64 hex characters`);
  return Buffer.from(hex, 'hex');
}

export function encrypt(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

export function decrypt(key: Buffer, sealed: string): string {
  const [v, iv, tag, data] = sealed.split(':');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not an encrypted value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
}
