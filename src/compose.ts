import { availableParallelism } from 'node:os';
import { pino, type Logger } from 'pino';
import { ConfigError, type Config, type Database } from './config.js';
import { StoreUnavailable, type ClickQueue, type Store } from './ports.js';
import { createSqliteStore } from './adapters/store/sqlite.js';
import { createPostgresStore } from './adapters/store/postgres.js';
import type { KyselyStore } from './adapters/store/index.js';
import { LruLinkCache } from './adapters/cache/lru.js';
import { RedisLinkCache } from './adapters/cache/redis.js';
import { TieredLinkCache, type CacheTtls } from './adapters/cache/tiered.js';
import { RedisConnection } from './adapters/redis/connection.js';
import { clusterPeers, relayInvalidations } from './adapters/cache/cluster-peers.js';
import { MemoryClickQueue } from './adapters/queue/memory-clicks.js';
import { RedisStreamClickQueue } from './adapters/queue/stream-producer.js';
import { StreamClickConsumer } from './adapters/queue/stream-consumer.js';
import { clickApplier } from './analytics/apply.js';
import { startCompaction } from './analytics/compaction.js';
import { MemoryRateLimiter } from './adapters/limiter/memory.js';
import { RedisRateLimiter } from './adapters/limiter/redis.js';
import { FallbackRateLimiter } from './adapters/limiter/fallback.js';
import { QrWorkerPool } from './adapters/qr/worker-pool.js';
import { CachedQrRenderer } from './adapters/qr/cached-renderer.js';
import { randomCode } from './domain/codes.js';
import { createMetrics } from './obs/metrics.js';
import { loggerOptions } from './obs/logger.js';
import { collectWhenIdle } from './obs/idle-gc.js';
import { AccessTokens } from './security/access-tokens.js';
import { UnlockCookies } from './security/unlock-cookies.js';
import type { Backoff } from './resilience/backoff.js';
import { retry } from './resilience/retry.js';
import type { Context } from './http/context.js';
import { buildApp } from './app.js';
import { MemoryDomainDirectory } from './adapters/domains/directory.js';
import { DOMAINS_CHANGED } from './domain/link-key.js';
import type { Api } from './http/api/api.js';
import type { DrainingServer } from './http/draining-server.js';
import { readerFor } from './importers/index.js';
import type { ImportFormat, ImportReader } from './importers/record.js';
import { ImportJobs } from './use-cases/imports.js';
import { HttpEdgePurger, noEdgePurger } from './adapters/cdn/http-purger.js';
import { keyParts } from './domain/link-key.js';
import { shortUrl } from './http/present.js';
import type { DomainDirectory, EdgePurger } from './ports.js';
import type { Metrics } from './obs/metrics.js';

/*
 * The composition root: the one place that reads the configuration to choose adapters, and that makes
 * loggers. compose(config, role) builds what a role needs; start() sets it running; close() stops it.
 *   serve:   the store, everything around it (assemble), the HTTP app; background: compaction, the
 *            in-process stream consumer (CLICK_CONSUMER), idle GC
 *   worker:  the store (waited for), the stream consumer, compaction, idle GC
 *   primary: (of `kurz serve --workers N`) migrates once; background: the cache invalidation relay
 *   no REDIS_URL: SQLite or PostgreSQL · in-process LRU · in-process click buffer · in-process token buckets
 *   REDIS_URL:    the same, with Redis as the shared second cache level and invalidation bus, token
 *                 buckets in Redis and clicks on a Redis stream (each falling back to its in-process
 *                 twin while Redis is away); `kurz worker` processes consume the stream
 */

export type Role = 'serve' | 'worker' | 'primary';

/** What compose() built for a role. */
export interface Composition {
  /** The process's logger. */
  log: Logger;
  /** Sets the role's background work running (and, to serve, listens). */
  start(): Promise<void>;
  /** Stops what start() began, then closes what compose() opened, clicks before the store. */
  close(): Promise<void>;
}

/** The composition of `kurz serve`: its app, to drain and close it. */
export interface Serving extends Composition {
  app: Api;
  server: DrainingServer;
}

/** Waits between attempts to reach the database when `kurz worker` starts: 1 s, doubling, at most 30 s (a restart takes seconds, an outage longer). */
const WAIT_FOR_STORE: Backoff = { firstMs: 1_000, maxMs: 30_000 };

/** The logger of a process; every logger Kurz writes to is this one or a child of it. */
export function createLogger(config: Pick<Config, 'logLevel'>, role?: Role): Logger {
  const log = pino(loggerOptions(config.logLevel));
  return role === 'primary' ? log.child({ role }) : log;
}

/**
 * Builds what `role` needs; nothing runs until start(). A worker waits for the database (with backoff,
 * a log line per attempt) until it answers or `signal` aborts, which rejects with the signal's reason.
 */
export async function compose(config: Readonly<Config>, role: 'serve'): Promise<Serving>;
export async function compose(config: Readonly<Config>, role: 'worker' | 'primary', options?: { log?: Logger; signal?: AbortSignal }): Promise<Composition>;
export async function compose(config: Readonly<Config>, role: Role, options: { log?: Logger; signal?: AbortSignal } = {}): Promise<Composition> {
  const log = options.log ?? createLogger(config, role);
  if (role === 'worker') return composeWorker(config, log, options.signal);
  if (role === 'primary') return composePrimary(config, log);
  return composeServe(config, log);
}

async function composeServe(config: Readonly<Config>, log: Logger): Promise<Serving> {
  const parts = assemble(config, await openStore(config, log), { log });
  const app = await buildApp(parts.ctx);
  let stopIdleGc = () => {};
  // app.close() drains the server first (draining-server.ts); then the clicks are written and the store closed.
  app.addHook('onClose', () => {
    stopIdleGc();
    return parts.close();
  });
  return {
    log, app,
    server: app.server as DrainingServer, // buildApp's serverFactory makes one
    async start() {
      parts.start();
      stopIdleGc = collectWhenIdle({ idleMs: config.idleGcMs, log });
      await app.listen({ port: config.port, host: config.host });
    },
    close: () => app.close(),
  };
}

async function composeWorker(config: Readonly<Config>, log: Logger, signal?: AbortSignal): Promise<Composition> {
  if (!config.redisUrl) {
    throw new ConfigError('REDIS_URL', 'is required by kurz worker (without Redis, kurz serve applies clicks itself)');
  }
  const store = await waitForStore(config, log, signal);
  const metrics = createMetrics();
  const stream = `${config.redisPrefix}clicks`;
  const consumer = new StreamClickConsumer(config.redisUrl, {
    stream, apply: clickApplier(store, metrics), batchSize: config.clicks.batchSize, claimIdleMs: config.clicks.claimIdleMs, metrics, log,
  });
  let stopCompaction = () => {};
  let stopIdleGc = () => {};
  return {
    log,
    async start() {
      consumer.start();
      stopCompaction = startCompaction(store, { ...config.clicks, log });
      stopIdleGc = collectWhenIdle({ idleMs: config.idleGcMs, log });
      log.info({ stream }, 'worker started');
    },
    async close() {
      stopCompaction();
      stopIdleGc();
      await consumer.stop();
      await store.close();
    },
  };
}

async function composePrimary(config: Readonly<Config>, log: Logger): Promise<Composition> {
  // Migrating happens once, here: N workers racing to do it would collide.
  await (await openStore(config, log)).close();
  return {
    log,
    // Without Redis, the workers' L1 caches hear of each other's writes through the primary.
    start: async () => relayInvalidations(),
    close: async () => {},
  };
}

/**
 * Opens the store, waiting with backoff while the database is down, starting or hung; rejects with
 * `signal`'s reason when it aborts meanwhile. Any other failure (a wrong password, no such database) is
 * a setting to fix: it ends the command.
 */
async function waitForStore(config: Readonly<Config>, log: Logger, signal?: AbortSignal): Promise<Store> {
  let store: Store;
  try {
    store = await retry(() => connectStore(config, log), WAIT_FOR_STORE, {
      signal,
      retryIf: (err) => err instanceof StoreUnavailable,
      onFailure: (err, attempt, retryInMs) => {
        if (retryInMs !== undefined) log.warn({ attempt, retryInMs, reason: (err as Error).message }, 'waiting for the database');
      },
    });
  } catch (err) {
    throw signal?.aborted && err === signal.reason ? err : openFailure(err);
  }
  if (!signal?.aborted) return store;
  await store.close();
  throw signal.reason;
}

/**
 * Opens the store and brings its schema up to date; a failure names DATABASE_URL (never its value,
 * which may hold a password).
 */
export async function openStore(config: Readonly<Config>, log: Logger = createLogger(config)): Promise<Store> {
  try {
    return await connectStore(config, log);
  } catch (err) {
    throw openFailure(err);
  }
}

/** Why the store could not be opened, as the error that names DATABASE_URL. */
function openFailure(err: unknown): ConfigError {
  const cause = err instanceof StoreUnavailable && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return new ConfigError('DATABASE_URL', `could not be opened and migrated: ${(err as Error).message}${cause}`);
}

/** The store DATABASE_URL names, not yet migrated. */
export function createStore(database: Database, log: Logger): KyselyStore {
  return database.kind === 'sqlite' ? createSqliteStore(database.file, database) : createPostgresStore({ ...database, log });
}

/** Opens and migrates the store; fails with StoreUnavailable while the database is down, starting or hung. */
async function connectStore(config: Readonly<Config>, log: Logger): Promise<Store> {
  const store = createStore(config.database, log);
  try {
    const newer = await store.migrate();
    if (newer.length > 0) log.warn({ migrations: newer }, 'the database was migrated by a newer version of Kurz: running on its schema as it is');
    return store;
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

export interface AssembleOptions {
  log: Logger;
  clock?: () => number;
  randomCode?: () => string;
  /** The readers of import formats; default: importers/index.ts. */
  importReader?: (format: ImportFormat) => ImportReader;
}

/** What assemble() built: the context the app is given, and the background work beside it. */
export interface Assembled {
  ctx: Context;
  /** Starts compaction and, with CLICK_CONSUMER, this process's stream consumer. */
  start(): void;
  /** Stops them, writes buffered clicks, then closes Redis and the store. */
  close(): Promise<void>;
}

/** Wires the use-case context over an open store. Tests call this too, with their own store and clock. */
export function assemble(config: Readonly<Config>, store: Store, options: AssembleOptions): Assembled {
  const { log } = options;
  const metrics = createMetrics();
  metrics.watchStoreReads(() => store.readCounts?.());
  const redis = config.redisUrl
    ? new RedisConnection(config.redisUrl, { timeoutMs: config.redisTimeoutMs, metrics, log })
    : undefined;

  const l1 = new LruLinkCache({ maxEntries: config.cache.l1MaxEntries, maxBytes: config.cache.l1MaxBytes });
  const l2 = redis && new RedisLinkCache(redis, { prefix: config.redisPrefix, maxTtlMs: config.cache.ttlMs + config.cache.negativeTtlMs });
  const peers = l2 ? undefined : clusterPeers();
  const cache = new TieredLinkCache(l1, l2, store, cacheTtls(config, l2 !== undefined), metrics, peers);
  const domains = new MemoryDomainDirectory(store, { baseUrl: config.baseUrl, log });
  // Another instance's write to the domains arrives as one more invalidation.
  (l2 ?? peers)?.onInvalidation((key) => (key === DOMAINS_CHANGED ? void domains.reload().catch(() => {}) : cache.forget(key)));
  l2?.onSubscribed(() => {
    cache.forgetAll();
    void domains.reload().catch(() => {});
  });
  redis?.onRecovered(() => void cache.replayPending());
  const apply = clickApplier(store, metrics);
  const { batchSize, flushMs, maxBuffered, streamMaxLen, streamRetain } = config.clicks;
  const inProcess = () => new MemoryClickQueue({ apply, batchSize, flushMs, maxBuffered, metrics, log });
  const stream = `${config.redisPrefix}clicks`;
  const clicks: ClickQueue = !config.clicks.analytics
    ? noClicks
    : redis ? new RedisStreamClickQueue(redis, { stream, maxLen: streamMaxLen, fallback: inProcess(), maxUnconfirmed: streamRetain, metrics, log }) : inProcess();
  const consumer = redis && config.clicks.consumer
    ? new StreamClickConsumer(redis, { stream, apply, batchSize, claimIdleMs: config.clicks.claimIdleMs, metrics, log })
    : undefined;
  let stopCompaction = () => {};
  const localLimiter = new MemoryRateLimiter();
  const limiter = redis
    ? new FallbackRateLimiter(new RedisRateLimiter(redis, config.redisPrefix), localLimiter, metrics, log)
    : localLimiter;
  // Half the cores, at most 2 threads: a 2048-pixel PNG takes a core for about 0.6 s, and the event loop
  // keeps a core of its own. 8 waiting renders is some 5 s of work at that size; past it, 503 at once.
  const qrThreads = Math.max(1, Math.min(2, Math.floor(availableParallelism() / 2)));
  const qr = new CachedQrRenderer(new QrWorkerPool({ size: qrThreads, maxQueue: 8, log }), 16 * 1024 * 1024);

  const clock = options.clock ?? Date.now;
  const randomCodes = options.randomCode ?? (() => randomCode(config.codeLength));
  const urlPolicy = { ownHost: new URL(config.baseUrl).hostname, domains: () => domains.hostnames(), blockedDomains: config.blockedDomains, allowPrivate: config.allowPrivateUrls };
  const importReader = options.importReader ?? readerFor;
  const edge = edgePurger(config, { domains, metrics, log });
  const imports = new ImportJobs({ store, cache, clock, randomCode: randomCodes, urlPolicy, domains, importReader, log });

  const ctx: Context = {
    config,
    store,
    cache,
    clicks,
    limiter,
    localLimiter,
    metrics,
    log,
    degradable: redis ? { redis: () => redis.health } : {},
    tokens: new AccessTokens(config.jwtSecret, config.accessTokenTtlSeconds),
    unlocks: new UnlockCookies(config.jwtSecret),
    domains,
    urlPolicy,
    clock,
    randomCode: randomCodes,
    qr,
    importReader,
    imports,
    edge,
  };
  return {
    ctx,
    start() {
      consumer?.start();
      stopCompaction = startCompaction(store, { ...config.clicks, log });
      void imports.interruptStale().catch((err: unknown) => log.warn({ err }, 'stale imports could not be marked interrupted'));
    },
    // Imports and clicks first (they need the store), then Redis, then the store.
    async close() {
      stopCompaction();
      await imports.close();
      await edge.close();
      cache.close();
      domains.close();
      await qr.close();
      await clicks.close().catch((err) => log.error({ err }, 'clicks could not be written at shutdown'));
      await consumer?.stop();
      await redis?.close();
      await store.close();
    },
  };
}

/** CDN_PURGE_URL: purges by HTTP, naming each link by its surrogate key and short URL; unset, none. */
export function edgePurger(config: Readonly<Config>, deps: { domains: Pick<DomainDirectory, 'byId'>; metrics: Metrics; log: Logger }): EdgePurger {
  const { purgeUrl, purgeStyle, purgeToken, purgeTimeoutMs } = config.cdn;
  if (!purgeUrl) return noEdgePurger;
  const short = shortUrl(config.baseUrl);
  const urlOf = (key: string) => {
    const { domainId, code } = keyParts(key);
    return short(deps.domains.byId(domainId), code);
  };
  return new HttpEdgePurger({ url: purgeUrl, style: purgeStyle, token: purgeToken, timeoutMs: purgeTimeoutMs, urlOf, metrics: deps.metrics, log: deps.log });
}

/** ANALYTICS=off: clicks are not recorded at all. */
const noClicks: ClickQueue = { enqueue() {}, flush: async () => {}, close: async () => {} };

/**
 * How long entries live. CACHE_L1_TTL bounds how stale an L1 entry may be where an invalidation can be
 * missed: a pub/sub message lost while Redis was away, or another instance on PostgreSQL without Redis.
 * On SQLite without Redis none can: every writer is this process or a sibling worker told through IPC,
 * so an entry lives as long as it would in Redis. A 5 s L1 under a Zipf spread over 100,000 codes sent
 * about one redirect in five to the store (every code visited less than once per 5 s), for nothing.
 */
export function cacheTtls(config: Config, redis: boolean): CacheTtls {
  const missable = redis || config.database.kind !== 'sqlite';
  return missable ? config.cache : { ...config.cache, l1TtlMs: config.cache.ttlMs };
}
