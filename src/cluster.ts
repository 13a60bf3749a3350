import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';
import type { Config } from './config.js';
import { localJwtSecret, openStore } from './compose.js';
import { loggerOptions } from './obs/logger.js';
import { relayInvalidations } from './adapters/cache/cluster-peers.js';
import { closeUnclaimedConnections } from './cluster-handoffs.js';

/** A worker that dies is started again after this long: a crash loop costs little and fills no log. */
const RESTART_DELAY_MS = 1_000;

/**
 * `kurz serve --workers N`: this process (the primary) forks N workers that run `kurz serve` on one
 * shared port (node:cluster hands connections out), restarts any that dies, and on SIGTERM/SIGINT stops
 * them all gracefully: each drains its requests and writes its buffered clicks, within SHUTDOWN_TIMEOUT.
 *
 * Without Redis each worker keeps its own L1 cache, rate-limit buckets and click buffer:
 * - L1: writes through one worker invalidate the others' at once, relayed here over IPC;
 * - buckets: a client may get up to N× a limit (keep-alive holds it to one worker, so mostly 1×);
 * - clicks: each worker applies its own batches to the one store, keyed so none counts twice, and
 *   flushes them on SIGTERM.
 * With REDIS_URL they share Redis, as separate machines do.
 */
export async function runPrimary(config: Readonly<Config>): Promise<void> {
  const log = pino(loggerOptions(config.logLevel)).child({ role: 'primary' });
  // Migrating and creating the JWT secret happen once, here: N workers racing to do either would collide.
  await (await openStore(config)).close();
  const env = { JWT_SECRET: config.jwtSecret ?? localJwtSecret(config) };

  let stopping = false;
  const start = (): Worker => {
    const worker = cluster.fork(env);
    closeUnclaimedConnections(worker);
    return worker;
  };
  relayInvalidations();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (code !== 0) process.exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info('stopped');
        process.exit(process.exitCode ?? 0);
      }
      return;
    }
    log.error({ workerPid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(start, RESTART_DELAY_MS).unref();
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    // Each worker bounds its own drain by SHUTDOWN_TIMEOUT; this bounds the wait for all of them.
    setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'workers did not stop in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2_000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  for (let i = 0; i < config.workers; i++) start();
  log.info({ workers: config.workers }, 'primary started');
}
