/**
 * The purge hook (CDN_PURGE_URL) against a local HTTP receiver standing in for a CDN's purge API: what
 * it is sent after an edit and a deletion, that a failing receiver still gets it, that the token goes
 * in a header and never into a log line, and that a receiver that does not answer delays no API call.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { join } from 'node:path';
import { createTestApp, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import { kurzOn } from '../support/cli.js';
import { tempDir } from '../e2e/process-helpers.js';

const TOKEN = 'purge-token-that-must-never-be-logged-7f3a';

interface Received {
  headers: IncomingHttpHeaders;
  body: { keys: string[]; urls: string[] };
}

/** A purge API: answers each request by the next of `plan` (a status, or 'hold' until release()), 200 once the plan is spent. */
class Receiver {
  readonly received: Received[] = [];
  plan: (number | 'hold')[] = [];
  private held: ServerResponse[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  readonly server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body: JSON.parse(raw) });
      const next = this.plan.shift() ?? 200;
      if (next === 'hold') this.held.push(res);
      else res.writeHead(next).end();
      this.waiters = this.waiters.filter((w) => (this.received.length >= w.count ? (w.resolve(), false) : true));
    });
  });

  /** Resolves once `count` requests have arrived in all. */
  until(count: number): Promise<void> {
    return this.received.length >= count ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  release(): void {
    for (const res of this.held.splice(0)) res.writeHead(200).end();
  }

  reset(): void {
    this.release();
    this.received.length = 0;
    this.plan = [];
  }
}

describe('CDN purge hook', () => {
  const receiver = new Receiver();
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  }));
  let t: TestApp;
  let dan: Caller;

  before(async () => {
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.server.address() as AddressInfo;
    t = await createTestApp('sqlite', {
      log,
      env: { CDN_MAX_AGE_SECONDS: '86400', CDN_PURGE_URL: `http://127.0.0.1:${port}/purge`, CDN_PURGE_TOKEN: TOKEN, CDN_PURGE_TIMEOUT_MS: '60000' },
    });
    dan = await signUpAndIn(t.app);
  });
  beforeEach(() => receiver.reset());
  after(async () => {
    receiver.release();
    await t?.close();
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  const create = async (payload: Record<string, unknown>): Promise<{ id: string; code: string }> => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: dan.auth, payload });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const patch = async (id: string, payload: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/links/${id}`, headers: dan.auth, payload });
    assert.equal(res.statusCode, 200, res.body);
  };
  const purgesCounted = async (outcome: string): Promise<number> => {
    const metric = await t.ctx.metrics.cdnPurges.get();
    return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  };

  test('when a permanent link is edited, then the receiver is told its key and short URL, with the token in a header', async () => {
    const { id, code } = await create({ url: 'https://example.com/before', redirect_type: 301 });
    await patch(id, { url: 'https://example.com/after' });
    await receiver.until(1);
    const [purge] = receiver.received;
    assert.deepEqual(purge!.body, { keys: [`kurz-link-${code}`], urls: [`http://kurz.test/${code}`] });
    assert.equal(purge!.headers.authorization, `Bearer ${TOKEN}`);
  });

  test('when a permanent link is deleted, then the receiver is told its key and short URL', async () => {
    const { id, code } = await create({ url: 'https://example.com/gone', redirect_type: 308 });
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/links/${id}`, headers: dan.auth });
    assert.equal(res.statusCode, 204);
    await receiver.until(1);
    assert.deepEqual(receiver.received[0]!.body, { keys: [`kurz-link-${code}`], urls: [`http://kurz.test/${code}`] });
  });

  test('when links no CDN may keep are edited, then only the permanent one is purged', async () => {
    const temporary = await create({ url: 'https://example.com/t' });
    const limited = await create({ url: 'https://example.com/l', redirect_type: 301, max_clicks: 5 });
    const permanent = await create({ url: 'https://example.com/p', redirect_type: 301 });
    await patch(temporary.id, { url: 'https://example.com/t2' });
    await patch(limited.id, { url: 'https://example.com/l2' });
    await patch(permanent.id, { url: 'https://example.com/p2' });
    await receiver.until(1);
    assert.deepEqual(receiver.received[0]!.body.keys, [`kurz-link-${permanent.code}`]);
  });

  test('when the receiver fails twice, then the third attempt delivers the purge', async () => {
    const purgedBefore = await purgesCounted('purged');
    const retriedBefore = await purgesCounted('retried');
    receiver.plan = [503, 500];
    const { id, code } = await create({ url: 'https://example.com/flaky', redirect_type: 301 });
    await patch(id, { title: 'edited' });
    await receiver.until(3);
    await new Promise((resolve) => setImmediate(resolve));
    for (const purge of receiver.received) assert.deepEqual(purge.body.keys, [`kurz-link-${code}`]);
    assert.equal(receiver.received.length, 3);
    // The third answer (200) is counted once its response has been read: wait for the count to move.
    while ((await purgesCounted('purged')) === purgedBefore) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await purgesCounted('purged'), purgedBefore + 1);
    assert.equal(await purgesCounted('retried'), retriedBefore + 2);
  });

  test('when the receiver does not answer, then later edits are answered all the same and purged once it does', async () => {
    receiver.plan = ['hold'];
    const first = await create({ url: 'https://example.com/slow1', redirect_type: 301 });
    const second = await create({ url: 'https://example.com/slow2', redirect_type: 301 });
    await patch(first.id, { title: 'one' });
    await receiver.until(1); // the receiver holds this purge open
    await patch(second.id, { title: 'two' }); // answered while the first purge waits
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/links/${first.id}`, headers: dan.auth });
    assert.equal(res.statusCode, 204);
    assert.equal(receiver.received.length, 1, 'nothing more is sent while a purge is under way');
    receiver.release();
    await receiver.until(2);
    assert.deepEqual(receiver.received[1]!.body.keys.sort(), [`kurz-link-${first.code}`, `kurz-link-${second.code}`].sort());
  });

  test('when purges have failed and been retried, then no log line holds the token', async () => {
    receiver.plan = [500];
    const { id } = await create({ url: 'https://example.com/logged', redirect_type: 301 });
    await patch(id, { title: 'logged' });
    await receiver.until(2);
    const about = lines.filter((line) => line.includes('cdn purge'));
    assert.ok(about.length > 0, 'the failed attempt is logged');
    assert.ok(about.some((line) => line.includes('answered 500')));
    for (const line of lines) assert.ok(!line.includes(TOKEN), line);
  });
});

describe('CDN purge hook of the kurz commands', () => {
  const receiver = new Receiver();
  const tmp = tempDir();
  let kurz: ReturnType<typeof kurzOn>;
  before(async () => {
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.server.address() as AddressInfo;
    kurz = kurzOn({
      DATABASE_URL: `sqlite:${join(tmp.dir, 'kurz.db')}`, LOG_LEVEL: 'warn', BASE_URL: 'https://s.example',
      CDN_PURGE_URL: `http://127.0.0.1:${port}/purge`, CDN_PURGE_TOKEN: TOKEN,
    });
    assert.equal((await kurz(['migrate'])).code, 0);
    assert.equal((await kurz(['user', 'create', '--email', 'admin@example.com'], { env: { KURZ_PASSWORD: 'correct horse battery staple' } })).code, 0);
  });
  after(async () => {
    tmp.remove();
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  test('when `kurz link delete` deletes a permanent link, then the purge has been sent by the time the command exits', async () => {
    const made = await kurz(['link', 'create', 'https://example.com/cli', '--code', 'clilink', '--redirect-type', '301']);
    assert.equal(made.code, 0, made.stderr);
    const ran = await kurz(['link', 'delete', 'clilink']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(receiver.received.length, 1);
    assert.deepEqual(receiver.received[0]!.body, { keys: ['kurz-link-clilink'], urls: ['https://s.example/clilink'] });
    assert.ok(!(ran.stdout + ran.stderr).includes(TOKEN));
  });
});
