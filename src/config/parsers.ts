/**
 * How settings are read. Each parser gets the value as written and the name it was written under (an
 * old name included), and throws a ConfigError naming it. An empty or unset value never reaches a
 * parser unless the row says keepEmpty: the loader substitutes the default.
 */
import type { BucketLimit } from '../domain/token-bucket.js';
import { ConfigError } from './config-error.js';
import { RedisUrlError, redisEndpoint } from './redis-url.js';
import type { Parser } from './setting.js';

export const text: Parser<string> = (raw) => raw;

export const lowercase: Parser<string> = (raw) => raw.toLowerCase();

export function int(min: number, max: number): Parser<number> {
  return (raw, name) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  };
}

/** A whole number of seconds, held as milliseconds (the unit every timer takes). */
export function secondsAsMs(min: number, max: number): Parser<number> {
  const seconds = int(min, max);
  return (raw, name) => seconds(raw, name) * 1000;
}

export const fraction: Parser<number> = (raw, name) => {
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw.trim()) || value > 1) throw new ConfigError(name, `must be a number from 0 to 1 (got "${raw}")`);
  return value;
};

export function oneOf<const T extends string>(allowed: readonly T[]): Parser<T> {
  return (raw, name) => {
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
    }
    return raw as T;
  };
}

/** Two words for a switch (`on`/`off`, `true`/`false`): true for the first. */
export function onOff(on: string, off: string): Parser<boolean> {
  const word = oneOf([on, off]);
  return (raw, name) => word(raw, name) === on;
}

/** Comma-separated, trimmed, lowercased, blanks dropped. */
export const domains: Parser<readonly string[]> = (raw) =>
  Object.freeze(raw.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean));

/** `capacity:refillPerSecond` (e.g. `600:100`, `5:0.0167` ≈ one a minute), or `off`. */
export const rate: Parser<BucketLimit | null> = (raw, name) => {
  if (raw === 'off') return null;
  const match = /^(\d+):(\d+(?:\.\d+)?)$/.exec(raw.trim());
  const capacity = Number(match?.[1]);
  const refillPerSecond = Number(match?.[2]);
  if (!match || capacity < 1 || refillPerSecond <= 0) {
    throw new ConfigError(name, `must be capacity:refillPerSecond such as 60:1, or off (got "${raw}")`);
  }
  return Object.freeze({ capacity, refillPerSecond });
};

/**
 * `false` (the default): X-Forwarded-For is ignored and the client is the socket's peer (anything else
 * would let any client pick the IP its limits are counted against). A number trusts that many hops;
 * otherwise a comma-separated list of addresses or CIDRs (or loopback, linklocal, uniquelocal).
 */
export const trustProxy: Parser<false | number | string> = (raw, name) => {
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const ok = entries.every((e) => /^(loopback|linklocal|uniquelocal)$/.test(e) || /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e));
  if (!ok || entries.length === 0) {
    throw new ConfigError(name, `must be a hop count or a list of proxy addresses/CIDRs (got "${raw}")`);
  }
  return entries.join(',');
};

/** At least 16 characters, so that it cannot be guessed; sent by a scraper, so printable ASCII only. */
export const metricsToken: Parser<string> = (raw, name) => {
  if (!/^[\x21-\x7e]{16,}$/.test(raw)) throw new ConfigError(name, 'must be at least 16 printable characters without spaces');
  return raw;
};

/** Never echoes the value: it is a secret. */
export const jwtSecret: Parser<string> = (raw, name) => {
  if (raw.length < 32) throw new ConfigError(name, 'must be at least 32 characters');
  return raw;
};

/** One server's URL, or a Redis Cluster's seed nodes (several hosts, or redis+cluster://): see redis-url.ts. Never echoes the URL. */
export const redisUrl: Parser<string> = (raw, name) => {
  try {
    redisEndpoint(raw);
  } catch (err) {
    if (err instanceof RedisUrlError) throw new ConfigError(name, err.message);
    throw err;
  }
  return raw;
};

/** An absolute http(s) URL (a collector's endpoint, a purge API), kept as written; never echoed: it may hold a credential. */
export const httpUrl: Parser<string> = (raw, name) => {
  const protocol = URL.canParse(raw) ? new URL(raw).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') throw new ConfigError(name, 'must be an absolute http:// or https:// URL');
  return raw;
};

export const baseUrl: Parser<string> = (raw, name) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not an absolute URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'must be an http or https URL');
  }
  if (url.search || url.hash) throw new ConfigError(name, 'must not have a query or fragment');
  return url.href.replace(/\/+$/, '');
};

export type DatabaseUrl = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** `sqlite:<file>` (`sqlite:///abs/path` too) or `postgres://…`; never echoes a postgres URL, which may hold a password. */
export const databaseUrl: Parser<DatabaseUrl> = (raw, name) => {
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new ConfigError(name, 'needs a file after sqlite: (e.g. sqlite:./data/kurz.db)');
    return { kind: 'sqlite', file };
  }
  if (/^postgres(ql)?:\/\/./.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(name, 'is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url: raw };
  }
  throw new ConfigError(name, 'must start with sqlite: or postgres://');
};
