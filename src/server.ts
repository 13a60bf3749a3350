import type { Config } from './config.js';
import { buildApp } from './app.js';
import { compose } from './compose.js';
import { collectWhenIdle } from './obs/idle-gc.js';

/**
 * Runs Kurz until SIGTERM or SIGINT, then shuts down gracefully: stop accepting connections, let
 * in-flight requests finish (idle keep-alive sockets are closed at once), close the store, exit 0.
 * Past SHUTDOWN_TIMEOUT the process exits 1 rather than hang a deploy.
 */
export async function serve(config: Readonly<Config>): Promise<void> {
  const ctx = await compose(config);
  const app = await buildApp(ctx);
  const stopIdleGc = config.idleGcMs > 0 ? collectWhenIdle({ idleMs: config.idleGcMs, log: ctx.log }) : undefined;
  app.addHook('onClose', () => {
    stopIdleGc?.();
    return ctx.close();
  });

  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    // A second signal while draining must not kill in-flight requests: SHUTDOWN_TIMEOUT bounds the wait.
    if (closing) return app.log.warn({ signal }, 'already shutting down');
    closing = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    try {
      await app.close();
      app.log.info('stopped');
      // A cluster worker's IPC channel to the primary would keep it alive: let it go.
      if (process.connected) process.disconnect();
    } catch (err) {
      app.log.error({ err }, 'error while shutting down');
      process.exitCode = 1;
    }
  };
  // Installed before listening, so a signal right after start-up still shuts down cleanly.
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen({ port: config.port, host: config.host });
}
