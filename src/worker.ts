import { pino, type Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { connectStore, openFailure } from './compose.js';
import { StoreUnavailable, type Store } from './ports.js';
import { StreamClickConsumer } from './adapters/queue/stream-consumer.js';
import { clickApplier } from './analytics/apply.js';
import { startCompaction } from './analytics/compaction.js';
import { createMetrics } from './obs/metrics.js';
import { loggerOptions } from './obs/logger.js';
import type { Backoff } from './resilience/backoff.js';
import { retry } from './resilience/retry.js';
import { collectWhenIdle } from './obs/idle-gc.js';

/** Waits between attempts to reach the database at start-up: 1 s, doubling, at most 30 s (a restart takes seconds, an outage longer). */
const WAIT_FOR_STORE: Backoff = { firstMs: 1_000, maxMs: 30_000 };

/**
 * `kurz worker`: consumes the click stream into the rollups until SIGTERM or SIGINT, then finishes
 * and acknowledges the batch in hand, and exits. Any number may run; Redis hands each batch to one.
 * A database that is down, restarting or hung never stops it: it waits at start-up, and its batches
 * are retried until the database answers. Only a signal stops it.
 */
export async function work(config: Readonly<Config>): Promise<void> {
  if (!config.redisUrl) {
    throw new ConfigError('REDIS_URL', 'is required by kurz worker (without Redis, kurz serve applies clicks itself)');
  }
  const log = pino(loggerOptions(config.logLevel));
  const stopping = new AbortController();
  let stopRunning: (() => Promise<void>) | undefined;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    log.info({ signal }, 'worker stopping');
    // Still waiting for the database: the wait ends at once and says so.
    if (!stopRunning) return;
    await stopRunning();
    log.info('worker stopped');
  };
  // Installed before the wait for the database, so that a signal ends the wait.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const store = await waitForStore(config, log, stopping.signal);
  if (!store) {
    log.info('worker stopped');
    return;
  }
  const metrics = createMetrics();
  const consumer = new StreamClickConsumer(config.redisUrl, {
    stream: `${config.redisPrefix}clicks`, apply: clickApplier(store, metrics), batchSize: config.clicks.batchSize,
    claimIdleMs: config.clicks.claimIdleMs, metrics, log,
  });
  const stopCompaction = startCompaction(store, { ...config.clicks, log });
  const stopIdleGc = collectWhenIdle({ idleMs: config.idleGcMs, log });
  stopRunning = async () => {
    stopCompaction();
    stopIdleGc();
    await consumer.stop();
    await store.close();
  };
  consumer.start();
  log.info({ stream: `${config.redisPrefix}clicks` }, 'worker started');
}

/**
 * Opens the store, waiting with backoff (and a log line per attempt) while the database is down,
 * starting or hung; undefined if stopped meanwhile. Any other failure (a wrong password, no such
 * database) is a setting to fix: it ends the command.
 */
async function waitForStore(config: Readonly<Config>, log: Logger, stopped: AbortSignal): Promise<Store | undefined> {
  try {
    const store = await retry(() => connectStore(config, log), WAIT_FOR_STORE, {
      signal: stopped,
      retryIf: (err) => err instanceof StoreUnavailable,
      onFailure: (err, attempt, retryInMs) => {
        if (retryInMs !== undefined) log.warn({ attempt, retryInMs, reason: (err as Error).message }, 'waiting for the database');
      },
    });
    if (!stopped.aborted) return store;
    await store.close();
  } catch (err) {
    if (err !== stopped.reason) throw openFailure(err);
  }
  return undefined;
}
