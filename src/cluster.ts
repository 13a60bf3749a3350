import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.js';
import { compose } from './compose.js';
import { closeUnclaimedConnections } from './cluster-handoffs.js';

/** A worker that dies is started again after this long: a crash loop costs little and fills no log. */
const RESTART_DELAY_MS = 1_000;

/**
 * `kurz serve --workers N`: this process (the primary) forks N workers that run `kurz serve` on one
 * shared port (node:cluster hands connections out), restarts any that dies, and on SIGTERM/SIGINT stops
 * them all gracefully: each drains its connections and writes its buffered clicks, within SHUTDOWN_TIMEOUT_SECONDS.
 *
 * Without Redis each worker keeps its own L1 cache, rate-limit buckets and click buffer:
 * - L1: writes through one worker invalidate the others' at once, relayed here over IPC (not while
 *   they drain at shutdown: a disconnected worker leaves cluster.workers);
 * - buckets: a client may get up to N× a limit (keep-alive holds it to one worker, so mostly 1×);
 * - clicks: each worker applies its own batches to the one store, keyed so none counts twice, and
 *   flushes them on SIGTERM.
 * With REDIS_URL they share Redis, as separate machines do.
 */
export async function runPrimary(config: Readonly<Config>): Promise<void> {
  // Migrates once (compose.ts). The JWT secret was settled before (resolveConfig): each worker gets
  // this one rather than reading or generating its own.
  const primary = await compose(config, 'primary');
  const { log } = primary;
  const env = { JWT_SECRET: config.jwtSecret };

  let stopping = false;
  // Ours rather than cluster.workers, which forgets a worker as soon as it is disconnected (below).
  const running = new Set<Worker>();
  const listening = new Set<Worker>();
  cluster.on('listening', (worker) => listening.add(worker));
  const start = (): void => {
    if (stopping) return;
    const worker = cluster.fork(env);
    running.add(worker);
    closeUnclaimedConnections(worker);
  };
  await primary.start();
  cluster.on('exit', (worker, code, signal) => {
    running.delete(worker);
    listening.delete(worker);
    if (stopping) {
      if (code !== 0) process.exitCode = 1;
      if (running.size === 0) {
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
    // disconnect() takes every listening worker out of the round-robin in this tick, so the shared
    // port closes before any of them answers with Connection: close, and has each close its server,
    // which drains it (server.ts). Were each to close its own server on SIGTERM, a client reconnecting
    // after such an answer could be handed to a worker that had just closed; it refuses the
    // connection, and Node keeps it with no worker to take it until the primary exits, then resets it
    // (bench/drain.ts: 2 runs of 6 lost 4 and 10 requests that way). A worker still starting gets SIGTERM.
    for (const worker of running) {
      if (listening.has(worker)) worker.disconnect();
      else worker.process.kill('SIGTERM');
    }
    // Each worker bounds its own drain by SHUTDOWN_TIMEOUT_SECONDS; this bounds the wait for all of them.
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
