/** Old setting names, the unit convention, and the JWT secret settled with the config. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SETTINGS_TABLE, flagsToEnv, loadConfig, readConfig, resolveConfig } from '../../src/config.js';
import { settingsOf, UNIT_SUFFIX } from '../../src/config/setting.js';

const ROWS = [...settingsOf(SETTINGS_TABLE)].map((s) => s.row);
const RENAMED = ROWS.filter((row) => row.formerly !== undefined);

describe('old names', () => {
  test('when a setting is set under its old name, then its value is read and one warning names both names', () => {
    const { config, warnings } = readConfig({ SHUTDOWN_TIMEOUT: '3' });
    assert.equal(config.shutdownTimeoutMs, 3000);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.setting, 'SHUTDOWN_TIMEOUT');
    assert.match(warnings[0]!.message, /^SHUTDOWN_TIMEOUT is an old name of SHUTDOWN_TIMEOUT_SECONDS/);
  });

  test('when every renamed setting is set under either name, then the config is the same, and only old names warn', () => {
    for (const row of RENAMED) {
      const value = row.name === 'BODY_LIMIT_BYTES' ? '2048' : '61';
      const byOld = readConfig({ [row.formerly!]: value });
      const byNew = readConfig({ [row.name]: value });
      assert.deepEqual(byOld.config, byNew.config, row.name);
      assert.notDeepEqual(byNew.config, loadConfig({}), `${row.name}=${value} changes the config`);
      assert.deepEqual(byOld.warnings.map((w) => w.setting), [row.formerly]);
      assert.deepEqual(byNew.warnings, []);
    }
  });

  test('when both names are set, then the new one wins and the old one is reported as ignored', () => {
    const { config, warnings } = readConfig({ IDLE_GC: '30', IDLE_GC_SECONDS: '0' });
    assert.equal(config.idleGcMs, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /^IDLE_GC is ignored: IDLE_GC_SECONDS/);
  });

  test('when a value is bad, then the ConfigError names the name it was set under', () => {
    for (const name of ['REQUEST_TIMEOUT', 'REQUEST_TIMEOUT_SECONDS']) {
      assert.throws(() => loadConfig({ [name]: '0' }), (err: unknown) => err instanceof ConfigError && err.setting === name && err.message.startsWith(`${name} `));
    }
  });

  test('when no old name is set, then there is no warning', () => {
    assert.deepEqual(readConfig({}).warnings, []);
  });

  test('kurz serve takes a flag for every name, old and new', () => {
    assert.deepEqual(flagsToEnv(['--cache-ttl', '60', '--cache-ttl-seconds=61']), { CACHE_TTL: '60', CACHE_TTL_SECONDS: '61' });
    for (const row of ROWS) {
      const flag = `--${row.name.toLowerCase().replace(/_/g, '-')}`;
      assert.deepEqual(flagsToEnv([flag, 'x']), { [row.name]: 'x' });
    }
  });
});

describe('units', () => {
  test('every setting with a unit ends its name with the unit, and every name ending in a unit has it', () => {
    for (const row of ROWS) {
      const suffixed = Object.entries(UNIT_SUFFIX).find(([, suffix]) => row.name.endsWith(suffix))?.[0];
      assert.equal(row.unit, suffixed, `${row.name}: unit ${row.unit}`);
    }
  });
});

describe('resolveConfig', () => {
  test('when JWT_SECRET is set, then it is the secret and nothing is written', () => {
    const secret = 'y'.repeat(40);
    assert.equal(resolveConfig(loadConfig({ JWT_SECRET: secret, DATABASE_URL: 'sqlite:/nonexistent/kurz.db' })).jwtSecret, secret);
  });

  test('when JWT_SECRET is unset on an in-memory SQLite, then a fresh secret is made', () => {
    const a = resolveConfig(loadConfig({ DATABASE_URL: 'sqlite::memory:' }));
    assert.equal(typeof a.jwtSecret, 'string');
    assert.ok(a.jwtSecret.length >= 32);
    assert.ok(Object.isFrozen(a));
  });

  test('when JWT_SECRET is unset on a SQLite file, then one is kept beside it (mode 0600) and read again on the next start', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kurz-config-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'data', 'kurz.db')}` };
    const first = resolveConfig(loadConfig(env)).jwtSecret;
    assert.equal(statSync(join(dir, 'data', 'jwt-secret')).mode & 0o777, 0o600);
    assert.equal(resolveConfig(loadConfig(env)).jwtSecret, first);
  });

  test('when the secret cannot be kept, then start-up stops with a ConfigError naming JWT_SECRET', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kurz-config-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The data folder is a file: no one, root included, can create the secret in it.
    writeFileSync(join(dir, 'data'), '');
    assert.throws(
      () => resolveConfig(loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'data', 'kurz.db')}` })),
      (err: unknown) => err instanceof ConfigError && err.setting === 'JWT_SECRET',
    );
  });
});
