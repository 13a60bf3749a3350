import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { retry, type RetryOptions } from '../../src/resilience/retry.js';
import type { Backoff } from '../../src/resilience/backoff.js';

const BACKOFF: Backoff = { firstMs: 100, maxMs: 400 };

/** A call that fails `failures` times, then answers 'ok'; and the waits retry asked for, none of them real. */
function setup(failures: number, errorOf = (attempt: number) => new Error(`failure ${attempt}`)) {
  const attempts: number[] = [];
  const waits: number[] = [];
  const call = async (attempt: number) => {
    attempts.push(attempt);
    if (attempt <= failures) throw errorOf(attempt);
    return 'ok';
  };
  const options: RetryOptions = { random: () => 0.5, sleep: async (ms) => void waits.push(ms) };
  return { attempts, waits, call, options };
}

describe('retry', () => {
  test('when the first attempt succeeds, then its answer is returned and nothing waits', async () => {
    const { attempts, waits, call, options } = setup(0);
    assert.equal(await retry(call, BACKOFF, options), 'ok');
    assert.deepEqual(attempts, [1]);
    assert.deepEqual(waits, []);
  });

  test('when attempts fail, then it tries again after the backoff waits until one succeeds', async () => {
    const { attempts, waits, call, options } = setup(4);
    assert.equal(await retry(call, BACKOFF, options), 'ok');
    assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
    assert.deepEqual(waits, [100, 200, 400, 400]);
  });

  test('when retryIf refuses a failure, then retry rejects with it and makes no further attempt', async () => {
    const { attempts, waits, call, options } = setup(10);
    await assert.rejects(retry(call, BACKOFF, { ...options, retryIf: (_, attempt) => attempt < 3 }), /failure 3/);
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.deepEqual(waits, [100, 200]);
  });

  test('when retryIf looks at the error, then only the errors it names are retried', async () => {
    class Transient extends Error {}
    const { attempts, call, options } = setup(5, (attempt) => (attempt < 2 ? new Transient('down') : new Error('wrong password')));
    await assert.rejects(retry(call, BACKOFF, { ...options, retryIf: (err) => err instanceof Transient }), /wrong password/);
    assert.deepEqual(attempts, [1, 2]);
  });

  test('when a failure happens, then onFailure is told of it with the wait that follows, or none for the last', async () => {
    const { call, options } = setup(10);
    const told: Array<[string, number, number | undefined]> = [];
    await assert.rejects(retry(call, BACKOFF, {
      ...options,
      retryIf: (_, attempt) => attempt < 3,
      onFailure: (err, attempt, retryInMs) => told.push([(err as Error).message, attempt, retryInMs]),
    }));
    assert.deepEqual(told, [['failure 1', 1, 100], ['failure 2', 2, 200], ['failure 3', 3, undefined]]);
  });

  test('when the signal aborts during a wait, then retry rejects with its reason and makes no further attempt', async () => {
    const controller = new AbortController();
    const reason = new Error('stopping');
    const { attempts, call } = setup(10);
    const sleep = async () => controller.abort(reason);
    await assert.rejects(retry(call, BACKOFF, { signal: controller.signal, sleep }), (err) => err === reason);
    assert.deepEqual(attempts, [1]);
  });

  test('when the signal is aborted before the first attempt, then nothing is called', async () => {
    const { attempts, call, options } = setup(0);
    await assert.rejects(retry(call, BACKOFF, { ...options, signal: AbortSignal.abort() }));
    assert.deepEqual(attempts, []);
  });

  test('when no sleep is given, then the real one waits and can be cut short by the signal', async () => {
    const controller = new AbortController();
    const { attempts, call } = setup(10);
    const retrying = retry(call, { firstMs: 60_000, maxMs: 60_000 }, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(retrying);
    assert.deepEqual(attempts, [1]);
  });
});
