/**
 * Waits that end on their own: a sleep, and a promise bounded by a timeout or by an abort signal. Each
 * removes its timer and its listener when it settles, so nothing is left behind on the promise or the
 * signal it watched: a long-lived signal raced on every loop turn would otherwise keep one reaction per
 * turn for as long as the process lives (see test/contract/stream-consumer-memory.test.ts).
 */

/** The rejection of a call that took longer than its timeout. */
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts (resolves, never rejects: the caller looks at what it waited for). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    // Not unref'd: `kurz worker` waiting for its database has nothing else keeping it alive.
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `promise`, or a rejection with `onTimeout()` (a TimeoutError by default) once `ms` pass first. The
 * work goes on (nothing here can cancel it); what it settles to later is ignored.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => unknown = () => new TimeoutError(ms)): Promise<T> {
  return settleFirst(promise, (reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    return () => clearTimeout(timer);
  });
}

/** `promise`, or a rejection with the signal's reason once `signal` aborts first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return settleFirst(promise, (reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    return () => signal.removeEventListener('abort', abort);
  });
}

/** `promise`, or what `arm` rejects with first; `arm` returns how to disarm, called once the race is decided. */
function settleFirst<T>(promise: Promise<T>, arm: (reject: (reason: unknown) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let disarm = (): void => {};
    const finishing = <A>(finish: (a: A) => void) => (a: A) => {
      disarm();
      finish(a);
    };
    disarm = arm(finishing(reject));
    promise.then(finishing(resolve), finishing(reject));
  });
}
