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
