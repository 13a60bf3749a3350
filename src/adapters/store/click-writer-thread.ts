/**
 * The click writer's thread (click-writer.ts): a SQLite connection of its own that applies the
 * batches it is sent, one at a time, in order, and answers each with how many clicks were new.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from './sqlite.js';
import { StoreUnavailable } from '../../ports.js';
import type { ClickWriterData, ClickWriterReply, ClickWriterRequest } from './click-writer.js';

const { file, synchronous } = workerData as ClickWriterData;
const store = createSqliteStore(file, { synchronous, clicksHere: true });
const port = parentPort!;

port.on('message', async ({ id, clicks, batchId }: ClickWriterRequest) => {
  let reply: ClickWriterReply;
  try {
    reply = { id, applied: await store.applyClicks(clicks, batchId) };
  } catch (err) {
    reply = { id, error: { message: (err as Error).message, unavailable: err instanceof StoreUnavailable } };
  }
  port.postMessage(reply);
});
