import type { Worker } from 'node:cluster';

interface Handle {
  close(): void;
}
interface ClusterMessage {
  cmd?: unknown;
  act?: unknown;
  seq?: unknown;
  ack?: unknown;
}

const isClusterMessage = (message: unknown): message is ClusterMessage =>
  typeof message === 'object' && message !== null && (message as ClusterMessage).cmd === 'NODE_CLUSTER';

/**
 * Closes the connections the primary handed to a worker that died before taking them.
 *
 * With node:cluster's round-robin scheduling the primary accepts every connection and sends it to a
 * worker, keeping its own descriptor until the worker answers that it took the connection. A worker
 * killed (SIGKILL, OOM killer, crash) between the two never answers, and nothing in Node closes that
 * descriptor: the client's connection stays open, its request is never read, and it waits for its own
 * timeout (issue 11: one request hung 5 s, the client's limit). At most one connection per worker is
 * in that state at a time (the primary sends a worker the next one only after its answer).
 *
 * This watches the connections the primary sends `worker` and, once the process has exited and its
 * IPC channel has reached its end (the child's 'close': every answer it sent has been read), closes
 * those it never answered for: their clients see the connection reset at once. Not on 'disconnect':
 * Node postpones that event while a sent connection awaits its acknowledgement, which is exactly
 * this case, so it never comes. Nor are they handed to another worker: the dead one may have read a
 * request before its answer left, and the next would wait for a request that never comes.
 *
 * It reads node:cluster's internal messages (`{cmd: 'NODE_CLUSTER', act: 'newconn', seq}` with the
 * connection, `{cmd: 'NODE_CLUSTER', ack: seq}` back; lib/internal/cluster/round_robin_handle.js in
 * Node 20). If they change, the SIGKILL test of test/e2e/shutdown.test.ts sees a request hang again
 * (it did in 3 runs of 3 without this).
 */
export function closeUnclaimedConnections(worker: Worker): void {
  const unclaimed = new Map<unknown, Handle>();
  const child = worker.process;
  const send = child.send.bind(child) as (...args: unknown[]) => boolean;
  child.send = ((message: unknown, handle?: unknown, ...rest: unknown[]) => {
    if (isClusterMessage(message) && message.act === 'newconn' && handle) unclaimed.set(message.seq, handle as Handle);
    return send(message, handle, ...rest);
  }) as typeof child.send;
  child.on('internalMessage', (message: unknown) => {
    if (isClusterMessage(message) && message.ack !== undefined) unclaimed.delete(message.ack);
  });
  child.once('close', () => {
    for (const handle of unclaimed.values()) handle.close();
    unclaimed.clear();
  });
}
