import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
import { collectWhenIdle } from '../../src/obs/idle-gc.js';

/** A logger whose lines the test reads. */
function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { log: pino({ level: 'info' }, sink), collections: () => lines.filter((l) => l.msg === 'idle: heap collected and shrunk') };
}

/** Makes the V8 heap grow by about `mb` MB of objects that are garbage once it returns. */
function allocate(mb: number): void {
  let held: unknown[] = [];
  for (let i = 0; i < mb * 1024; i++) held.push(Array.from({ length: 64 }, (_, j) => ({ i, j })));
  held = [];
}

test('when the heap grew and the process then goes idle, then one collection shrinks it, and no more while nothing grows', async () => {
  const { log, collections } = recordingLog();
  const stop = collectWhenIdle({ idleMs: 200, log });
  try {
    allocate(64);
    const grown = getHeapStatistics().total_heap_size;
    for (let waited = 0; collections().length === 0 && waited < 5_000; waited += 50) await sleep(50);
    assert.equal(collections().length, 1);
    const [{ heapBefore, heapAfter }] = collections() as [{ heapBefore: number; heapAfter: number }];
    assert.ok(heapBefore >= grown - 16 * 2 ** 20, `measured ${heapBefore} before, ${grown} right after allocating`);
    assert.ok(heapAfter < heapBefore, `${heapAfter} bytes after, ${heapBefore} before`);
    await sleep(1_000); // five more idle intervals, with nothing new to give back
    assert.equal(collections().length, 1);
  } finally {
    stop();
  }
});

test('when the event loop stays busy, then no collection runs however much the heap grew', async () => {
  const { log, collections } = recordingLog();
  const stop = collectWhenIdle({ idleMs: 100, log });
  try {
    // Busy for ten intervals in a row, allocating, with only short breaks for the timers to run.
    for (let turn = 0; turn < 20; turn++) {
      const until = Date.now() + 60;
      while (Date.now() < until) allocate(1);
      await sleep(1);
    }
    assert.equal(collections().length, 0);
  } finally {
    stop();
  }
});
