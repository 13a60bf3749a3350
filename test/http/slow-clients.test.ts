/**
 * Slow clients and the connection cap, on a real listening server (app.inject has no socket): a
 * request whose body or headers trickle in is cut at REQUEST_TIMEOUT with a 408 problem, and
 * connections past MAX_CONNECTIONS are closed at once (and counted).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../support/app.js';
import { rawConnection, type RawConnection } from '../support/http-lanes.js';
import { within } from '../e2e/process-helpers.js';

/** Sends `text` one character every 200 ms until the connection ends; the server must not wait for it forever. */
function trickle(c: RawConnection, text: string): void {
  let open = true;
  void c.closed.then(() => (open = false));
  let i = 0;
  const timer = setInterval(() => {
    if (!open || i >= text.length) return clearInterval(timer);
    c.write(text[i++]!);
  }, 200);
}

const waitFor = async (condition: () => Promise<boolean>) => {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('slow clients and the connection cap (real socket)', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await createTestApp('sqlite', { env: { REQUEST_TIMEOUT_SECONDS: '1', MAX_CONNECTIONS: '4' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  test('when a POST body arrives one byte every 200 ms, then past REQUEST_TIMEOUT (1 s) it is answered 408 problem+json and the connection is closed', async () => {
    const c = await rawConnection(base);
    const body = JSON.stringify({ email: 'slow@example.com', password: 'correct horse battery' });
    c.write(`POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    trickle(c, body);
    const res = await within(15_000, c.response(), () => 'a 408 for a body still arriving after REQUEST_TIMEOUT');
    assert.equal(res.status, 408);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    assert.equal(res.headers.connection, 'close');
    const problem = JSON.parse(res.body);
    assert.equal(problem.type, 'urn:kurz:problem:request-timeout');
    assert.equal(problem.status, 408);
    assert.notEqual(await within(5_000, c.closed, () => 'the connection closed'), 'open');
  });

  test('when headers arrive one byte every 200 ms, then the request is cut the same way', async () => {
    const c = await rawConnection(base);
    trickle(c, 'GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: a-very-slow-client-indeed\r\n\r\n');
    const res = await within(15_000, c.response(), () => 'a 408 for headers still arriving after REQUEST_TIMEOUT');
    assert.equal(res.status, 408);
    assert.equal(JSON.parse(res.body).type, 'urn:kurz:problem:request-timeout');
  });

  test('when MAX_CONNECTIONS (4) are open, then a fifth connection is closed without an answer; once one closes, a new one is served', async () => {
    const connections = () => new Promise<number>((resolve) => t.app.server.getConnections((_, n) => resolve(n)));
    await waitFor(async () => (await connections()) === 0);
    const open: RawConnection[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await rawConnection(base);
      assert.equal((await c.get('/healthz')).status, 200, `connection ${i + 1} is served`);
      open.push(c);
    }
    const fifth = await rawConnection(base);
    fifth.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await assert.rejects(within(5_000, fifth.response(), () => 'the fifth connection closed'), /connection ended/);
    assert.match((await t.app.inject({ url: '/metrics' })).body, /kurz_connections_dropped_total 1/);
    open[0]!.end();
    await open[0]!.closed;
    await waitFor(async () => (await connections()) < 4);
    const sixth = await rawConnection(base);
    assert.equal((await sixth.get('/healthz')).status, 200, 'below the cap again, a new connection is served');
    for (const c of [...open.slice(1), sixth]) c.end();
  });
});
