/** A worker thread of the QR pool (worker-pool.ts): renders one image per message, in order. */
import { parentPort } from 'node:worker_threads';
import type { QrImage } from '../../ports.js';
import { renderQr } from './render.js';

parentPort!.on('message', async ({ text, image }: { text: string; image: QrImage }) => {
  try {
    // Copied, not transferred: a small Buffer may share its ArrayBuffer with others (Node's pool).
    parentPort!.postMessage({ data: new Uint8Array(await renderQr(text, image)) });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
});
