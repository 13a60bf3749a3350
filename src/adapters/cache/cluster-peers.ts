import cluster from 'node:cluster';

/** Other processes holding an L1 of their own, told of every invalidation. */
export interface CachePeers {
  publish(code: string): void;
  onInvalidation(listener: (code: string) => void): void;
}

interface Invalidation {
  kurz: 'invalidate';
  code: string;
}

const isInvalidation = (message: unknown): message is Invalidation =>
  typeof message === 'object' && message !== null && (message as Invalidation).kurz === 'invalidate' && typeof (message as Invalidation).code === 'string';

/**
 * The workers of `kurz serve --workers N` without Redis: an invalidation goes to the primary over the
 * cluster's IPC channel and on to every other worker (relayInvalidations), so a write through one
 * worker reaches the others' L1 at once, as Redis pub/sub does between machines.
 */
export function clusterPeers(): CachePeers | undefined {
  if (!cluster.isWorker) return undefined;
  return {
    publish: (code) => void process.send?.({ kurz: 'invalidate', code } satisfies Invalidation),
    onInvalidation: (listener) => process.on('message', (message) => isInvalidation(message) && listener(message.code)),
  };
}

/** The primary's half: passes each worker's invalidations to every other worker. */
export function relayInvalidations(): void {
  cluster.on('message', (from, message) => {
    if (!isInvalidation(message)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker && worker !== from && worker.isConnected()) worker.send(message);
    }
  });
}
