/**
 * Every setting of Kurz, read once from the environment (and `kurz serve --flag value`, which wins),
 * validated, and frozen. A bad value stops start-up with one line that names the setting.
 */

import type { BucketLimit } from './domain/token-bucket.js';

/**
 * full: a commit returns once the WAL is fsynced, so an acknowledged write survives a power cut.
 * normal: the WAL is fsynced only at checkpoints: it survives a crash of the process, not of the machine.
 */
export type SqliteSynchronous = 'full' | 'normal';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type Database =
  // file ':memory:' keeps everything in memory (tests). synchronous: when a commit is on disk (see SQLITE_SYNCHRONOUS).
  | { kind: 'sqlite'; file: string; synchronous: SqliteSynchronous }
  | ({ kind: 'postgres'; url: string } & PostgresPool);

/** PostgreSQL's connection pool: what bounds every wait for the store (SQLite answers in-process). */
export interface PostgresPool {
  /** Connections per process. */
  poolSize: number;
  /** A store call fails after this long: the wait for a connection plus its first statement; each later statement of a transaction gets as long again. */
  timeoutMs: number;
  /** Calls waiting for a connection when all are busy; past it, new calls fail at once (load shedding). */
  maxWaiting: number;
};

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  database: Database;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel: instances of one deployment share it. */
  redisPrefix: string;
  /** undefined only on SQLite, where the composition root generates one and keeps it in the data folder. */
  jwtSecret: string | undefined;
  logLevel: LogLevel;
  /** Share of requests logged: 1 logs each request's start and end; below 1, that share of completions (errors always). */
  logRequests: number;
  /** Share of redirects logged (5xx always): the redirect is the high-volume path, so a sample by default. */
  logRedirects: number;
  signup: 'open' | 'closed';
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  bodyLimitBytes: number;
  codeLength: number;
  blockedDomains: readonly string[];
  /** Links may point at private, loopback and link-local addresses and local names (an intranet shortener). */
  allowPrivateUrls: boolean;
  shutdownTimeoutMs: number;
  /** A request (headers and body) not received in full within this long is answered 408 and its connection closed. */
  requestTimeoutMs: number;
  /** Open connections per process; past it, new ones are closed at once. */
  maxConnections: number;
  /** Bearer token that GET /metrics requires; unset: only loopback clients, not through a proxy, may read it. */
  metricsToken: string | undefined;
  /** Processes `kurz serve` runs (node:cluster, one port); 1 serves from this process. */
  workers: number;
  /** After this long idle, a process whose heap grew runs one full, shrinking collection; 0 leaves it to V8. */
  idleGcMs: number;
  /** Every Redis command fails after this long, so a slow Redis costs a bounded delay, then the breaker opens. */
  redisTimeoutMs: number;
  cache: {
    /** Redis (L2) lifetime of a link entry. */
    ttlMs: number;
    /** In-process (L1) lifetime: bounds how long an invalidation missed while Redis was down can go unseen. */
    l1TtlMs: number;
    /** Lifetime of "no such code" entries, at both levels. */
    negativeTtlMs: number;
    l1MaxEntries: number;
    l1MaxBytes: number;
  };
  clicks: {
    /** Off: no click is recorded (links with max_clicks are still counted, to enforce the limit). */
    analytics: boolean;
    /** A batch of clicks is applied when it has this many events … */
    batchSize: number;
    /** … or after this long. */
    flushMs: number;
    /** Hard bound of the in-process buffer; past it clicks are dropped, each counted. */
    maxBuffered: number;
    /** Hourly rollups older than this are folded into daily ones. */
    retentionDays: number;
    /** Ids of applied clicks are kept this long: the window in which a redelivery is recognised. */
    dedupeDays: number;
    /** Header with the client's country, set by the trusted proxy (read only when TRUST_PROXY is set). */
    countryHeader: string;
    /** Redis Streams: the stream's approximate length cap (the guard on Redis memory). */
    streamMaxLen: number;
    /** Redis Streams: clicks a producer keeps a copy of until a consumer applied them (to append again if Redis loses them). */
    streamRetain: number;
    /** With Redis: whether `kurz serve` also consumes clicks, or leaves them to `kurz worker` processes. */
    consumer: boolean;
    /** A batch pending this long with a consumer is taken over by another (the first is presumed dead). */
    claimIdleMs: number;
  };
  /** Proxies whose X-Forwarded-For is believed: false (none), a hop count, or addresses/CIDRs. */
  trustProxy: false | number | string;
  /** Token-bucket limit of each class; null turns the class off. */
  rateLimits: Readonly<Record<RateClass, BucketLimit | null>>;
}

/** The classes of rate limits, each with its own bucket per client and its own setting. */
export const RATE_CLASSES = {
  redirect: { setting: 'RATE_REDIRECT', fallback: '600:100', what: 'redirects per client IP' },
  notFound: { setting: 'RATE_NOT_FOUND', fallback: '30:0.5', what: 'unknown-code 404s per client IP' },
  api: { setting: 'RATE_API', fallback: '300:5', what: 'API calls per user, API key or (anonymous) IP' },
  createLink: { setting: 'RATE_CREATE_LINK', fallback: '60:1', what: 'links created per user' },
  authIp: { setting: 'RATE_AUTH_IP', fallback: '20:0.2', what: 'sign-ups and sign-ins per client IP' },
  // Failed password checks only (docs/DESIGN.md, Sign-in limits): loose per email, so that guessers
  // elsewhere do not lock the owner out; tight per email and client IP.
  authEmail: { setting: 'RATE_AUTH_EMAIL', fallback: '100:0.1', what: 'failed sign-ins per email, from every address' },
  authEmailIp: { setting: 'RATE_AUTH_EMAIL_IP', fallback: '5:0.0167', what: 'failed sign-ins (and sign-ups) per email and client IP' },
  qr: { setting: 'RATE_QR', fallback: '30:0.5', what: 'QR codes rendered (not served from the cache) per user' },
} as const;

export type RateClass = keyof typeof RATE_CLASSES;

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting} ${message}`);
  }
}

type Env = Record<string, string | undefined>;

/** `--base-url x` → `BASE_URL=x`; `--flag=value` works too. Unknown flags are an error. */
export function flagsToEnv(args: readonly string[]): Env {
  const env: Env = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(arg, 'is not a flag (expected --name value)');
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const key = name!.replace(/-/g, '_').toUpperCase();
    if (!SETTINGS.has(key)) throw new ConfigError(`--${name}`, 'is not a known setting');
    const value = inline ?? args[++i];
    if (value === undefined) throw new ConfigError(`--${name}`, 'needs a value');
    env[key] = value;
  }
  return env;
}

/** Every setting's name (environment variable). */
export const SETTINGS: ReadonlySet<string> = new Set([
  'PORT', 'HOST', 'BASE_URL', 'DATABASE_URL', 'SQLITE_SYNCHRONOUS', 'DATABASE_TIMEOUT_MS', 'DATABASE_POOL_SIZE', 'DATABASE_MAX_WAITING', 'REDIS_URL', 'JWT_SECRET', 'LOG_LEVEL', 'LOG_REQUESTS', 'LOG_REDIRECTS', 'SIGNUP',
  'ACCESS_TOKEN_TTL', 'REFRESH_TOKEN_TTL', 'BODY_LIMIT', 'CODE_LENGTH', 'BLOCKED_DOMAINS', 'ALLOW_PRIVATE_URLS', 'SHUTDOWN_TIMEOUT', 'REQUEST_TIMEOUT', 'MAX_CONNECTIONS', 'METRICS_TOKEN', 'WORKERS', 'IDLE_GC',
  'REDIS_PREFIX', 'REDIS_TIMEOUT_MS', 'CACHE_TTL', 'CACHE_L1_TTL', 'CACHE_NEGATIVE_TTL', 'CACHE_L1_MAX_ENTRIES', 'CACHE_L1_MAX_BYTES',
  'ANALYTICS', 'CLICK_FLUSH_MS', 'CLICK_BATCH_SIZE', 'CLICK_BUFFER_MAX', 'ANALYTICS_RETENTION_DAYS', 'CLICK_DEDUPE_DAYS',
  'COUNTRY_HEADER', 'CLICK_STREAM_MAXLEN', 'CLICK_STREAM_RETAIN', 'CLICK_CONSUMER', 'CLICK_CLAIM_IDLE_MS', 'TRUST_PROXY', ...Object.values(RATE_CLASSES).map((c) => c.setting),
]);

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const database = parseDatabase(env);
  const jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  }
  if (jwtSecret === undefined && database.kind === 'postgres') {
    throw new ConfigError('JWT_SECRET', 'is required with PostgreSQL (every instance must share it)');
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  return Object.freeze({
    port,
    host: env.HOST || '127.0.0.1',
    baseUrl: parseBaseUrl(env.BASE_URL ?? `http://localhost:${port}`),
    database,
    redisUrl,
    redisPrefix: env.REDIS_PREFIX || 'kurz:',
    jwtSecret,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    logRequests: fraction(env, 'LOG_REQUESTS', 1),
    logRedirects: fraction(env, 'LOG_REDIRECTS', 0.01),
    signup: oneOf(env, 'SIGNUP', ['open', 'closed'] as const, 'open'),
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL', 900, 30, 86_400),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL', 30 * 86_400, 60, 365 * 86_400),
    bodyLimitBytes: int(env, 'BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
    codeLength: int(env, 'CODE_LENGTH', 7, 5, 32),
    blockedDomains: Object.freeze(
      (env.BLOCKED_DOMAINS ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean),
    ),
    allowPrivateUrls: oneOf(env, 'ALLOW_PRIVATE_URLS', ['true', 'false'] as const, 'false') === 'true',
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT', 10, 1, 600) * 1000,
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT', 30, 1, 3600) * 1000,
    maxConnections: int(env, 'MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    metricsToken: parseMetricsToken(env.METRICS_TOKEN),
    workers: int(env, 'WORKERS', 1, 1, 64),
    idleGcMs: int(env, 'IDLE_GC', 10, 0, 3600) * 1000,
    redisTimeoutMs: int(env, 'REDIS_TIMEOUT_MS', 200, 5, 10_000),
    cache: Object.freeze({
      ttlMs: int(env, 'CACHE_TTL', 3600, 1, 30 * 86_400) * 1000,
      l1TtlMs: int(env, 'CACHE_L1_TTL', 5, 1, 3600) * 1000,
      negativeTtlMs: int(env, 'CACHE_NEGATIVE_TTL', 30, 1, 3600) * 1000,
      l1MaxEntries: int(env, 'CACHE_L1_MAX_ENTRIES', 100_000, 100, 10_000_000),
      l1MaxBytes: int(env, 'CACHE_L1_MAX_BYTES', 64 * 1024 * 1024, 1024 * 1024, 4 * 1024 * 1024 * 1024),
    }),
    clicks: Object.freeze({
      analytics: oneOf(env, 'ANALYTICS', ['on', 'off'] as const, 'on') === 'on',
      batchSize: int(env, 'CLICK_BATCH_SIZE', 500, 1, 10_000),
      flushMs: int(env, 'CLICK_FLUSH_MS', 1000, 10, 60_000),
      maxBuffered: int(env, 'CLICK_BUFFER_MAX', 200_000, 100, 10_000_000),
      retentionDays: int(env, 'ANALYTICS_RETENTION_DAYS', 30, 1, 3650),
      dedupeDays: int(env, 'CLICK_DEDUPE_DAYS', 7, 1, 365),
      countryHeader: (env.COUNTRY_HEADER || 'cf-ipcountry').toLowerCase(),
      streamMaxLen: int(env, 'CLICK_STREAM_MAXLEN', 1_000_000, 1000, 100_000_000),
      streamRetain: int(env, 'CLICK_STREAM_RETAIN', 50_000, 0, 10_000_000),
      consumer: oneOf(env, 'CLICK_CONSUMER', ['on', 'off'] as const, 'on') === 'on',
      claimIdleMs: int(env, 'CLICK_CLAIM_IDLE_MS', 30_000, 100, 3_600_000),
    }),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    rateLimits: Object.freeze(Object.fromEntries(
      Object.entries(RATE_CLASSES).map(([name, c]) => [name, parseRate(c.setting, env[c.setting] || c.fallback)]),
    ) as Record<RateClass, BucketLimit | null>),
  });
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw.trim()) || value > 1) throw new ConfigError(name, `must be a number from 0 to 1 (got "${raw}")`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

/** `capacity:refillPerSecond` (e.g. `600:100`, `5:0.0167` ≈ one a minute), or `off`. */
function parseRate(setting: string, raw: string): BucketLimit | null {
  if (raw === 'off') return null;
  const match = /^(\d+):(\d+(?:\.\d+)?)$/.exec(raw.trim());
  const capacity = Number(match?.[1]);
  const refillPerSecond = Number(match?.[2]);
  if (!match || capacity < 1 || refillPerSecond <= 0) {
    throw new ConfigError(setting, `must be capacity:refillPerSecond such as 60:1, or off (got "${raw}")`);
  }
  return Object.freeze({ capacity, refillPerSecond });
}

/**
 * Unset: X-Forwarded-For is ignored and the client is the socket's peer (anything else would let any
 * client pick the IP its limits are counted against). A number trusts that many hops; otherwise a
 * comma-separated list of addresses or CIDRs (or loopback, linklocal, uniquelocal).
 */
function parseTrustProxy(raw: string | undefined): false | number | string {
  if (!raw || raw === 'false') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const ok = entries.every((e) => /^(loopback|linklocal|uniquelocal)$/.test(e) || /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e));
  if (!ok || entries.length === 0) {
    throw new ConfigError('TRUST_PROXY', `must be a hop count or a list of proxy addresses/CIDRs (got "${raw}")`);
  }
  return entries.join(',');
}

/** At least 16 characters, so that it cannot be guessed; sent by a scraper, so printable ASCII only. */
function parseMetricsToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^[\x21-\x7e]{16,}$/.test(raw)) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 printable characters without spaces');
  return raw;
}

/** DATABASE_URL, and the settings of the store it names. */
export function parseDatabase(env: Env): Database {
  const raw = env.DATABASE_URL ?? 'sqlite:./data/kurz.db';
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new ConfigError('DATABASE_URL', 'needs a file after sqlite: (e.g. sqlite:./data/kurz.db)');
    return { kind: 'sqlite', file, synchronous: oneOf(env, 'SQLITE_SYNCHRONOUS', ['full', 'normal'] as const, 'full') };
  }
  if (/^postgres(ql)?:\/\/./.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return {
      kind: 'postgres',
      url: raw,
      poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      timeoutMs: int(env, 'DATABASE_TIMEOUT_MS', 5000, 100, 600_000),
      maxWaiting: int(env, 'DATABASE_MAX_WAITING', 1000, 0, 1_000_000),
    };
  }
  throw new ConfigError('DATABASE_URL', 'must start with sqlite: or postgres://');
}

function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('BASE_URL', `is not an absolute URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('BASE_URL', 'must be an http or https URL');
  }
  if (url.search || url.hash) throw new ConfigError('BASE_URL', 'must not have a query or fragment');
  return url.href.replace(/\/+$/, '');
}
