import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, flagsToEnv, loadConfig } from '../../src/config.js';

const SECRET = 'x'.repeat(32);
const PG = 'postgres://kurz@db.internal:5432/kurz';

/** Asserts loadConfig(env) throws a ConfigError whose message starts with `setting`. */
function assertBadSetting(env: Record<string, string>, setting: string): ConfigError {
  let caught: unknown;
  assert.throws(() => loadConfig(env), (err: unknown) => ((caught = err), err instanceof ConfigError));
  const err = caught as ConfigError;
  assert.equal(err.setting, setting);
  assert.ok(err.message.startsWith(`${setting} `), `"${err.message}" starts with ${setting}`);
  return err;
}

describe('loadConfig', () => {
  test('with an empty environment, uses the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.baseUrl, 'http://localhost:8080');
    assert.deepEqual(c.database, { kind: 'sqlite', file: './data/kurz.db', synchronous: 'full' });
    assert.equal(c.signup, 'open');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.jwtSecret, undefined);
    assert.equal(c.redisUrl, undefined);
    assert.deepEqual(c.blockedDomains, []);
  });

  test('when ALLOW_PRIVATE_URLS is unset, then private targets are refused; true allows them; another value stops start-up', () => {
    assert.equal(loadConfig({}).allowPrivateUrls, false);
    assert.equal(loadConfig({ ALLOW_PRIVATE_URLS: 'true' }).allowPrivateUrls, true);
    assert.equal(loadConfig({ ALLOW_PRIVATE_URLS: 'false' }).allowPrivateUrls, false);
    assertBadSetting({ ALLOW_PRIVATE_URLS: 'yes' }, 'ALLOW_PRIVATE_URLS');
    assert.deepEqual(flagsToEnv(['--allow-private-urls', 'true']), { ALLOW_PRIVATE_URLS: 'true' });
  });

  test('the default BASE_URL follows PORT', () => {
    assert.equal(loadConfig({ PORT: '9000' }).baseUrl, 'http://localhost:9000');
  });

  test('the config object and its domain list are frozen', () => {
    const c = loadConfig({ BLOCKED_DOMAINS: 'a.com' });
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.blockedDomains));
    assert.throws(() => {
      (c as { port: number }).port = 1;
    }, TypeError);
  });

  test('reads valid values', () => {
    const c = loadConfig({
      PORT: '3000', HOST: '0.0.0.0', BASE_URL: 'https://kurz.example/', DATABASE_URL: PG, JWT_SECRET: SECRET,
      SIGNUP: 'closed', LOG_LEVEL: 'debug', BLOCKED_DOMAINS: ' Evil.com, ,bad.org ', SHUTDOWN_TIMEOUT: '3', DATABASE_POOL_SIZE: '4',
    });
    assert.equal(c.port, 3000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.baseUrl, 'https://kurz.example');
    assert.deepEqual(c.database, { kind: 'postgres', url: PG, poolSize: 4, timeoutMs: 5000, maxWaiting: 1000 });
    assert.equal(c.jwtSecret, SECRET);
    assert.equal(c.signup, 'closed');
    assert.equal(c.logLevel, 'debug');
    assert.deepEqual(c.blockedDomains, ['evil.com', 'bad.org']);
    assert.equal(c.shutdownTimeoutMs, 3000);
  });

  test('reads sqlite: paths, including absolute sqlite:/// ones', () => {
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database, { kind: 'sqlite', file: ':memory:', synchronous: 'full' });
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:///var/kurz.db' }).database, { kind: 'sqlite', file: '/var/kurz.db', synchronous: 'full' });
  });

  test('when SQLITE_SYNCHRONOUS is normal, then the SQLite store is told so', () => {
    assert.deepEqual(loadConfig({ SQLITE_SYNCHRONOUS: 'normal' }).database, { kind: 'sqlite', file: './data/kurz.db', synchronous: 'normal' });
  });

  test('each bad value throws a ConfigError whose message starts with the setting name', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'abc' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ PORT: '-1' }, 'PORT'],
      [{ PORT: '80.5' }, 'PORT'],
      [{ SIGNUP: 'maybe' }, 'SIGNUP'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL'],
      [{ BASE_URL: 'not a url' }, 'BASE_URL'],
      [{ BASE_URL: 'ftp://kurz.example' }, 'BASE_URL'],
      [{ BASE_URL: 'https://kurz.example/?a=1' }, 'BASE_URL'],
      [{ JWT_SECRET: 'too-short' }, 'JWT_SECRET'],
      [{ DATABASE_URL: PG }, 'JWT_SECRET'],
      [{ REDIS_URL: 'http://cache' }, 'REDIS_URL'],
      [{ CODE_LENGTH: '4' }, 'CODE_LENGTH'],
      [{ SQLITE_SYNCHRONOUS: 'off' }, 'SQLITE_SYNCHRONOUS'],
      [{ DATABASE_URL: PG, JWT_SECRET: SECRET, DATABASE_TIMEOUT_MS: '50' }, 'DATABASE_TIMEOUT_MS'],
    ];
    for (const [env, setting] of cases) assertBadSetting(env, setting);
  });

  test('IDLE_GC is in seconds, 10 by default; 0 turns the idle collection off', () => {
    assert.equal(loadConfig({}).idleGcMs, 10_000);
    assert.equal(loadConfig({ IDLE_GC: '0' }).idleGcMs, 0);
    assert.equal(loadConfig({ IDLE_GC: '30' }).idleGcMs, 30_000);
    for (const bad of ['soon', '-1', '1.5', '3601']) assertBadSetting({ IDLE_GC: bad }, 'IDLE_GC');
  });

  test('never puts JWT_SECRET into an error message', () => {
    const short = 'my-secret-value-31-chars-long!!';
    assert.ok(!assertBadSetting({ JWT_SECRET: short }, 'JWT_SECRET').message.includes(short));
    const good = 'another-secret-that-is-long-enough-000';
    const err = assertBadSetting({ JWT_SECRET: good, PORT: 'abc' }, 'PORT');
    assert.ok(!err.message.includes(good));
  });
});

describe('flagsToEnv', () => {
  test('turns --name value and --name=value into environment names', () => {
    assert.deepEqual(flagsToEnv(['--base-url', 'https://x.test', '--port=9']), { BASE_URL: 'https://x.test', PORT: '9' });
  });

  test('keeps "=" inside an inline value', () => {
    assert.deepEqual(flagsToEnv(['--database-url=postgres://u@h/db?a=b']), { DATABASE_URL: 'postgres://u@h/db?a=b' });
  });

  test('feeds loadConfig, where flags are validated like the environment', () => {
    assert.equal(loadConfig(flagsToEnv(['--port', '9'])).port, 9);
  });

  test('an unknown flag throws a ConfigError naming the flag', () => {
    assert.throws(() => flagsToEnv(['--colour', 'blue']), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.startsWith('--colour '), err.message);
      return true;
    });
  });

  test('a flag without a value throws a ConfigError saying it needs one', () => {
    assert.throws(() => flagsToEnv(['--port']), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^--port needs a value/);
      return true;
    });
  });

  test('a bare word throws a ConfigError', () => {
    assert.throws(() => flagsToEnv(['serve']), ConfigError);
  });
});

describe('server limits and /metrics access', () => {
  test('REQUEST_TIMEOUT, MAX_CONNECTIONS and METRICS_TOKEN have their defaults, and take valid values', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.requestTimeoutMs, 30_000);
    assert.equal(defaults.maxConnections, 10_000);
    assert.equal(defaults.metricsToken, undefined);
    assert.deepEqual(defaults.rateLimits.qr, { capacity: 30, refillPerSecond: 0.5 });
    const set = loadConfig({ REQUEST_TIMEOUT: '5', MAX_CONNECTIONS: '200', METRICS_TOKEN: 'a-token-of-20-chars!', RATE_QR: 'off' });
    assert.deepEqual([set.requestTimeoutMs, set.maxConnections, set.metricsToken, set.rateLimits.qr], [5_000, 200, 'a-token-of-20-chars!', null]);
  });

  test('a short or spaced METRICS_TOKEN, or a REQUEST_TIMEOUT or MAX_CONNECTIONS of 0, stops start-up naming the setting', () => {
    for (const [name, value] of [['METRICS_TOKEN', 'short'], ['METRICS_TOKEN', 'has spaces in it, sixteen+'], ['REQUEST_TIMEOUT', '0'], ['MAX_CONNECTIONS', '0']] as const) {
      assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => err instanceof ConfigError && err.setting === name, `${name}=${value}`);
    }
  });
});
