import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisUrlError, redisEndpoint } from '../../src/config/redis-url.js';
import { loadConfig } from '../../src/config.js';

test('when REDIS_URL names one host, then it is a single Redis, passed on as written', () => {
  for (const url of ['redis://127.0.0.1:6379', 'rediss://user:pw@cache.example:6380/2', 'redis://cache']) {
    assert.deepEqual(redisEndpoint(url), { kind: 'single', url });
  }
});

test('when REDIS_URL names several hosts, then it is a cluster with those seed nodes', () => {
  assert.deepEqual(redisEndpoint('redis://a:7000,b:7001,10.0.0.3:7002'), {
    kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }, { host: '10.0.0.3', port: 7002 }], tls: false,
  });
});

test('when REDIS_URL is redis+cluster://, then one seed node makes a cluster, with its credentials, TLS and IPv6 hosts', () => {
  assert.deepEqual(redisEndpoint('redis+cluster://127.0.0.1:7000'), { kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 7000 }], tls: false });
  assert.deepEqual(redisEndpoint('rediss+cluster://kurz:p%40ss@[::1]:7000,node2/0'), {
    kind: 'cluster', nodes: [{ host: '::1', port: 7000 }, { host: 'node2', port: 6379 }], username: 'kurz', password: 'p@ss', tls: true,
  });
  assert.deepEqual(redisEndpoint('rediss://:secret@a:1,b:2'), { kind: 'cluster', nodes: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }], password: 'secret', tls: true });
});

test('when a cluster URL names a database other than 0, a query, a bad node or another scheme, then it is refused', () => {
  for (const url of ['redis://a:1,b:2/3', 'redis+cluster://a:1?tls=true', 'redis://a:1,b:99999', 'redis://a:1,,b:2', 'http://a:1,b:2', 'redis+cluster://']) {
    assert.throws(() => redisEndpoint(url), RedisUrlError, url);
  }
});

test('when REDIS_URL is refused, then the error names the setting and never repeats the URL or its password', () => {
  assert.throws(() => loadConfig({ REDIS_URL: 'redis://:hunter2secret@a:1,b:2/5' }), (err: Error) => {
    assert.match(err.message, /^REDIS_URL .*database 0 only/);
    assert.doesNotMatch(err.message, /hunter2secret/);
    return true;
  });
  assert.equal(loadConfig({ REDIS_URL: 'redis://a:7000,b:7001' }).redisUrl, 'redis://a:7000,b:7001');
});
