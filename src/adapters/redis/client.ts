import { Cluster, Redis } from 'ioredis';
import { redisEndpoint } from '../../config/redis-url.js';
import { backoffMs, type Backoff } from '../../resilience/backoff.js';

/** A standalone Redis or a Redis Cluster: both take the same commands, so callers never ask which. */
export type RedisClient = Redis | Cluster;

/**
 * Reconnecting after a lost connection: 200 ms, doubling, at most 2 s, each wait anywhere in its upper
 * half, so that every instance and worker does not reconnect to a restarted Redis at the same instant.
 */
const RECONNECT: Backoff = { firstMs: 200, maxMs: 2_000, jitter: 'equal' };
const retryStrategy = (times: number) => backoffMs(RECONNECT, times);

/** How one connection behaves; the same for a server or a cluster. */
export interface ClientOptions {
  /** Every command fails after this (none: the caller bounds each call). */
  commandTimeoutMs?: number;
  /** Connecting (to each node of a cluster) fails after this. */
  connectTimeoutMs?: number;
  /** false: while disconnected a command fails at once instead of waiting in a queue. */
  offlineQueue: boolean;
  /** Retries of a command after its connection dropped (null: until it is sent). */
  maxRetriesPerRequest: number | null;
}

/**
 * Opens the client REDIS_URL names: one `Redis`, or a `Cluster` over its seed nodes. The kind is
 * decided here once; every call site works on either.
 *
 * On a cluster, a node that stops answering is dropped and the slot map asked again (every 100 ms
 * while it fails over, `retryDelayOnFailover`/`retryDelayOnClusterDown`); a command to its slots fails
 * meanwhile (after at most `maxRedirections` 4 tries), so a caller falls back as it does when a single
 * Redis is away, rather than waiting out the failover (cluster-node-timeout plus the election: seconds).
 */
export function openClient(url: string, options: ClientOptions): RedisClient {
  const { commandTimeoutMs, connectTimeoutMs, offlineQueue, maxRetriesPerRequest } = options;
  const endpoint = redisEndpoint(url);
  const common = {
    ...(commandTimeoutMs === undefined ? {} : { commandTimeout: commandTimeoutMs }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeout: connectTimeoutMs }),
    maxRetriesPerRequest,
  };
  if (endpoint.kind === 'single') return new Redis(url, { ...common, retryStrategy, enableOfflineQueue: offlineQueue });
  const { nodes, username, password, tls } = endpoint;
  return new Cluster(nodes, {
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue: offlineQueue,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    maxRedirections: 4,
    slotsRefreshTimeout: Math.max(1_000, connectTimeoutMs ?? 0),
    redisOptions: { ...common, username, password, ...(tls ? { tls: {} } : {}) },
  });
}
