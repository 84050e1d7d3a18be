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

  // Every variable config.ts reads, with a value other than its default, and what it becomes.
  const EVERY: Record<string, string> = {
    PORT: '9000',
    HOST: '0.0.0.0',
    PUBLIC_URL: 'https://cal.example.org/',
    BASE_PATH: '/calendula/',
    DATABASE_URL: 'postgres://u:p@db/calendula',
    DATA_DIR: '/var/lib/calendula',
    EMBEDDED_CACHE_MB: '64',
    EMBEDDED_WORK_MEM_KB: '2048',
    EMBEDDED_MAINTENANCE_WORK_MEM_MB: '32',
    API_KEY: ' key ',
    AUTH_REALM: 'Team "Calendars"',
    APP_TIMEZONE: 'Europe/Berlin',
    LOG_LEVEL: 'DEBUG',
    LOG_FORMAT: 'JSON',
    INITIAL_USER: 'root',
    INITIAL_PASSWORD: 'pw',
    SECRET_KEY: 'AB'.repeat(32),
    PUBLIC_CALENDARS_ENABLED: 'no',
    SYNC_LOG_RETENTION_DAYS: '30',
    TRUST_PROXY: 'yes',
    METRICS_TOKEN: ' scrape-me ',
    WORKERS: '3',
    MAX_REQUEST_BYTES: '4096',
    MAX_XML_BYTES: '3072',
    MAX_XML_DEPTH: '12',
    MAX_OBJECT_BYTES: '2048',
    MAX_OBJECTS_PER_CALENDAR: '77',
    MAX_MULTIGET_HREFS: '55',
    MAX_JSON_BYTES: '5000',
    MAX_RECURRENCE_INSTANCES: '99',
    MAX_RECURRENCE_STEPS: '1234',
    MAX_FREEBUSY_DAYS: '40',
    MAX_TIMEZONE_BYTES: '9999',
    MIN_PASSWORD_LENGTH: '12',
    EXPORT_CACHE_MB: '3',
    COMPUTE_THREADS: '3',
    COMPUTE_DEADLINE_MS: '250',
    COMPUTE_WALL_LIMIT_MS: '4000',
    COMPUTE_IDLE_SECONDS: '90',
    LOOP_DELAY_WARN_MS: '42',
    AUTH_FREE_FAILURES: '1',
    AUTH_LOCK_FAILURES: '9',
    AUTH_WINDOW_SECONDS: '120',
    AUTH_MAX_DELAY_MS: '700',
    SYNC_WORKER: 'false',
    SYNC_RESYNC_MINUTES: '15',
    SYNC_MAX_BACKOFF_SECONDS: '90',
    SYNC_TARGET_TIMEOUT_SECONDS: '7',
    SYNC_LEASE_SECONDS: '45',
    MAX_IMPORT_BYTES: '8192',
    MAX_IMPORT_OBJECTS: '33',
    MAX_FORM_BYTES: '2048',
    WEB_UI: 'false',
    WEB_SESSION_IDLE_MINUTES: '30',
    WEB_SESSION_MAX_DAYS: '2',
    WEB_LIST_LIMIT: '50',
    WEB_VIEW_MAX_OCCURRENCES: '70',
    SMTP_URL: ' smtps://mailer:secret@mail.example.org:465 ',
    MAIL_FROM: 'calendar@example.org',
    MAIL_PER_USER_PER_HOUR: '20',
    MAIL_MAX_ATTENDEES: '10',
    MAIL_GIVE_UP_HOURS: '6',
    MAIL_MAX_BACKOFF_SECONDS: '300',
    MAIL_TIMEOUT_SECONDS: '9',
    MAIL_RETENTION_DAYS: '30',
    INBOX_RETENTION_DAYS: '14',
  };

  it('reads every variable', () => {
    const c = loadConfig(EVERY);
    expect(c).toEqual({
      port: 9000,
      host: '0.0.0.0',
      publicUrl: 'https://cal.example.org',
      publicUrlSet: true,
      basePath: '/calendula',
      databaseUrl: 'postgres://u:p@db/calendula',
      dataDir: '/var/lib/calendula',
      embeddedMemory: { cacheMb: 64, workMemKb: 2048, maintenanceWorkMemMb: 32 },
      apiKey: 'key',
      authRealm: 'Team Calendars',
      appTimezone: 'Europe/Berlin',
      logLevel: 'debug',
      logFormat: 'json',
      initialUser: 'root',
      initialPassword: 'pw',
      secretKey: 'ab'.repeat(32),
      publicCalendarsEnabled: false,
      syncLogRetentionDays: 30,
      trustProxy: true,
      metricsToken: 'scrape-me',
      workers: 3,
      limits: {
        maxRequestBytes: 4096,
        maxXmlBytes: 3072,
        maxXmlDepth: 12,
        maxObjectBytes: 2048,
        maxObjectsPerCalendar: 77,
        maxMultigetHrefs: 55,
        maxJsonBytes: 5000,
        maxRecurrenceInstances: 99,
        maxRecurrenceSteps: 1234,
        maxFreeBusyDays: 40,
        maxTimezoneBytes: 9999,
        minPasswordLength: 12,
        maxImportBytes: 8192,
        maxImportObjects: 33,
        maxFormBytes: 2048,
        exportCacheMb: 3,
      },
      compute: { threads: 3, deadlineMs: 250, wallLimitMs: 4000, idleSeconds: 90 },
      loop: { warnMs: 42 },
      authThrottle: { freeFailures: 1, lockFailures: 9, windowSeconds: 120, maxDelayMs: 700 },
      sync: { workerEnabled: false, resyncIntervalMinutes: 15, maxBackoffSeconds: 90, targetTimeoutSeconds: 7, leaseSeconds: 45 },
      web: { enabled: false, sessionIdleMinutes: 30, sessionMaxDays: 2, listLimit: 50, viewMaxOccurrences: 70 },
      mail: { smtpUrl: 'smtps://mailer:secret@mail.example.org:465', from: 'calendar@example.org', perUserPerHour: 20, maxAttendees: 10, giveUpHours: 6, maxBackoffSeconds: 300, timeoutSeconds: 9, retentionDays: 30 },
      scheduling: { inboxRetentionDays: 14 },
    });
  });

  it('the case above names every variable config.ts reads', () => {
    const source = readFileSync(resolve(import.meta.dirname, '../src/config.ts'), 'utf8');
    const read = new Set([...source.matchAll(/env(?:\.([A-Z][A-Z0-9_]+)|, '([A-Z][A-Z0-9_]+)')/g)].map((m) => m[1] ?? m[2]));
    expect([...read].sort()).toEqual(Object.keys(EVERY).sort());
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
    ['SMTP_URL', 'http://mail.example.org'],
    ['SMTP_URL', 'not a url'],
    ['MAIL_FROM', 'Calendar <calendar@example.org>'],
    ['MAIL_FROM', 'calendar@example.org\r\nBcc: x@evil.example'],
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
