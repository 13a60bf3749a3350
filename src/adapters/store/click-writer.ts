import type { Worker } from 'node:worker_threads';
import { StoreUnavailable } from '../../ports.js';
import type { ParsedClick } from '../../domain/clicks.js';
import type { SqliteSynchronous } from '../../config.js';
import { startThread } from '../thread.js';

/** What the thread is given at start (click-writer-thread.ts). */
export interface ClickWriterData {
  file: string;
  synchronous: SqliteSynchronous | undefined;
}

/** A batch to apply, and the thread's answer to it. */
export interface ClickWriterRequest { id: number; clicks: readonly ParsedClick[]; batchId: string | undefined }
export type ClickWriterReply = { id: number; applied: number } | { id: number; error: { message: string; unavailable: boolean } };

/**
 * SQLite's applyClicks on a thread of its own, with a connection of its own. A batch of clicks to
 * many links writes pages all over the links table: 5,000 clicks to 5,000 links took 150–290 ms, of
 * which about 50 ms was CPU and the rest waiting for the disk (WAL writes, fsync, checkpoints). On
 * the event loop's thread all of it stopped redirects; here only the CPU competes with them, and on a
 * second core nothing does. Started at the first batch; a thread that dies fails its batches as
 * StoreUnavailable (the click queue keeps and retries them, under the same batch id) and is replaced
 * at the next one.
 */
export class ClickWriterThread {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, { resolve: (applied: number) => void; reject: (err: Error) => void }>();
  #next = 0;
  /** The batches posted and not answered yet, for close() to wait on. */
  readonly #underWay = new Set<Promise<number>>();

  constructor(private readonly data: ClickWriterData) {}

  apply(clicks: readonly ParsedClick[], batchId: string | undefined): Promise<number> {
    const worker = (this.#worker ??= this.#spawn());
    const id = this.#next++;
    const applied = new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref(); // a batch in progress keeps the process alive until it is answered
      worker.postMessage({ id, clicks, batchId } satisfies ClickWriterRequest);
    });
    this.#underWay.add(applied);
    void applied.catch(() => {}).finally(() => this.#underWay.delete(applied));
    return applied;
  }

  /** Waits for the batches under way, then stops the thread. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#underWay);
    await this.#worker?.terminate();
  }

  #spawn(): Worker {
    const worker = startThread(import.meta.url, 'click-writer-thread', { workerData: this.data });
    worker.on('message', (reply: ClickWriterReply) => {
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if ('applied' in reply) waiting?.resolve(reply.applied);
      else waiting?.reject(reply.error.unavailable ? new StoreUnavailable('unreachable', reply.error.message) : new Error(reply.error.message));
      this.#idle();
    });
    worker.on('error', () => {}); // 'exit' follows, and fails what was waiting
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const { reject } of this.#pending.values()) reject(new StoreUnavailable('unreachable', `the click writer thread stopped (exit code ${code})`));
      this.#pending.clear();
      this.#idle();
    });
    return worker;
  }

  #idle(): void {
    if (this.#pending.size === 0) this.#worker?.unref();
  }
}
