import type { Worker } from 'node:worker_threads';
import { startThread } from '../thread.js';
import type { Logger } from 'pino';
import { QrBusy, type QrImage } from '../../ports.js';

interface Task {
  message: { text: string; image: QrImage };
  resolve: (data: Uint8Array) => void;
  reject: (err: Error) => void;
}

export interface WorkerPoolOptions {
  /** Worker threads at most, each started on first need and kept. */
  size: number;
  /** Renders that may wait for a worker; past it, render() rejects with QrBusy at once. */
  maxQueue: number;
  log: Logger;
}

/**
 * A few worker threads that render QR codes off the event loop, one render each at a time, in
 * arrival order. A worker that dies (an uncaught error, terminate()) fails only its own render
 * (QrBusy: retry) and is replaced at the next render. Idle workers are unref'd: they never keep a
 * process alive.
 */
export class QrWorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Task>();
  readonly #queue: Task[] = [];
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Every live worker, idle or busy (tests end one to see the pool recover). */
  get threads(): readonly Worker[] {
    return [...this.#idle, ...this.#busy.keys()];
  }

  /** The workers rendering now. */
  get busyThreads(): readonly Worker[] {
    return [...this.#busy.keys()];
  }

  run(text: string, image: QrImage): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new QrBusy('the QR renderer is shutting down'));
    const free = this.#idle.length > 0 || this.threads.length < this.#options.size;
    if (!free && this.#queue.length >= this.#options.maxQueue) {
      return Promise.reject(new QrBusy(`${this.#queue.length} QR codes are already waiting to be rendered`));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ message: { text, image }, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new QrBusy('the QR renderer is shutting down'));
    await Promise.all(this.threads.map((worker) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      const worker = this.#idle.pop() ?? (this.threads.length < this.#options.size ? this.#spawn() : undefined);
      if (!worker) return;
      const task = this.#queue.shift()!;
      this.#busy.set(worker, task);
      worker.ref(); // a render in progress keeps the process alive until it is answered
      worker.postMessage(task.message);
    }
  }

  #spawn(): Worker {
    const worker = startThread(import.meta.url, 'qr-worker');
    worker.on('message', (reply: { data?: Uint8Array; error?: string }) => {
      const task = this.#busy.get(worker);
      this.#busy.delete(worker);
      this.#idle.push(worker);
      worker.unref();
      if (reply.data) task?.resolve(reply.data);
      else task?.reject(new Error(reply.error));
      this.#dispatch();
    });
    worker.on('error', (err) => this.#options.log.error({ err }, 'a QR worker failed'));
    worker.on('exit', (code) => {
      const idle = this.#idle.indexOf(worker);
      if (idle !== -1) this.#idle.splice(idle, 1);
      const task = this.#busy.get(worker);
      this.#busy.delete(worker);
      task?.reject(new QrBusy(`the QR renderer stopped (exit code ${code}) while rendering`));
      this.#dispatch();
    });
    return worker;
  }
}
