import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { QrWorkerPool } from '../../src/adapters/qr/worker-pool.js';
import { CachedQrRenderer } from '../../src/adapters/qr/cached-renderer.js';
import { QrBusy } from '../../src/ports.js';

const log = pino({ level: 'silent' });
const isPng = (data: Uint8Array, size: number) =>
  Buffer.from(data).toString('latin1', 1, 4) === 'PNG' && Buffer.from(data).readUInt32BE(16) === size;

describe('QR worker pool', () => {
  const pools: QrWorkerPool[] = [];
  const open = (size: number, maxQueue: number) => {
    const pool = new QrWorkerPool({ size, maxQueue, log });
    pools.push(pool);
    return pool;
  };
  after(() => Promise.all(pools.map((p) => p.close())));

  test('when a PNG is asked, then a worker thread renders it at the asked size', async () => {
    const pool = open(1, 4);
    assert.ok(isPng(await pool.run('http://kurz.test/abc', { format: 'png', size: 300 }), 300));
    assert.equal(pool.threads.length, 1);
  });

  test('when more renders are asked at once than workers plus queue hold, then the extra ones are refused at once with QrBusy', async () => {
    const pool = open(1, 1);
    const results = await Promise.allSettled([1, 2, 3].map((i) => pool.run(`http://kurz.test/${i}`, { format: 'png', size: 64 })));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
    assert.ok((results[2] as PromiseRejectedResult).reason instanceof QrBusy);
    assert.ok(isPng(await pool.run('http://kurz.test/4', { format: 'png', size: 64 }), 64), 'the queue drained: renders are taken again');
  });

  test('when a worker is terminated mid-render, then that render fails with QrBusy and the next one gets a new worker', async () => {
    const pool = open(1, 4);
    const rendering = pool.run('http://kurz.test/big', { format: 'png', size: 2048 });
    const [worker] = pool.busyThreads;
    await worker!.terminate();
    await assert.rejects(rendering, QrBusy);
    assert.equal(pool.threads.length, 0, 'the dead worker is gone');
    assert.ok(isPng(await pool.run('http://kurz.test/after', { format: 'png', size: 128 }), 128));
    assert.equal(pool.threads.length, 1);
    assert.notEqual(pool.threads[0], worker);
  });

  test('when the pool is closed, then waiting renders reject and no worker is left', async () => {
    const pool = open(1, 4);
    const settled = Promise.allSettled([1, 2, 3].map((i) => pool.run(`http://kurz.test/c${i}`, { format: 'png', size: 1024 })));
    await pool.close();
    const results = await settled;
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof QrBusy), JSON.stringify(results.map((r) => r.status)));
    assert.equal(pool.threads.length, 0);
    await assert.rejects(pool.run('http://kurz.test/late', { format: 'svg' }), QrBusy);
  });
});

describe('cached QR renderer', () => {
  test('when the same image is asked again, or twice at once, then it is rendered once; another size or text is rendered anew', async () => {
    const pool = new QrWorkerPool({ size: 1, maxQueue: 8, log });
    let runs = 0;
    const run = pool.run.bind(pool);
    pool.run = (text, image) => (runs++, run(text, image));
    const qr = new CachedQrRenderer(pool, 1024 * 1024);
    try {
      const png = { format: 'png', size: 256 } as const;
      assert.equal(qr.cached('http://kurz.test/a', png), undefined);
      const [one, two] = await Promise.all([qr.render('http://kurz.test/a', png), qr.render('http://kurz.test/a', png)]);
      assert.equal(one, two);
      assert.equal(qr.cached('http://kurz.test/a', png), one);
      assert.equal(await qr.render('http://kurz.test/a', png), one);
      assert.equal(runs, 1);
      await qr.render('http://kurz.test/a', { format: 'png', size: 128 });
      await qr.render('http://kurz.test/b', png);
      assert.equal(runs, 3);
      const svg = await qr.render('http://kurz.test/a', { format: 'svg' });
      assert.match(svg.toString(), /<svg/);
      assert.equal(runs, 3, 'a short text as SVG is rendered on the event loop (a millisecond or so)');
      assert.equal(qr.cached('http://kurz.test/a', { format: 'svg' }), svg);
    } finally {
      await qr.close();
    }
  });
});
