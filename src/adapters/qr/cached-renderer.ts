import { LRUCache } from 'lru-cache';
import type { QrImage, QrRenderer } from '../../ports.js';
import { renderQr } from './render.js';
import type { QrWorkerPool } from './worker-pool.js';

/**
 * An SVG of a text up to this long is rendered on the event loop: measured at 0.4–6 ms for 30–400
 * characters (12–25 ms from 1,000), less than a round trip to a worker queued behind a 0.6 s PNG. A
 * short URL is BASE_URL plus at most 65 characters, so in practice every SVG; every PNG goes to the
 * pool (25–80 ms at 512 pixels, 0.4–0.8 s at 2,048).
 */
const INLINE_SVG_CHARS = 400;

/**
 * QR codes from the worker pool, with the latest images kept by (text, format, size) up to `maxBytes`:
 * a dashboard that shows a link's code again, or a print run, costs nothing. Concurrent requests for
 * the same image share one render.
 */
export class CachedQrRenderer implements QrRenderer {
  readonly #images: LRUCache<string, Buffer>;
  readonly #rendering = new Map<string, Promise<Buffer>>();

  constructor(readonly pool: QrWorkerPool, maxBytes: number) {
    this.#images = new LRUCache({ maxSize: maxBytes, sizeCalculation: (image, key) => image.length + key.length });
  }

  cached(text: string, image: QrImage): Buffer | undefined {
    return this.#images.get(keyOf(text, image));
  }

  render(text: string, image: QrImage): Promise<Buffer> {
    const key = keyOf(text, image);
    const kept = this.#images.get(key);
    if (kept) return Promise.resolve(kept);
    const pending = this.#rendering.get(key);
    if (pending) return pending;
    const rendered = (image.format === 'svg' && text.length <= INLINE_SVG_CHARS
      ? renderQr(text, image)
      : this.pool.run(text, image).then((data) => Buffer.from(data.buffer, data.byteOffset, data.byteLength)))
      .then((data) => {
        this.#images.set(key, data);
        return data;
      })
      .finally(() => this.#rendering.delete(key));
    this.#rendering.set(key, rendered);
    return rendered;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const keyOf = (text: string, image: QrImage) => `${image.format}:${image.size ?? ''}:${text}`;
