import { availableParallelism } from 'node:os';
import { pino, type Logger } from 'pino';
import { ConfigError, type Config, type Database } from './config.js';
import { StoreUnavailable, type ClickQueue, type Store } from './ports.js';
import { createSqliteStore } from './adapters/store/sqlite.js';
import { createPostgresStore } from './adapters/store/postgres.js';
import type { KyselyStore } from './adapters/store/index.js';
import { LruLinkCache } from './adapters/cache/lru.js';
import { RedisLinkCache } from './adapters/cache/redis.js';
import { TieredLinkCache } from './adapters/cache/tiered.js';
import { RedisConnection } from './adapters/redis/connection.js';
import { clusterPeers } from './adapters/cache/cluster-peers.js';
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
import { AccessTokens } from './security/access-tokens.js';
import type { Context } from './http/context.js';

/*
 * The composition root: the one place that reads the configuration to choose adapters.
 *   no REDIS_URL: SQLite or PostgreSQL · in-process LRU · in-process click buffer · in-process token buckets
 *   REDIS_URL:    the same, with Redis as the shared second cache level and invalidation bus, token
 *                 buckets in Redis and clicks on a Redis stream (each falling back to its in-process
 *                 twin while Redis is away); `kurz worker` processes consume the stream
 */

/**
 * Opens the store and brings its schema up to date; a failure names DATABASE_URL (never its value,
 * which may hold a password).
 */
export async function openStore(config: Readonly<Config>, log: Logger = pino(loggerOptions(config.logLevel))): Promise<Store> {
  try {
    return await connectStore(config, log);
  } catch (err) {
    throw openFailure(err);
  }
}

/** Why the store could not be opened, as the error that names DATABASE_URL. */
export function openFailure(err: unknown): ConfigError {
  const cause = err instanceof StoreUnavailable && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return new ConfigError('DATABASE_URL', `could not be opened and migrated: ${(err as Error).message}${cause}`);
}

/** The store DATABASE_URL names, not yet migrated. */
export function createStore(database: Database, log: Logger): KyselyStore {
  return database.kind === 'sqlite' ? createSqliteStore(database.file, database) : createPostgresStore({ ...database, log });
}

/** Opens and migrates the store; fails with StoreUnavailable while the database is down, starting or hung. */
export async function connectStore(config: Readonly<Config>, log: Logger): Promise<Store> {
  const store = createStore(config.database, log);
  try {
    await store.migrate();
    return store;
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

/** Opens the store and wires everything else around it. */
export async function compose(config: Readonly<Config>): Promise<Context> {
  const log = pino(loggerOptions(config.logLevel));
  return assemble(config, await openStore(config, log), { log });
}

export interface AssembleOptions {
  log: Logger;
  clock?: () => number;
  randomCode?: () => string;
}

/** Wires the use-case context over an open store. Tests call this too, with their own store and clock. */
export function assemble(config: Readonly<Config>, store: Store, options: AssembleOptions): Context {
  const { log } = options;
  const metrics = createMetrics();
  const redis = config.redisUrl
    ? new RedisConnection(config.redisUrl, { timeoutMs: config.redisTimeoutMs, metrics, log })
    : undefined;

  const l1 = new LruLinkCache({ maxEntries: config.cache.l1MaxEntries, maxBytes: config.cache.l1MaxBytes });
  const l2 = redis && new RedisLinkCache(redis, { prefix: config.redisPrefix, maxTtlMs: config.cache.ttlMs + config.cache.negativeTtlMs });
  const peers = l2 ? undefined : clusterPeers();
  const cache = new TieredLinkCache(l1, l2, store, config.cache, metrics, peers);
  (l2 ?? peers)?.onInvalidation((code) => cache.forget(code));
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
  consumer?.start();
  const stopCompaction = startCompaction(store, { ...config.clicks, log });
  const localLimiter = new MemoryRateLimiter();
  const limiter = redis
    ? new FallbackRateLimiter(new RedisRateLimiter(redis, config.redisPrefix), localLimiter, metrics, log)
    : localLimiter;
  // Half the cores, at most 2 threads: a 2048-pixel PNG takes a core for about 0.6 s, and the event loop
  // keeps a core of its own. 8 waiting renders is some 5 s of work at that size; past it, 503 at once.
  const qrThreads = Math.max(1, Math.min(2, Math.floor(availableParallelism() / 2)));
  const qr = new CachedQrRenderer(new QrWorkerPool({ size: qrThreads, maxQueue: 8, log }), 16 * 1024 * 1024);

  return {
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
    urlPolicy: { ownHost: new URL(config.baseUrl).hostname, blockedDomains: config.blockedDomains, allowPrivate: config.allowPrivateUrls },
    clock: options.clock ?? Date.now,
    randomCode: options.randomCode ?? (() => randomCode(config.codeLength)),
    qr,
    // Clicks first (they need the store), then Redis, then the store.
    async close() {
      stopCompaction();
      cache.close();
      await qr.close();
      await clicks.close().catch((err) => log.error({ err }, 'clicks could not be written at shutdown'));
      await consumer?.stop();
      await redis?.close();
      await store.close();
    },
  };
}

/** ANALYTICS=off: clicks are not recorded at all. */
const noClicks: ClickQueue = { enqueue() {}, flush: async () => {}, close: async () => {} };
