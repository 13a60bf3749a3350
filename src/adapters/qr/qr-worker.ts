/** A worker thread of the QR pool (worker-pool.ts): renders one image per message, in order. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { QrImage } from '../../ports.js';
import { renderQr } from './render.js';

// This thread yields the CPU to the event loop's when both want it (Linux: a nice value is per thread,
// set through the thread's id, read from /proc/thread-self → "<pid>/task/<tid>"). Elsewhere it stays as is.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').at(-1)), 10);
} catch {
  // not Linux, or not allowed: the same priority as the event loop
}

parentPort!.on('message', async ({ text, image }: { text: string; image: QrImage }) => {
  try {
    // Copied, not transferred: a small Buffer may share its ArrayBuffer with others (Node's pool).
    parentPort!.postMessage({ data: new Uint8Array(await renderQr(text, image)) });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
});
