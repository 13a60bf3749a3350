import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` beside `base` (the caller's import.meta.url): `name.js`
 * as built. Under tsx (tests, `npm run dev`) it is `name.ts`, and tsx's loader, which the main thread
 * got from `--import tsx`, is not a worker's: the worker registers it first.
 */
export function startThread(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const file = new URL(`./${name}.ts`, base).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file)}); });`, { ...options, eval: true });
}
