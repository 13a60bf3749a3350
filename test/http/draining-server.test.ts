/**
 * The draining node:http server on real sockets in this process: what a drain does to a response in
 * progress, an idle keep-alive connection, a request half received, and a request sent on an idle
 * connection during the drain; and /readyz of the app once a drain has begun.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { DrainingServer } from '../../src/http/draining-server.js';
import { rawConnection } from '../support/http-lanes.js';
import { createTestApp, problem } from '../support/app.js';

/** A server whose /slow requests wait until the test releases them; every other path answers at once. */
async function serve(): Promise<{ server: DrainingServer; base: string; held: ServerResponse[]; closed: Promise<void> }> {
  const held: ServerResponse[] = [];
  const server = new DrainingServer((req, res) => {
    if (req.url === '/slow') held.push(res);
    else res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, held, closed };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('DrainingServer', () => {
  test('when a drain begins, then the listener closes at once, a response in progress is sent with Connection: close, its connection ends with a FIN, and the server closes after it', async () => {
    const { server, base, held, closed } = await serve();
    const c = await rawConnection(base);
    c.write(`GET /slow HTTP/1.1\r\nHost: x\r\n\r\n`);
    await until(() => held.length === 1);

    server.drain();
    assert.equal(server.draining, true);
    assert.equal(server.listening, false);
    held[0]!.end('late');
    const res = await c.response();
    assert.equal(res.status, 200);
    assert.equal(res.body, 'late');
    assert.equal(res.headers.connection, 'close');
    assert.equal(await c.closed, 'fin');
    await closed;
  });

  test('when the server closes, then an idle keep-alive connection is closed with a FIN, and a request sent on one meanwhile is answered with Connection: close', async () => {
    const { server, base, closed } = await serve();
    const idle = await rawConnection(base);
    const busy = await rawConnection(base);
    for (const c of [idle, busy]) {
      const res = await c.get('/');
      assert.equal(res.headers.connection, 'keep-alive');
    }

    server.close();
    const res = await busy.get('/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close');
    assert.equal(await busy.closed, 'fin');
    assert.equal(await idle.closed, 'fin');
    assert.equal(idle.strayBytes(), 0);
    await closed;
  });

  test('when the server closes while a request head is half received, then the connection stays open until the request is whole, and the answer closes it', async () => {
    const { server, base, closed } = await serve();
    const c = await rawConnection(base);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 50));

    server.close();
    // Longer than an idle connection is kept (1 s): this one has a request on its way.
    await new Promise((r) => setTimeout(r, 1_500));
    c.write('\r\n');
    const res = await c.response();
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close');
    assert.equal(await c.closed, 'fin');
    await closed;
  });
});

describe('/readyz while draining', () => {
  const built = createTestApp('sqlite');
  after(async () => (await built).close());

  test('when the server begins to drain, then /readyz answers 503 problem+json at once and /healthz still 200', async () => {
    const { app } = await built;
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    (app.server as DrainingServer).drain();
    const res = await app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 503);
    const body = problem(res);
    assert.equal(body.type, 'urn:kurz:problem:unavailable');
    assert.equal(body.detail, 'this instance is shutting down');
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the process is alive');
  });
});
