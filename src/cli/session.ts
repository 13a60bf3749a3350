/**
 * What a one-off command works with: the store DATABASE_URL names (opened and migrated), and what the
 * use cases take besides it, wired as `assemble` (compose.ts) wires them for a server, minus what only
 * a server needs. Writes reach running servers' caches through Redis when REDIS_URL is set (the
 * invalidation channel compose.ts subscribes every server to); without it, a note says how long a
 * server may keep its copy.
 */
import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import type { Config } from '../config.js';
import type { EdgePurger, LinkLookup, Store } from '../ports.js';
import { cacheTtls, edgePurger, openStore } from '../compose.js';
import { loggerOptions } from '../obs/logger.js';
import { createMetrics } from '../obs/metrics.js';
import { RedisConnection } from '../adapters/redis/connection.js';
import { RedisLinkCache } from '../adapters/cache/redis.js';
import { BACKSTOP_RELOAD_MS, MemoryDomainDirectory } from '../adapters/domains/directory.js';
import { randomCode } from '../domain/codes.js';
import { AppError } from '../domain/errors.js';
import { DOMAINS_CHANGED } from '../domain/link-key.js';
import type { UrlPolicy } from '../domain/url-safety.js';
import type { Actor } from '../use-cases/actor.js';
import { normalizeEmail } from '../use-cases/users.js';
import type { CliIo } from './io.js';
import { collect } from './pages.js';
import type { Output } from './output.js';

/** How long the CLI waits for Redis to accept its connection before it gives up telling servers. */
const REDIS_READY_MS = 3_000;

/** The store could not be opened: the command failed (exit 1), though no value the user typed was wrong. */
export class StoreUnreachable extends Error {}

/** What the use cases take, for the one-off commands (every member is what `Context` has under that name). */
export interface CliDeps {
  config: Readonly<Config>;
  store: Store;
  cache: Pick<LinkLookup, 'invalidate'>;
  clock: () => number;
  randomCode: () => string;
  urlPolicy: UrlPolicy;
  domains: MemoryDomainDirectory;
  log: Logger;
  /** Purges a CDN's copy of links the command edited or deleted (CDN_PURGE_URL), before the command exits. */
  edge: EdgePurger;
}

/** An open session: its deps, and close(), which says what running servers will see of the writes. */
export interface Session {
  deps: CliDeps;
  close(): Promise<void>;
}

/** Opens the store (exit 1 when it cannot be), its domains and, with REDIS_URL, the invalidation channel. */
export async function openSession(config: Readonly<Config>, io: Pick<CliIo, 'stderr'>, out: Output): Promise<Session> {
  // Logs go to stderr: stdout carries the command's result alone.
  const log = pino(loggerOptions(config.logLevel), { write: (line: string) => io.stderr.write(line) });
  let store: Store;
  try {
    store = await openStore(config, log);
  } catch (err) {
    throw new StoreUnreachable((err as Error).message);
  }
  const domains = new MemoryDomainDirectory(store, { baseUrl: config.baseUrl, log });
  try {
    await domains.reload();
  } catch (err) {
    domains.close();
    await store.close();
    throw new StoreUnreachable(`the domains could not be read: ${(err as Error).message}`);
  }
  const cache = await invalidations(config, log);
  const deps: CliDeps = {
    config, store, cache, domains, log,
    edge: edgePurger(config, { domains, metrics: createMetrics(), log }),
    clock: Date.now,
    randomCode: () => randomCode(config.codeLength),
    urlPolicy: { ownHost: new URL(config.baseUrl).hostname, domains: () => domains.hostnames(), blockedDomains: config.blockedDomains, allowPrivate: config.allowPrivateUrls },
  };
  return {
    deps,
    async close() {
      await deps.edge.close();
      domains.close();
      await cache.close();
      await store.close();
      tellAboutCaches(config, cache, out);
    },
  };
}

/** The cache of a command: nothing of its own; each write is announced to the servers when Redis is there to carry it. */
interface Invalidations extends Pick<LinkLookup, 'invalidate'> {
  /** Whether Redis carried every invalidation (undefined: no REDIS_URL). */
  delivered: boolean | undefined;
  /** What was written: links, domains (an import writes a million keys: they are not kept). */
  readonly written: { links: boolean; domains: boolean };
  close(): Promise<void>;
}

async function invalidations(config: Readonly<Config>, log: Logger): Promise<Invalidations> {
  const written = { links: false, domains: false };
  const note = (key: string) => (key === DOMAINS_CHANGED ? (written.domains = true) : (written.links = true));
  if (!config.redisUrl) {
    return { delivered: undefined, written, invalidate: async (key) => void note(key), close: async () => {} };
  }
  const redis = new RedisConnection(config.redisUrl, { timeoutMs: config.redisTimeoutMs, metrics: createMetrics(), log });
  const l2 = new RedisLinkCache(redis, { prefix: config.redisPrefix, maxTtlMs: config.cache.ttlMs + config.cache.negativeTtlMs });
  // RedisConnection fails a call at once until connected: wait for that first, a bounded time.
  const ready = redis.client.status === 'ready' || await once(redis.client, 'ready', { signal: AbortSignal.timeout(REDIS_READY_MS) }).then(() => true, () => false);
  const state: Invalidations = {
    delivered: ready,
    written,
    async invalidate(key) {
      note(key);
      if (!state.delivered) return;
      await l2.invalidate(key).catch(() => (state.delivered = false));
    },
    close: () => redis.close(),
  };
  return state;
}

/** After writes: how long running servers may answer from what they cached before. */
function tellAboutCaches(config: Readonly<Config>, cache: Invalidations, out: Output): void {
  const { links, domains } = cache.written;
  if ((!links && !domains) || cache.delivered === true) return;
  const { l1TtlMs } = cacheTtls(config, false);
  const setting = config.database.kind === 'sqlite' ? 'CACHE_TTL_SECONDS' : 'CACHE_L1_TTL_SECONDS';
  const why = cache.delivered === false ? 'Redis could not be told of the change' : 'without REDIS_URL, running servers are not told of the change';
  const lasts = [
    links && `a changed link for up to ${l1TtlMs / 1000} s (${setting})`,
    domains && `the domains for up to ${BACKSTOP_RELOAD_MS / 1000} s`,
  ].filter(Boolean).join(', and ');
  const say = cache.delivered === false ? out.warn.bind(out) : out.note.bind(out);
  say(`${why}: they may keep their cached copy of ${lasts} (or until restarted)`);
}

/** The account with this email, or a 404 that names the flag. */
export async function userByEmail(store: Store, email: string, flag: string): Promise<Actor['user']> {
  const user = await store.findUserByEmail(normalizeEmail(email));
  if (!user) throw new AppError('not-found', `${flag}: no account has the email ${email} (kurz user list shows them)`);
  return user;
}

/** A user as the use cases' caller: the commands that act for an account (its keys, its new links). */
export const actorOf = (user: Actor['user']): Actor => ({ user, via: 'access-token' });

/**
 * The operator on the box: an admin that is no account (its id is no id's shape), so that it may
 * manage every account, its own admin included, and act on an empty database. The use cases' admin
 * rules apply to it unchanged; a change to an account's credentials is logged with adminId "cli".
 */
export const OPERATOR: Actor = actorOf({ id: 'cli', email: 'cli', name: 'kurz command line', role: 'admin', passwordHash: '', createdAt: 0, updatedAt: 0 });

/**
 * The oldest admin: who the operator acts as when no --owner is named. Users are listed newest first,
 * so every page is read (accounts are few).
 */
export async function oldestAdmin(store: Store): Promise<Actor> {
  const { rows: users } = await collect((limit, cursor) => store.listUsers({ limit, cursor }));
  const oldest = users.findLast((user) => user.role === 'admin');
  if (!oldest) throw new AppError('not-found', 'no admin account yet: create one with kurz user create --admin');
  return actorOf(oldest);
}
