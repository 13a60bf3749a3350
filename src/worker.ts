import type { Config } from './config.js';
import { compose, createLogger, type Composition } from './compose.js';

/**
 * `kurz worker`: consumes the click stream into the rollups until SIGTERM or SIGINT, then finishes
 * and acknowledges the batch in hand, and exits. Any number may run; Redis hands each batch to one.
 * A database that is down, restarting or hung never stops it: it waits at start-up, and its batches
 * are retried until the database answers. Only a signal stops it.
 */
export async function work(config: Readonly<Config>): Promise<void> {
  const log = createLogger(config, 'worker');
  const stopping = new AbortController();
  let running: Composition | undefined;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    log.info({ signal }, 'worker stopping');
    // Still waiting for the database: the wait ends at once and says so.
    if (!running) return;
    await running.close();
    log.info('worker stopped');
  };
  // Installed before the wait for the database, so that a signal ends the wait.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    running = await compose(config, 'worker', { log, signal: stopping.signal });
  } catch (err) {
    if (err !== stopping.signal.reason) throw err;
    log.info('worker stopped');
    return;
  }
  await running.start();
}
