import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { HotHistogram } from '../../src/obs/hot-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED: [Record<string, string | number>, number][] = [
  [{ method: 'GET', route: '/:code', status: 301 }, 0.0004],
  [{ method: 'GET', route: '/:code', status: 301 }, 0.001], // on a bound: in that bucket (le is "less or equal")
  [{ method: 'GET', route: '/:code', status: 301 }, 0.05],
  [{ method: 'POST', route: '/api/v1/links', status: 201 }, 3], // above every bound: only +Inf
  [{ method: 'GET', route: '/:code', status: 404 }, 0.2],
];

test('when the same values are observed, then /metrics reads exactly as with prom-client\'s Histogram', async () => {
  const [theirs, ours] = [new Registry(), new Registry()];
  const histogram = new Histogram({ name: 'h_seconds', help: 'help', labelNames: ['method', 'route', 'status'], buckets: BUCKETS, registers: [theirs] });
  const hot = new HotHistogram('h_seconds', 'help', BUCKETS, ours);
  for (const [labels, value] of OBSERVED) {
    histogram.observe(labels, value);
    hot.observer(labels)(value);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('when an observer is made twice for one label set, then both add to one series', async () => {
  const registry = new Registry();
  const hot = new HotHistogram('h_seconds', 'help', BUCKETS, registry);
  hot.observer({ route: 'a' })(0.5);
  hot.observer({ route: 'a' })(0.5);
  assert.match(await registry.metrics(), /^h_seconds_count\{route="a"\} 2$/m);
  hot.reset();
  assert.match(await registry.metrics(), /^h_seconds_count\{route="a"\} 0$/m);
});
