/**
 * Settings under their old names, on the real `kurz` process: they still work, and each is reported
 * once at start-up on stderr, by the primary alone under `--workers`. The JWT secret is kept beside
 * the database by the primary and shared with its workers.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { killAll, runKurz, sandbox, tempDir } from './process-helpers.js';

const TIMEOUT = { timeout: 60_000 };
const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('kurz: warning: '));

describe('old setting names on the real process', () => {
  after(killAll);

  test('when kurz migrate gets an old name in the environment and another as a flag, then it works and prints one warning for each', TIMEOUT, async (t) => {
    const tmp = tempDir();
    t.after(tmp.remove);
    const result = await runKurz(['migrate', '--database-url', `sqlite:${join(tmp.dir, 'kurz.db')}`, '--idle-gc', '5'], { env: { SHUTDOWN_TIMEOUT: '3' } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(warnings(result.stderr), [
      'kurz: warning: SHUTDOWN_TIMEOUT is an old name of SHUTDOWN_TIMEOUT_SECONDS: it still works, but rename it',
      'kurz: warning: IDLE_GC is an old name of IDLE_GC_SECONDS: it still works, but rename it',
    ]);
    assert.equal(result.stderr.trim().split('\n').length, 2, result.stderr);
  });

  test('when kurz migrate gets only new names, then it prints no warning', TIMEOUT, async (t) => {
    const tmp = tempDir();
    t.after(tmp.remove);
    const result = await runKurz(['migrate', '--database-url', `sqlite:${join(tmp.dir, 'kurz.db')}`, '--idle-gc-seconds', '5'], { env: { SHUTDOWN_TIMEOUT_SECONDS: '3' } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });

  test('when kurz serve --workers 2 gets an old name, then the warning is printed once (by the primary), and the secret the workers share is kept beside the database', TIMEOUT, async (t) => {
    const box = sandbox(t);
    const server = await box.start({ flags: ['--workers', '2'], env: { CACHE_TTL: '60' } });
    const listening = () => server.logs().filter((line) => String(line.msg).startsWith('Server listening at')).length;
    await server.waitForLog(() => listening() >= 2);
    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, server.transcript());
    assert.deepEqual(warnings(server.stderr()), ['kurz: warning: CACHE_TTL is an old name of CACHE_TTL_SECONDS: it still works, but rename it'], server.transcript());
    assert.ok(readFileSync(join(box.dir, 'jwt-secret'), 'utf8').trim().length >= 32);
  });
});
