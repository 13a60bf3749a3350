import { test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { STATEMENT_CACHE, statementCache } from '../../src/adapters/store/statement-cache.js';

/** A real SQLite database, and a cache over it that counts the compilations it asks for. */
function cacheOver(limits = STATEMENT_CACHE) {
  const db = new SQLite(':memory:');
  db.exec('create table t (a int, b int)');
  let compiled = 0;
  const cache = statementCache((sql) => {
    compiled++;
    return db.prepare(sql);
  }, limits);
  return { cache, compiled: () => compiled, close: () => db.close() };
}

/** An insert of `rows` rows: the text grows with the batch, as Kysely writes multi-row inserts. */
const insert = (rows: number) => `insert into t (a, b) values ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`;

test('when the same short SQL is prepared again, then the compiled statement is reused', () => {
  const { cache, compiled, close } = cacheOver();
  try {
    const sql = 'select a, b from t where a = ?';
    const first = cache.prepare(sql);
    assert.equal(cache.prepare(sql), first);
    assert.equal(compiled(), 1);
    assert.equal(cache.size, 1);
  } finally {
    close();
  }
});

test('when a bulk statement is longer than maxSqlLength, then it is compiled each time and never held', () => {
  const { cache, compiled, close } = cacheOver();
  try {
    const bulk = insert(300); // 2,426 characters
    assert.ok(bulk.length > STATEMENT_CACHE.maxSqlLength);
    const first = cache.prepare(bulk);
    const second = cache.prepare(bulk);
    assert.notEqual(second, first);
    assert.equal(compiled(), 2);
    assert.equal(cache.size, 0);
    assert.deepEqual(second.run(...Array.from({ length: 600 }, (_, i) => i)), { changes: 300, lastInsertRowid: 300 });
  } finally {
    close();
  }
});

test('when more distinct short texts are prepared than maxEntries, then only maxEntries are held, the most recent', () => {
  const { cache, compiled, close } = cacheOver({ maxEntries: 10, maxSqlLength: 1_000 });
  try {
    for (let rows = 1; rows <= 25; rows++) cache.prepare(insert(rows));
    assert.equal(cache.size, 10);
    cache.prepare(insert(25));
    cache.prepare(insert(1));
    assert.equal(compiled(), 26, 'the newest was still held; the oldest had been evicted');
  } finally {
    close();
  }
});
