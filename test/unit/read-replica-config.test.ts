import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

const PG = 'postgres://kurz@db.internal:5432/kurz';
/** PostgreSQL needs a shared JWT_SECRET. */
const SECRET = 'x'.repeat(32);
const REPLICA = 'postgres://kurz:s3cret@replica.internal:5432/kurz';

/** The ConfigError loadConfig(env) throws. */
function refusal(env: Record<string, string>): ConfigError {
  let caught: unknown;
  assert.throws(() => loadConfig(env), (err: unknown) => ((caught = err), err instanceof ConfigError));
  return caught as ConfigError;
}

describe('DATABASE_READ_URL', () => {
  test('when PostgreSQL has a replica URL, then the database names it with the lag bound (default 1000 ms)', () => {
    const database = loadConfig({ DATABASE_URL: PG, JWT_SECRET: SECRET, DATABASE_READ_URL: REPLICA }).database;
    assert.equal(database.kind, 'postgres');
    assert.deepEqual(database.kind === 'postgres' && database.replica, { url: REPLICA, maxLagMs: 1000 });
    const bounded = loadConfig({ DATABASE_URL: PG, JWT_SECRET: SECRET, DATABASE_READ_URL: REPLICA, DATABASE_READ_MAX_LAG_MS: '250' }).database;
    assert.equal(bounded.kind === 'postgres' && bounded.replica?.maxLagMs, 250);
  });

  test('when it is unset, then the database has no replica', () => {
    const database = loadConfig({ DATABASE_URL: PG, JWT_SECRET: SECRET }).database;
    assert.equal(database.kind === 'postgres' && database.replica, undefined);
  });

  test('when DATABASE_URL names SQLite, then a replica URL stops start-up with a ConfigError naming DATABASE_READ_URL', () => {
    const err = refusal({ DATABASE_URL: 'sqlite:./data/kurz.db', DATABASE_READ_URL: REPLICA });
    assert.equal(err.setting, 'DATABASE_READ_URL');
    assert.match(err.message, /needs PostgreSQL/);
  });

  test('when the replica URL is not postgres://, or the bound is out of range, then the error names the setting and never echoes the URL', () => {
    assert.equal(refusal({ DATABASE_URL: PG, JWT_SECRET: SECRET, DATABASE_READ_URL: 'sqlite:./replica.db' }).setting, 'DATABASE_READ_URL');
    const bad = refusal({ DATABASE_URL: PG, JWT_SECRET: SECRET, DATABASE_READ_URL: 'mysql://kurz:s3cret@replica' });
    assert.equal(bad.setting, 'DATABASE_READ_URL');
    assert.doesNotMatch(bad.message, /s3cret/);
    assert.equal(refusal({ DATABASE_URL: PG, JWT_SECRET: SECRET, DATABASE_READ_URL: REPLICA, DATABASE_READ_MAX_LAG_MS: '10' }).setting, 'DATABASE_READ_MAX_LAG_MS');
  });
});
