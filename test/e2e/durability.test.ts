/**
 * Durability of the embedded store, watched from outside the process: strace records the server's
 * writes to the SQLite WAL, its fsyncs, and the responses it sends. An acknowledged link (a 201 on the
 * wire) must never follow a WAL write that was not yet fsynced: a power cut after that 201 could roll
 * the link back.
 */
import { test, describe, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, killAll, sandbox, type Server } from './process-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 60_000 };
const UNLIMITED = { RATE_API: 'off', RATE_CREATE_LINK: 'off', LOG_REQUESTS: '0' };

/** Traces the server's main thread (SQLite and the sockets both live there) while `body` runs. */
async function traced(t: TestContext, server: Server, dir: string, body: () => Promise<void>): Promise<string[]> {
  const file = join(dir, 'strace.txt');
  const strace = spawn('strace', ['-p', String(server.pid), '-y', '-s', '24', '-o', file,
    '-e', 'trace=fsync,fdatasync,write,writev,pwrite64,pwritev'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => void strace.kill('SIGKILL'));
  let err = '';
  strace.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    strace.stderr!.on('data', (chunk: string) => {
      err += chunk;
      if (err.includes('attached')) resolve();
    });
    strace.once('exit', () => reject(new Error(`strace exited: ${err}`)));
  });
  await body();
  strace.kill('SIGINT'); // detaches, and writes out the trace
  await once(strace, 'exit');
  return readFileSync(file, 'utf8').split('\n');
}

interface Acks {
  /** 201 responses sent. */
  acks: number;
  /** 201 responses sent while a WAL write was not yet fsynced. */
  unsynced: number;
  /** fsyncs of the WAL. */
  syncs: number;
}

function readTrace(lines: string[]): Acks {
  const result = { acks: 0, unsynced: 0, syncs: 0 };
  let dirty = false;
  for (const line of lines) {
    if (!line.includes('-wal>') && !line.includes('socket:[')) continue;
    if (/^(fsync|fdatasync)\(\d+<[^>]*-wal>\) = 0/.test(line)) {
      result.syncs++;
      dirty = false;
    } else if (/^p?write(v|64)?\(\d+<[^>]*-wal>/.test(line)) {
      dirty = true;
    } else if (/^writev?\(\d+<socket:\[\d+\]>, .*HTTP\/1\.1 201/.test(line)) {
      result.acks++;
      if (dirty) result.unsynced++;
    }
  }
  return result;
}

/** A server on a fresh SQLite file, with an account and its token. */
async function serverWithAccount(t: TestContext, env: Record<string, string> = {}) {
  const box = sandbox(t);
  const server = await box.start({ env: { ...UNLIMITED, ...env } });
  const body = { email: 'durable@example.com', password: 'correct horse battery' };
  assert.equal((await call(server.url, 'POST', '/api/v1/users', { body })).status, 201);
  const token = (await call(server.url, 'POST', '/api/v1/auth/token', { body })).body.access_token as string;
  return { server, dir: box.dir, token };
}

/** `n` links, `concurrency` at a time; asserts each was acknowledged with a 201. */
async function createLinks(server: Server, token: string, n: number, concurrency: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const res = await call(server.url, 'POST', '/api/v1/links', { token, body: { url: `https://example.com/durable/${next++}` } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

describe('SQLite durability (strace of the server)', () => {
  test('when a link is acknowledged, then its WAL write was fsynced before the 201 was sent', TIMEOUT, async (t) => {
    const { server, dir, token } = await serverWithAccount(t);
    const trace = readTrace(await traced(t, server, dir, () => createLinks(server, token, 40, 1)));
    assert.equal(trace.acks, 40, 'every creation was seen on the wire');
    assert.equal(trace.unsynced, 0, `acknowledged before the WAL was on disk: ${JSON.stringify(trace)}`);
  });

  test('when creations arrive together, then each is still fsynced before its 201 and they share fsyncs (group commit)', TIMEOUT, async (t) => {
    const { server, dir, token } = await serverWithAccount(t);
    const trace = readTrace(await traced(t, server, dir, () => createLinks(server, token, 200, 20)));
    assert.equal(trace.acks, 200);
    assert.equal(trace.unsynced, 0, JSON.stringify(trace));
    assert.ok(trace.syncs < trace.acks, `one fsync per group, not per link: ${JSON.stringify(trace)}`);
    t.diagnostic(JSON.stringify(trace));
  });

  test('when SQLITE_SYNCHRONOUS=normal, then links are acknowledged before the WAL reaches the disk (the documented trade-off)', TIMEOUT, async (t) => {
    const { server, dir, token } = await serverWithAccount(t, { SQLITE_SYNCHRONOUS: 'normal' });
    const trace = readTrace(await traced(t, server, dir, () => createLinks(server, token, 40, 1)));
    assert.equal(trace.acks, 40);
    assert.ok(trace.unsynced > 0, JSON.stringify(trace));
  });
});
