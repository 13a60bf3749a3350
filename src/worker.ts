import { pino } from 'pino';
import { ConfigError, type Config } from './config.js';
import { openStore } from './compose.js';
import { StreamClickConsumer } from './adapters/queue/redis-streams.js';
import { clickApplier } from './analytics/apply.js';
import { startCompaction } from './analytics/compaction.js';
import { createMetrics } from './obs/metrics.js';
import { loggerOptions } from './obs/logger.js';
import { collectWhenIdle } from './obs/idle-gc.js';

/**
 * `kurz worker`: consumes the click stream into the rollups until SIGTERM or SIGINT, then finishes
 * and acknowledges the batch in hand, and exits. Any number may run; Redis hands each batch to one.
 */
export async function work(config: Readonly<Config>): Promise<void> {
  if (!config.redisUrl) {
    throw new ConfigError('REDIS_URL', 'is required by kurz worker (without Redis, kurz serve applies clicks itself)');
  }
  const log = pino(loggerOptions(config.logLevel));
  const store = await openStore(config);
  const metrics = createMetrics();
  const consumer = new StreamClickConsumer(config.redisUrl, {
    stream: `${config.redisPrefix}clicks`, apply: clickApplier(store, metrics), batchSize: config.clicks.batchSize,
    claimIdleMs: config.clicks.claimIdleMs, metrics, log,
  });
  const stopCompaction = startCompaction(store, { ...config.clicks, log });
  const stopIdleGc = config.idleGcMs > 0 ? collectWhenIdle({ idleMs: config.idleGcMs, log }) : undefined;
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker stopping');
    stopCompaction();
    stopIdleGc?.();
    await consumer.stop();
    await store.close();
    log.info('worker stopped');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  consumer.start();
  log.info({ stream: `${config.redisPrefix}clicks` }, 'worker started');
}
