import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor, toPage, type Cursor } from '../../src/domain/cursor.js';
import { AppError } from '../../src/domain/errors.js';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

interface Row {
  id: string;
  createdAt: number;
}
const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, createdAt: 1000 - i }));

function assertMalformed(raw: string): void {
  assert.throws(() => decodeCursor(raw), (err: unknown) => {
    assert.ok(err instanceof AppError, `AppError for ${JSON.stringify(raw)}`);
    assert.equal(err.kind, 'validation');
    assert.equal(err.errors?.[0]?.field, 'cursor');
    return true;
  });
}

describe('encodeCursor / decodeCursor', () => {
  test('round-trip gives back the same position', () => {
    const cursors: Cursor[] = [
      { createdAt: 1_700_000_000_123, id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' },
      { createdAt: 0, id: 'x' },
    ];
    for (const c of cursors) assert.deepEqual(decodeCursor(encodeCursor(c)), c);
  });

  test('the encoded cursor is URL-safe', () => {
    assert.match(encodeCursor({ createdAt: 2 ** 52, id: '?/+=&' }), /^[A-Za-z0-9_-]+$/);
  });

  test('garbage, empty and base64 of non-JSON throw a validation error naming cursor', () => {
    for (const raw of ['', '!!!', 'not a cursor', b64('hello'), b64('{')]) assertMalformed(raw);
  });

  test('JSON of the wrong shape throws a validation error naming cursor', () => {
    const shapes = [
      '{"createdAt":1,"id":"a"}', '[]', '[1]', '[1,"a","b"]', '["1","a"]', '[1,2]', '[1,""]',
      `[1,"${'a'.repeat(65)}"]`, 'null', '"x"', '[null,"a"]',
    ];
    for (const json of shapes) assertMalformed(b64(json));
  });

  test('a non-integer or unsafe time throws a validation error naming cursor', () => {
    for (const json of ['[1.5,"a"]', '[1e300,"a"]', `[${2 ** 53},"a"]`]) assertMalformed(b64(json));
  });
});

describe('toPage', () => {
  test('with limit + 1 rows, keeps limit rows, has_more is true and next_cursor points at the last kept row', () => {
    const page = toPage(rows(4), 3, (r) => r.id);
    assert.deepEqual(page.data, ['id-0', 'id-1', 'id-2']);
    assert.equal(page.has_more, true);
    assert.ok(page.next_cursor);
    assert.deepEqual(decodeCursor(page.next_cursor), { createdAt: 998, id: 'id-2' });
  });

  test('with exactly limit rows, has_more is false and next_cursor is null', () => {
    const page = toPage(rows(3), 3, (r) => r.id);
    assert.deepEqual(page.data, ['id-0', 'id-1', 'id-2']);
    assert.equal(page.has_more, false);
    assert.equal(page.next_cursor, null);
  });

  test('with fewer rows or none, has_more is false and next_cursor is null', () => {
    assert.deepEqual(toPage(rows(1), 3, (r) => r.id), { data: ['id-0'], has_more: false, next_cursor: null });
    assert.deepEqual(toPage([], 3, (r: Row) => r.id), { data: [], has_more: false, next_cursor: null });
  });

  test('presents each kept row and never the extra one', () => {
    const presented: string[] = [];
    toPage(rows(3), 2, (r) => presented.push(r.id));
    assert.deepEqual(presented, ['id-0', 'id-1']);
  });
});
