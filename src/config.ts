/**
 * Every setting of Kurz, read once from the environment (and `kurz serve --flag value`, which wins),
 * validated, and frozen. A bad value stops start-up with one line that names the setting.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type Database =
  | { kind: 'sqlite'; file: string } // file ':memory:' keeps everything in memory (tests)
  | { kind: 'postgres'; url: string };

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
  signup: 'open' | 'closed';
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  bodyLimitBytes: number;
  codeLength: number;
  blockedDomains: readonly string[];
  shutdownTimeoutMs: number;
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
  /** How often buffered click counts are written to the store. */
  clickFlushMs: number;
}

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
    if (!KNOWN.has(key)) throw new ConfigError(`--${name}`, 'is not a known setting');
    const value = inline ?? args[++i];
    if (value === undefined) throw new ConfigError(`--${name}`, 'needs a value');
    env[key] = value;
  }
  return env;
}

const KNOWN = new Set([
  'PORT', 'HOST', 'BASE_URL', 'DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'LOG_LEVEL', 'SIGNUP',
  'ACCESS_TOKEN_TTL', 'REFRESH_TOKEN_TTL', 'BODY_LIMIT', 'CODE_LENGTH', 'BLOCKED_DOMAINS', 'SHUTDOWN_TIMEOUT',
  'REDIS_PREFIX', 'REDIS_TIMEOUT_MS', 'CACHE_TTL', 'CACHE_L1_TTL', 'CACHE_NEGATIVE_TTL', 'CACHE_L1_MAX_ENTRIES', 'CACHE_L1_MAX_BYTES',
  'CLICK_FLUSH_MS',
]);

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const database = parseDatabase(env.DATABASE_URL ?? 'sqlite:./data/kurz.db');
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
    signup: oneOf(env, 'SIGNUP', ['open', 'closed'] as const, 'open'),
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL', 900, 30, 86_400),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL', 30 * 86_400, 60, 365 * 86_400),
    bodyLimitBytes: int(env, 'BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
    codeLength: int(env, 'CODE_LENGTH', 7, 5, 32),
    blockedDomains: Object.freeze(
      (env.BLOCKED_DOMAINS ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean),
    ),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT', 10, 1, 600) * 1000,
    redisTimeoutMs: int(env, 'REDIS_TIMEOUT_MS', 200, 5, 10_000),
    cache: Object.freeze({
      ttlMs: int(env, 'CACHE_TTL', 3600, 1, 30 * 86_400) * 1000,
      l1TtlMs: int(env, 'CACHE_L1_TTL', 5, 1, 3600) * 1000,
      negativeTtlMs: int(env, 'CACHE_NEGATIVE_TTL', 30, 1, 3600) * 1000,
      l1MaxEntries: int(env, 'CACHE_L1_MAX_ENTRIES', 100_000, 100, 10_000_000),
      l1MaxBytes: int(env, 'CACHE_L1_MAX_BYTES', 64 * 1024 * 1024, 1024 * 1024, 4 * 1024 * 1024 * 1024),
    }),
    clickFlushMs: int(env, 'CLICK_FLUSH_MS', 1000, 10, 60_000),
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

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

function parseDatabase(raw: string): Database {
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new ConfigError('DATABASE_URL', 'needs a file after sqlite: (e.g. sqlite:./data/kurz.db)');
    return { kind: 'sqlite', file };
  }
  if (/^postgres(ql)?:\/\/./.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url: raw };
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
