import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('has working defaults for an empty environment (embedded database in ./data, port 8080)', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8080',
      basePath: '',
      databaseUrl: undefined,
      apiKey: '',
      authRealm: 'Calendula',
      appTimezone: 'UTC',
      logLevel: 'info',
      initialUser: 'admin',
      initialPassword: undefined,
      secretKey: undefined,
      publicCalendarsEnabled: true,
    });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.limits.maxObjectBytes).toBeGreaterThan(0);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://cal.example.org/',
      BASE_PATH: '/calendula/',
      DATABASE_URL: 'postgres://u:p@db/calendula',
      DATA_DIR: '/var/lib/calendula',
      API_KEY: ' key ',
      AUTH_REALM: 'Team "Calendars"',
      APP_TIMEZONE: 'Europe/Berlin',
      LOG_LEVEL: 'DEBUG',
      INITIAL_USER: 'root',
      INITIAL_PASSWORD: 'pw',
      SECRET_KEY: 'AB'.repeat(32),
      PUBLIC_CALENDARS_ENABLED: 'no',
      MAX_OBJECT_BYTES: '2048',
    });
    expect(c).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      publicUrl: 'https://cal.example.org',
      basePath: '/calendula',
      databaseUrl: 'postgres://u:p@db/calendula',
      dataDir: '/var/lib/calendula',
      apiKey: 'key',
      authRealm: 'Team Calendars',
      appTimezone: 'Europe/Berlin',
      logLevel: 'debug',
      initialUser: 'root',
      initialPassword: 'pw',
      secretKey: 'ab'.repeat(32),
      publicCalendarsEnabled: false,
    });
    expect(c.limits.maxObjectBytes).toBe(2048);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '8o'],
    ['BASE_PATH', 'no-slash'],
    ['PUBLIC_URL', 'ftp://x'],
    ['DATABASE_URL', 'sqlite:///x'],
    ['APP_TIMEZONE', 'Nowhere/Town'],
    ['LOG_LEVEL', 'loud'],
    ['INITIAL_USER', 'has space'],
    ['SECRET_KEY', 'z'.repeat(64)],
    ['TRUST_PROXY', 'sometimes'],
    ['MAX_XML_DEPTH', '1'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });
});

describe('docs/configuration.md', () => {
  it('documents every variable the configuration reads', () => {
    const source = readFileSync(resolve(import.meta.dirname, '../src/config.ts'), 'utf8');
    const docs = readFileSync(resolve(import.meta.dirname, '../docs/configuration.md'), 'utf8');
    const names = new Set([...source.matchAll(/(?:env, |env\.)'?([A-Z][A-Z0-9_]+)'?/g)].map((m) => m[1]!));
    expect(names.size).toBeGreaterThan(30);
    for (const name of names) expect(docs, name).toContain(`\`${name}\``);
  });
});
