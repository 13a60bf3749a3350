import type { Config } from './config.js';
import { compose } from './compose.js';

/**
 * Runs Kurz until SIGTERM or SIGINT (or, as a `--workers` worker, until the primary disconnects it),
 * then drains: /readyz answers 503 at once, the listener stops accepting, every request already
 * received or sent on a connection Kurz still holds is answered (with Connection: close), idle
 * keep-alive connections are closed cleanly (draining-server.ts); then buffered clicks are written,
 * the store is closed, and the process exits 0. Past SHUTDOWN_TIMEOUT_SECONDS it exits 1 rather than hang a
 * deploy.
 */
export async function serve(config: Readonly<Config>): Promise<void> {
  const serving = await compose(config, 'serve');
  const { log, server } = serving;
  let closing = false;
  const shutdown = async (trigger: { signal: NodeJS.Signals } | { by: 'primary' }) => {
    closing = true;
    // From this instant the listener is closed, /readyz is 503 and every response closes its
    // connection; close() waits for the drain, then writes the clicks and closes the store.
    server.drain();
    log.info(trigger, 'shutting down');
    setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    try {
      await serving.close();
      log.info('stopped');
      // A cluster worker's IPC channel to the primary would keep it alive: let it go.
      if (process.connected) process.disconnect();
    } catch (err) {
      log.error({ err }, 'error while shutting down');
      process.exitCode = 1;
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while draining must not kill in-flight requests: SHUTDOWN_TIMEOUT_SECONDS bounds the wait.
    if (closing) return log.warn({ signal }, 'already shutting down');
    void shutdown({ signal });
  };
  // Installed before listening, so a signal right after start-up still shuts down cleanly.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Under `--workers` the primary stops a worker by disconnecting it, which closes this server
  // (cluster.ts): the same shutdown follows.
  server.on('draining', () => {
    if (!closing) void shutdown({ by: 'primary' });
  });
  await serving.start();
}
