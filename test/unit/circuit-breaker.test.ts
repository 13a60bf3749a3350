import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BreakerOpenError, CircuitBreaker, type BreakerState } from '../../src/resilience/circuit-breaker.js';

const THRESHOLD = 3;
const OPEN_MS = 1_000;

/** A breaker on a hand-driven clock, recording every state change and counting the calls it lets through. */
function setup() {
  let time = 1_700_000_000_000;
  const changes: BreakerState[] = [];
  const breaker = new CircuitBreaker({
    name: 'test',
    failureThreshold: THRESHOLD,
    openMs: OPEN_MS,
    now: () => time,
    onStateChange: (state) => changes.push(state),
  });
  let invocations = 0;
  const fail = () => breaker.run(async () => {
    invocations++;
    throw new Error('boom');
  });
  const succeed = () => breaker.run(async () => {
    invocations++;
    return 'ok';
  });
  return {
    breaker,
    changes,
    fail,
    succeed,
    invocations: () => invocations,
    advance: (ms: number) => void (time += ms),
    /** Fails until the breaker opens (THRESHOLD consecutive failures). */
    async open() {
      for (let i = 0; i < THRESHOLD; i++) await assert.rejects(fail(), /boom/);
      assert.equal(breaker.state, 'open');
    },
  };
}

/** A call whose outcome the test decides later, so it can still be in flight while other calls arrive. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const isOpenError = (err: unknown) => err instanceof BreakerOpenError;

describe('CircuitBreaker', () => {
  test('starts closed and returns the value of a successful call', async () => {
    const b = setup();
    assert.equal(b.breaker.state, 'closed');
    assert.equal(await b.succeed(), 'ok');
    assert.deepEqual(b.changes, []);
  });

  test('while closed, rethrows the error of the call itself unchanged', async () => {
    const b = setup();
    const original = new TypeError('original');
    await assert.rejects(
      b.breaker.run(async () => { throw original; }),
      (err: unknown) => err === original,
    );
  });

  test('stays closed through fewer than failureThreshold consecutive failures, still invoking every call', async () => {
    const b = setup();
    for (let i = 0; i < THRESHOLD - 1; i++) await assert.rejects(b.fail(), /boom/);
    assert.equal(b.breaker.state, 'closed');
    assert.equal(await b.succeed(), 'ok');
    assert.equal(b.invocations(), THRESHOLD);
    assert.deepEqual(b.changes, []);
  });

  test('a success resets the count of consecutive failures', async () => {
    const b = setup();
    for (let i = 0; i < THRESHOLD - 1; i++) await assert.rejects(b.fail(), /boom/);
    await b.succeed();
    for (let i = 0; i < THRESHOLD - 1; i++) await assert.rejects(b.fail(), /boom/);
    assert.equal(b.breaker.state, 'closed');
    // one more makes THRESHOLD in a row: now it opens
    await assert.rejects(b.fail(), /boom/);
    assert.equal(b.breaker.state, 'open');
  });

  test('opens at the threshold, then rejects with BreakerOpenError without invoking the call', async () => {
    const b = setup();
    await b.open();
    assert.equal(b.invocations(), THRESHOLD);
    await assert.rejects(b.succeed(), isOpenError);
    await assert.rejects(b.fail(), isOpenError);
    b.advance(OPEN_MS - 1);
    await assert.rejects(b.succeed(), isOpenError);
    assert.equal(b.invocations(), THRESHOLD);
    assert.equal(b.breaker.state, 'open');
    assert.deepEqual(b.changes, ['open']);
  });

  test('after openMs lets exactly one trial through, rejecting concurrent calls while it runs', async () => {
    const b = setup();
    await b.open();
    b.advance(OPEN_MS);
    const trial = deferred<string>();
    let trialInvocations = 0;
    const trialRun = b.breaker.run(() => {
      trialInvocations++;
      return trial.promise;
    });
    assert.equal(b.breaker.state, 'half-open');
    await assert.rejects(b.succeed(), isOpenError);
    await assert.rejects(b.succeed(), isOpenError);
    assert.equal(trialInvocations, 1);
    assert.equal(b.invocations(), THRESHOLD);
    trial.resolve('trial ok');
    assert.equal(await trialRun, 'trial ok');
  });

  test('a successful trial closes it: calls go through again', async () => {
    const b = setup();
    await b.open();
    b.advance(OPEN_MS);
    assert.equal(await b.succeed(), 'ok');
    assert.equal(b.breaker.state, 'closed');
    assert.equal(await b.succeed(), 'ok');
    assert.equal(b.invocations(), THRESHOLD + 2);
    assert.deepEqual(b.changes, ['open', 'half-open', 'closed']);
  });

  test('after closing again it needs a full threshold of new failures to reopen', async () => {
    const b = setup();
    await b.open();
    b.advance(OPEN_MS);
    await b.succeed();
    for (let i = 0; i < THRESHOLD - 1; i++) await assert.rejects(b.fail(), /boom/);
    assert.equal(b.breaker.state, 'closed');
  });

  test('a failing trial rethrows its error and reopens it for another openMs', async () => {
    const b = setup();
    await b.open();
    b.advance(OPEN_MS);
    await assert.rejects(b.fail(), /boom/);
    assert.equal(b.breaker.state, 'open');
    const before = b.invocations();
    b.advance(OPEN_MS - 1);
    await assert.rejects(b.succeed(), isOpenError);
    assert.equal(b.invocations(), before);
    b.advance(1);
    assert.equal(await b.succeed(), 'ok');
    assert.equal(b.breaker.state, 'closed');
    assert.deepEqual(b.changes, ['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  test('a rejected concurrent call during the trial does not change the outcome of the trial', async () => {
    const b = setup();
    await b.open();
    b.advance(OPEN_MS);
    const trial = deferred<string>();
    const trialRun = b.breaker.run(() => trial.promise);
    await assert.rejects(b.succeed(), isOpenError);
    trial.reject(new Error('trial failed'));
    await assert.rejects(trialRun, /trial failed/);
    assert.equal(b.breaker.state, 'open');
    assert.deepEqual(b.changes, ['open', 'half-open', 'open']);
  });

  test('BreakerOpenError names the breaker', async () => {
    const b = setup();
    await b.open();
    await assert.rejects(b.succeed(), (err: unknown) => err instanceof BreakerOpenError && /test/.test(err.message));
  });
});
