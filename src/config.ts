// The only module that reads process.env. Every setting is typed, validated and has a documented
// default (docs/configuration.md lists them; keep the two in step).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { isValidUsername, USERNAME_RULE } from './usernames.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** JSON lines, human-readable lines, or whichever suits standard output (a terminal: pretty). */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface Limits {
  /** Largest request body of any kind, in bytes. */
  maxRequestBytes: number;
  /** Largest XML request body (PROPFIND, REPORT, PROPPATCH, MKCALENDAR), in bytes. */
  maxXmlBytes: number;
  /** Deepest element nesting accepted in an XML request body. */
  maxXmlDepth: number;
  /** Largest calendar object resource (CalDAV max-resource-size), in bytes. */
  maxObjectBytes: number;
  /** Most objects one calendar may hold. */
  maxObjectsPerCalendar: number;
  /** Most hrefs in one calendar-multiget. */
  maxMultigetHrefs: number;
  /** Largest JSON request body of the JSON APIs, in bytes. */
  maxJsonBytes: number;
  /**
   * Most recurrence instances expanded for one object when indexing or answering a query; also
   * the most a COUNT may ask for (CALDAV:max-instances).
   */
  maxRecurrenceInstances: number;
  /** Most recurrence rule steps (candidates ical.js produces) walked for one object in one request. */
  maxRecurrenceSteps: number;
  /** Longest free-busy range answered, in days (longer ones are cut to it). */
  maxFreeBusyDays: number;
  /** Largest calendar-timezone property value (one VTIMEZONE), in bytes. */
  maxTimezoneBytes: number;
  /** Shortest password accepted for a user. */
  minPasswordLength: number;
  /** Largest .ics file the web UI imports, in bytes. */
  maxImportBytes: number;
  /** Most objects one import stores (the rest are reported refused). */
  maxImportObjects: number;
  /** Largest web UI form body (everything but an import), in bytes. */
  maxFormBytes: number;
  /** Memory for plain .ics exports kept by their ETag, in MB (0: none kept). */
  exportCacheMb: number;
}

export interface WebSettings {
  /** Serve the web UI at / (sign-in, self-service, admin console). */
  enabled: boolean;
  /** A browser session ends after this many minutes without a request. */
  sessionIdleMinutes: number;
  /** ... and after this many days whatever happens, so a stolen cookie does not live forever. */
  sessionMaxDays: number;
  /** Most rows one page lists (occurrences, tasks, users); a longer list says it was cut. */
  listLimit: number;
  /**
   * Most occurrences one calendar view (day, week, month, agenda) reads: a month grid counts every
   * day's "+N more", so it needs all of its occurrences; beyond this the earliest are shown and the
   * page says it was cut.
   */
  viewMaxOccurrences: number;
}

export interface AuthThrottle {
  /** Failed logins per username or address tolerated before responses slow down. */
  freeFailures: number;
  /** Failed logins per username or address after which requests get 429 until the window ends. */
  lockFailures: number;
  /** How long failures are remembered, in seconds; also the longest a 429 lasts. */
  windowSeconds: number;
  /** Longest delay added to a failed login, in milliseconds. */
  maxDelayMs: number;
}

export interface SyncSettings {
  /** Run the push worker inside the server process (turn off when `calendula worker` runs apart). */
  workerEnabled: boolean;
  /** Minutes between full resyncs of each synchronization. */
  resyncIntervalMinutes: number;
  /** Longest wait before a failed push is retried, in seconds. */
  maxBackoffSeconds: number;
  /** How long one request to a target may take, in seconds. */
  targetTimeoutSeconds: number;
  /** How long a worker owns a job it claimed; a job of a worker that died runs again after this. */
  leaseSeconds: number;
}

export interface MailSettings {
  /** smtp:// or smtps:// URL of the mail server (user and password in it); undefined: no mail is sent. */
  smtpUrl: string | undefined;
  /** The address invitation mails come from; the organizer's name is shown before it. */
  from: string;
  /** Most iMIP mails one user may send per hour; the rest get SCHEDULE-STATUS 5.3. */
  perUserPerHour: number;
  /** Most attendees elsewhere one event mails; the rest get SCHEDULE-STATUS 5.3. */
  maxAttendees: number;
  /** Hours a mail is retried after temporary failures before it counts as failed. */
  giveUpHours: number;
  /** Longest wait between two delivery attempts, in seconds. */
  maxBackoffSeconds: number;
  /** Seconds one SMTP conversation may take. */
  timeoutSeconds: number;
  /** Days the iTIP text of a sent, failed or refused mail is kept (its row stays: counts, failures). */
  retentionDays: number;
}

export interface SchedulingSettings {
  /** Days an item stays in a schedule inbox (RFC 6638 §4.1). */
  inboxRetentionDays: number;
}

export interface ComputeConfig {
  /** Worker threads for iCalendar work (parsing, validation, indexing, expansion). */
  threads: number;
  /** Milliseconds of CPU one object's work may use before its thread is stopped, plus as much again per MB. */
  deadlineMs: number;
  /** Milliseconds of wall time one object's work may take however busy the machine, plus as much again per MB. */
  wallLimitMs: number;
  /** Seconds a compute thread may stay idle before it stops (the pool starts one again on the next work). */
  idleSeconds: number;
}

export interface LoopWatch {
  /** Event-loop delays above this many milliseconds are logged with the requests in flight. */
  warnMs: number;
}

/**
 * PostgreSQL's memory settings inside PGlite. Its WebAssembly memory grows to the largest need and
 * never shrinks, so each of these is a floor under the process's size once used.
 */
export interface EmbeddedMemory {
  /** shared_buffers, in MB: PostgreSQL's page cache (the operating system caches the files too). */
  cacheMb: number;
  /** work_mem, in kB: what one sort or hash may take before it spills to a temporary file. */
  workMemKb: number;
  /** maintenance_work_mem, in MB: for CREATE INDEX and VACUUM (migrations, statistics). */
  maintenanceWorkMemMb: number;
}

export interface Config {
  port: number;
  host: string;
  /** Absolute base URL seen by clients, without trailing slash (links, ics_path). */
  publicUrl: string;
  /** Whether PUBLIC_URL set it (else the web UI shows links on the host the browser used). */
  publicUrlSet: boolean;
  /** Path prefix under which everything is served ('' or '/something', no trailing slash). */
  basePath: string;
  /** postgres:// URL; undefined means the embedded PGlite database in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** The embedded database's memory settings (PostgreSQL's, inside PGlite). */
  embeddedMemory: EmbeddedMemory;
  /** Admin API key; '' disables /api/v1 (except /health) and the provisioning API. */
  apiKey: string;
  authRealm: string;
  appTimezone: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  initialUser: string;
  initialPassword: string | undefined;
  /** 64 hex characters (32 bytes) or undefined. */
  secretKey: string | undefined;
  publicCalendarsEnabled: boolean;
  /** Days a calendar's change log is kept; older sync tokens get valid-sync-token. */
  syncLogRetentionDays: number;
  /** Trust X-Forwarded-Proto/Host/For from the reverse proxy. */
  trustProxy: boolean;
  /** Bearer token for GET /metrics; undefined: metrics are served to loopback only. */
  metricsToken: string | undefined;
  /** Server processes sharing the port (PostgreSQL only). */
  workers: number;
  limits: Limits;
  compute: ComputeConfig;
  loop: LoopWatch;
  authThrottle: AuthThrottle;
  sync: SyncSettings;
  web: WebSettings;
  mail: MailSettings;
  scheduling: SchedulingSettings;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(name, `must be a whole number between ${min} and ${max} (got "${raw}")`);
  }
  const n = Number(raw.trim());
  if (n < min || n > max) {
    throw new ConfigError(name, `must be a whole number between ${min} and ${max} (got "${raw}")`);
  }
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function basePath(env: Env): string {
  const raw = text(env, 'BASE_PATH', '').trim();
  if (raw === '' || raw === '/') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(raw)) {
    throw new ConfigError('BASE_PATH', `must be a path like /calendula (got "${raw}")`);
  }
  return raw.replace(/\/$/, '');
}

function publicUrl(env: Env, port: number, base: string): string {
  const raw = env.PUBLIC_URL?.trim();
  if (!raw) return `http://localhost:${port}${base}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute http(s) URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('PUBLIC_URL', `must be an absolute http(s) URL (got "${raw}")`);
  }
  return raw.replace(/\/+$/, '');
}

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return undefined;
  if (!/^postgres(ql)?:\/\//.test(raw)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL, or unset for the embedded database');
  }
  return raw;
}

function timezone(env: Env): string {
  const tz = text(env, 'APP_TIMEZONE', 'UTC');
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new ConfigError('APP_TIMEZONE', `must be an IANA time zone such as Europe/Berlin (got "${tz}")`);
  }
  return tz;
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logFormat(env: Env): LogFormat {
  const v = text(env, 'LOG_FORMAT', 'auto').toLowerCase();
  if (v !== 'json' && v !== 'pretty' && v !== 'auto') throw new ConfigError('LOG_FORMAT', `must be json, pretty or auto (got "${v}")`);
  return v;
}

function logLevel(env: Env): LogLevel {
  const v = text(env, 'LOG_LEVEL', 'info').toLowerCase();
  if (!(LOG_LEVELS as string[]).includes(v)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${v}")`);
  }
  return v as LogLevel;
}

function initialUser(env: Env): string {
  const v = text(env, 'INITIAL_USER', 'admin');
  if (!isValidUsername(v)) {
    throw new ConfigError('INITIAL_USER', `must be ${USERNAME_RULE} (got "${v}")`);
  }
  return v;
}

function secretKey(env: Env): string | undefined {
  const raw = env.SECRET_KEY?.trim();
  if (!raw) return undefined;
  if (!/^[0-9a-fA-F]{64}$/.test(raw)) {
    throw new ConfigError('SECRET_KEY', 'must be 64 hex characters (generate one with: openssl rand -hex 32)');
  }
  return raw.toLowerCase();
}

const MB = 1024 * 1024;

/** WORKERS: a number, or `auto` for one per core; more than one needs PostgreSQL (one process per embedded data directory). */
function workers(env: Env): number {
  const raw = env.WORKERS?.trim().toLowerCase();
  const n = raw === 'auto' ? availableParallelism() : integer(env, 'WORKERS', 1, 1, 64);
  if (n > 1 && !env.DATABASE_URL?.trim()) {
    throw new ConfigError('WORKERS', 'above 1 needs DATABASE_URL (PostgreSQL): the embedded database admits one process');
  }
  return n;
}

/** One compute thread per core, between 1 and 4 (the request loop keeps a core of its own on bigger machines). */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function smtpUrl(env: Env): string | undefined {
  const raw = env.SMTP_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL', 'must be an smtp:// or smtps:// URL such as smtp://user:password@mail.example.com:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('SMTP_URL', 'must be an smtp:// or smtps:// URL such as smtp://user:password@mail.example.com:587');
  }
  return raw;
}

const MAIL_ADDRESS = /^[^\s@<>()",;:\\]+@[A-Za-z0-9.-]+$/;

/** MAIL_FROM: a bare address; by default calendula@ the host of PUBLIC_URL. */
function mailFrom(env: Env, publicBase: string): string {
  const raw = env.MAIL_FROM?.trim();
  if (!raw) {
    const host = new URL(publicBase).hostname.replace(/^\[|\]$/g, '');
    return `calendula@${/^[A-Za-z0-9.-]+$/.test(host) && host.includes('.') ? host : 'localhost.localdomain'}`;
  }
  if (!MAIL_ADDRESS.test(raw)) throw new ConfigError('MAIL_FROM', `must be a bare e-mail address such as calendar@example.com (got "${raw}")`);
  return raw;
}

/** Builds the configuration from an environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const base = basePath(env);
  return {
    port,
    host: text(env, 'HOST', '127.0.0.1'),
    publicUrl: publicUrl(env, port, base),
    publicUrlSet: Boolean(env.PUBLIC_URL?.trim()),
    basePath: base,
    databaseUrl: databaseUrl(env),
    dataDir: resolve(text(env, 'DATA_DIR', './data')),
    embeddedMemory: {
      cacheMb: integer(env, 'EMBEDDED_CACHE_MB', 32, 1, 65536),
      workMemKb: integer(env, 'EMBEDDED_WORK_MEM_KB', 4096, 64, 2 * 1024 * 1024),
      maintenanceWorkMemMb: integer(env, 'EMBEDDED_MAINTENANCE_WORK_MEM_MB', 64, 1, 2048),
    },
    apiKey: (env.API_KEY ?? '').trim(),
    authRealm: text(env, 'AUTH_REALM', 'Calendula').replace(/["\\\r\n]/g, ''),
    appTimezone: timezone(env),
    logLevel: logLevel(env),
    logFormat: logFormat(env),
    initialUser: initialUser(env),
    initialPassword: env.INITIAL_PASSWORD ? env.INITIAL_PASSWORD : undefined,
    secretKey: secretKey(env),
    publicCalendarsEnabled: bool(env, 'PUBLIC_CALENDARS_ENABLED', true),
    syncLogRetentionDays: integer(env, 'SYNC_LOG_RETENTION_DAYS', 180, 1, 36500),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    metricsToken: env.METRICS_TOKEN?.trim() || undefined,
    workers: workers(env),
    limits: {
      maxRequestBytes: integer(env, 'MAX_REQUEST_BYTES', 20 * MB, 1024, 1024 * MB),
      maxXmlBytes: integer(env, 'MAX_XML_BYTES', 2 * MB, 1024, 1024 * MB),
      maxXmlDepth: integer(env, 'MAX_XML_DEPTH', 32, 4, 1000),
      maxObjectBytes: integer(env, 'MAX_OBJECT_BYTES', 4 * MB, 1024, 1024 * MB),
      maxObjectsPerCalendar: integer(env, 'MAX_OBJECTS_PER_CALENDAR', 500000, 1, 100_000_000),
      maxMultigetHrefs: integer(env, 'MAX_MULTIGET_HREFS', 2000, 1, 1_000_000),
      maxJsonBytes: integer(env, 'MAX_JSON_BYTES', 1 * MB, 1024, 1024 * MB),
      maxRecurrenceInstances: integer(env, 'MAX_RECURRENCE_INSTANCES', 5000, 10, 10_000_000),
      maxRecurrenceSteps: integer(env, 'MAX_RECURRENCE_STEPS', 50_000, 100, 100_000_000),
      maxFreeBusyDays: integer(env, 'MAX_FREEBUSY_DAYS', 366, 1, 36600),
      maxTimezoneBytes: integer(env, 'MAX_TIMEZONE_BYTES', 65536, 1024, 16 * MB),
      minPasswordLength: integer(env, 'MIN_PASSWORD_LENGTH', 8, 1, 1024),
      maxImportBytes: integer(env, 'MAX_IMPORT_BYTES', 10 * MB, 1024, 1024 * MB),
      maxImportObjects: integer(env, 'MAX_IMPORT_OBJECTS', 10_000, 1, 10_000_000),
      maxFormBytes: integer(env, 'MAX_FORM_BYTES', 64 * 1024, 1024, 16 * MB),
      exportCacheMb: integer(env, 'EXPORT_CACHE_MB', 8, 0, 4096),
    },
    compute: {
      threads: integer(env, 'COMPUTE_THREADS', defaultThreads(), 1, 64),
      deadlineMs: integer(env, 'COMPUTE_DEADLINE_MS', 500, 10, 600_000),
      wallLimitMs: integer(env, 'COMPUTE_WALL_LIMIT_MS', 5000, 10, 3_600_000),
      idleSeconds: integer(env, 'COMPUTE_IDLE_SECONDS', 60, 1, 86_400),
    },
    loop: {
      warnMs: integer(env, 'LOOP_DELAY_WARN_MS', 100, 1, 60_000),
    },
    authThrottle: {
      freeFailures: integer(env, 'AUTH_FREE_FAILURES', 5, 0, 1_000_000),
      lockFailures: integer(env, 'AUTH_LOCK_FAILURES', 20, 1, 1_000_000),
      windowSeconds: integer(env, 'AUTH_WINDOW_SECONDS', 900, 1, 86400 * 30),
      maxDelayMs: integer(env, 'AUTH_MAX_DELAY_MS', 3000, 0, 60000),
    },
    sync: {
      workerEnabled: bool(env, 'SYNC_WORKER', true),
      resyncIntervalMinutes: integer(env, 'SYNC_RESYNC_MINUTES', 360, 1, 525600),
      maxBackoffSeconds: integer(env, 'SYNC_MAX_BACKOFF_SECONDS', 3600, 1, 86400),
      targetTimeoutSeconds: integer(env, 'SYNC_TARGET_TIMEOUT_SECONDS', 30, 1, 3600),
      leaseSeconds: integer(env, 'SYNC_LEASE_SECONDS', 300, 1, 86400),
    },
    web: {
      enabled: bool(env, 'WEB_UI', true),
      sessionIdleMinutes: integer(env, 'WEB_SESSION_IDLE_MINUTES', 480, 1, 525600),
      sessionMaxDays: integer(env, 'WEB_SESSION_MAX_DAYS', 7, 1, 3650),
      listLimit: integer(env, 'WEB_LIST_LIMIT', 1000, 10, 1_000_000),
      viewMaxOccurrences: integer(env, 'WEB_VIEW_MAX_OCCURRENCES', 5000, 10, 1_000_000),
    },
    mail: {
      smtpUrl: smtpUrl(env),
      from: mailFrom(env, publicUrl(env, port, base)),
      perUserPerHour: integer(env, 'MAIL_PER_USER_PER_HOUR', 200, 0, 1_000_000),
      maxAttendees: integer(env, 'MAIL_MAX_ATTENDEES', 100, 0, 100_000),
      giveUpHours: integer(env, 'MAIL_GIVE_UP_HOURS', 48, 1, 24 * 30),
      maxBackoffSeconds: integer(env, 'MAIL_MAX_BACKOFF_SECONDS', 3600, 1, 86400),
      timeoutSeconds: integer(env, 'MAIL_TIMEOUT_SECONDS', 30, 1, 600),
      retentionDays: integer(env, 'MAIL_RETENTION_DAYS', 90, 1, 36500),
    },
    scheduling: {
      inboxRetentionDays: integer(env, 'INBOX_RETENTION_DAYS', 90, 1, 36500),
    },
  };
}

/** Reads ./.env (if present) into process.env without overriding what is already set. */
export function loadDotEnv(dir: string = process.cwd()): void {
  const file = resolve(dir, '.env');
  if (!existsSync(file)) return;
  const before = { ...process.env };
  process.loadEnvFile(file);
  for (const [k, v] of Object.entries(before)) process.env[k] = v;
}

