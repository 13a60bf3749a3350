import { test, describe, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { TimeoutError, sleep, untilAborted, withTimeout } from '../../src/resilience/wait.js';

/** Lets every pending promise reaction run (the mocked clock does not move meanwhile). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Where a promise stands, without waiting for it. */
function watch<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; value?: T; reason?: unknown } = { status: 'pending' };
  promise.then((value) => Object.assign(state, { status: 'resolved', value }), (reason: unknown) => Object.assign(state, { status: 'rejected', reason }));
  return state;
}

/** A promise settled by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => ([resolve, reject] = [res, rej]));
  return { promise, resolve, reject };
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('waits', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('when ms pass, then sleep resolves, and not a tick before', async () => {
    const slept = watch(sleep(1_000));
    mock.timers.tick(999);
    await settle();
    assert.equal(slept.status, 'pending');
    mock.timers.tick(1);
    await settle();
    assert.equal(slept.status, 'resolved');
  });

  test('when its signal aborts, then sleep resolves at once and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const slept = watch(sleep(60_000, controller.signal));
    assert.equal(listeners(controller.signal), 1);
    controller.abort();
    await settle();
    assert.equal(slept.status, 'resolved');
    assert.equal(listeners(controller.signal), 0);
  });

  test('when sleep ends by itself, then it leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const slept = watch(sleep(10, controller.signal));
    mock.timers.tick(10);
    await settle();
    assert.equal(slept.status, 'resolved');
    assert.equal(listeners(controller.signal), 0);
  });

  test('when the signal is aborted already, then sleep resolves without waiting', async () => {
    const slept = watch(sleep(60_000, AbortSignal.abort()));
    await settle();
    assert.equal(slept.status, 'resolved');
  });

  test('when the promise settles in time, then withTimeout gives its value and the timeout never fires', async () => {
    const work = deferred<string>();
    let fired = 0;
    const bounded = watch(withTimeout(work.promise, 100, () => (fired++, new Error('late'))));
    work.resolve('answer');
    await settle();
    mock.timers.tick(1_000);
    await settle();
    assert.deepEqual(bounded, { status: 'resolved', value: 'answer' });
    assert.equal(fired, 0);
  });

  test('when the promise rejects in time, then withTimeout rejects with its error', async () => {
    const work = deferred<string>();
    const bounded = watch(withTimeout(work.promise, 100));
    const err = new Error('refused');
    work.reject(err);
    await settle();
    assert.equal(bounded.reason, err);
  });

  test('when ms pass first, then withTimeout rejects with a TimeoutError, and what the promise does later is ignored', async () => {
    const work = deferred<string>();
    const bounded = watch(withTimeout(work.promise, 100));
    mock.timers.tick(100);
    await settle();
    assert.equal(bounded.status, 'rejected');
    assert.ok(bounded.reason instanceof TimeoutError, String(bounded.reason));
    assert.match((bounded.reason as Error).message, /100 ms/);
    work.reject(new Error('too late')); // no unhandled rejection: withTimeout still listens
    await settle();
    assert.ok(bounded.reason instanceof TimeoutError);
  });

  test('when ms pass first and onTimeout is given, then withTimeout rejects with what it returns', async () => {
    const work = deferred<string>();
    const mine = new Error('the database did not answer in time');
    const bounded = watch(withTimeout(work.promise, 5, () => mine));
    mock.timers.tick(5);
    await settle();
    assert.equal(bounded.reason, mine);
  });

  test('when the signal aborts first, then untilAborted rejects with its reason and removes its listener', async () => {
    const controller = new AbortController();
    const work = deferred<number>();
    const cut = watch(untilAborted(work.promise, controller.signal));
    assert.equal(listeners(controller.signal), 1);
    const reason = new Error('stopping');
    controller.abort(reason);
    await settle();
    assert.equal(cut.reason, reason);
    assert.equal(listeners(controller.signal), 0);
  });

  test('when the promise settles first, then untilAborted gives its value and leaves no listener (one per call would add up)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 100; i++) assert.equal(await untilAborted(Promise.resolve(i), controller.signal), i);
    assert.equal(listeners(controller.signal), 0);
  });

  test('when the signal is aborted already, then untilAborted rejects at once', async () => {
    const work = deferred<number>();
    const cut = watch(untilAborted(work.promise, AbortSignal.abort()));
    await settle();
    assert.equal(cut.status, 'rejected');
    work.reject(new Error('later')); // handled: no unhandled rejection
    await settle();
  });
});
