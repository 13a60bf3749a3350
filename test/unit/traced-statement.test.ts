/** The name and attributes of a store span: the statement's operation and first table, never its text or values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statementOf } from '../../src/adapters/store/traced-dialect.js';

test('when a statement names a table, then its span is named by the operation and that table', () => {
  assert.deepEqual(statementOf('select "id", "url" from "links" where "code" = ? limit ?'), { operation: 'SELECT', table: 'links' });
  assert.deepEqual(statementOf('insert into "click_rollups" ("link_id") values ($1) on conflict do update set "n" = "n" + 1'), { operation: 'INSERT', table: 'click_rollups' });
  assert.deepEqual(statementOf('update "links" set "clicks" = "clicks" + $1 where "id" = $2'), { operation: 'UPDATE', table: 'links' });
  assert.deepEqual(statementOf('delete from users where id = $1'), { operation: 'DELETE', table: 'users' });
});

test('when a statement names no table, then its span is named by the operation alone', () => {
  assert.deepEqual(statementOf('begin immediate'), { operation: 'BEGIN' });
  assert.deepEqual(statementOf('  commit'), { operation: 'COMMIT' });
});

test('when a statement holds a literal value, then the name and attributes hold none of it', () => {
  const { operation, table } = statementOf("select * from \"users\" where \"email\" = 'someone@example.com'");
  assert.equal(`${operation} ${table}`, 'SELECT users');
});
