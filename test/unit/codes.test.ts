import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidCustomCode, couldBeCode, randomCode } from '../../src/domain/codes.js';
import { AppError } from '../../src/domain/errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Asserts that fn throws a validation AppError naming the `code` field. */
function assertRejectsCode(code: string): void {
  assert.throws(
    () => assertValidCustomCode(code),
    (err: unknown) => {
      assert.ok(err instanceof AppError, 'throws an AppError');
      assert.equal(err.kind, 'validation');
      assert.equal(err.status, 400);
      assert.equal(err.errors?.[0]?.field, 'code');
      return true;
    },
    `rejects ${JSON.stringify(code)}`,
  );
}

describe('randomCode', () => {
  test('returns a code of exactly the requested length', () => {
    for (const length of [1, 5, 7, 32]) assert.equal(randomCode(length).length, length);
  });

  test('draws only from [0-9A-Za-z] and, over 2000 draws, uses every one of the 62 characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = randomCode(7);
      assert.match(code, /^[0-9A-Za-z]{7}$/);
      for (const c of code) seen.add(c);
    }
    assert.deepEqual([...seen].sort().join(''), [...ALPHABET].sort().join(''));
  });

  test('does not repeat itself across 2000 draws of 7 characters', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => randomCode(7)));
    assert.equal(codes.size, 2000);
  });
});

describe('assertValidCustomCode', () => {
  test('accepts the shortest (3) and longest (64) allowed codes', () => {
    assert.doesNotThrow(() => assertValidCustomCode('abc'));
    assert.doesNotThrow(() => assertValidCustomCode('a'.repeat(64)));
  });

  test('accepts letters, digits, "_" and "-" in any mix', () => {
    for (const code of ['My_Link-2024', '---', '___', 'A1b2C3']) {
      assert.doesNotThrow(() => assertValidCustomCode(code), code);
    }
  });

  test('when the code is 2 or 65 characters long, throws a validation error naming code', () => {
    assertRejectsCode('ab');
    assertRejectsCode('a'.repeat(65));
    assertRejectsCode('');
  });

  test('when the code contains a character outside the pattern, throws a validation error naming code', () => {
    for (const code of ['has space', 'slash/es', 'dot.ted', 'ümlaut', 'q?x', 'hash#1', 'abc\n']) {
      assertRejectsCode(code);
    }
  });

  test('when the code is a reserved word in any case, throws a validation error naming code', () => {
    for (const code of ['api', 'API', 'Api', 'healthz', 'HEALTHZ', 'docs', 'metrics', 'admin', 'readyz']) {
      assertRejectsCode(code);
    }
  });

  test('rejects openapi.json as reserved even though "." is outside the pattern', () => {
    assertRejectsCode('openapi.json');
    assertRejectsCode('OpenAPI.json');
  });

  test('accepts a code that merely contains a reserved word', () => {
    assert.doesNotThrow(() => assertValidCustomCode('api2'));
    assert.doesNotThrow(() => assertValidCustomCode('my-docs'));
  });

  test('names the reserved word in the message', () => {
    assert.throws(() => assertValidCustomCode('Admin'), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.match(err.errors?.[0]?.message ?? '', /Admin/);
      assert.match(err.errors?.[0]?.message ?? '', /reserved/);
      return true;
    });
  });
});

describe('couldBeCode', () => {
  test('is true for anything matching the custom-code pattern and for random codes', () => {
    assert.equal(couldBeCode('abc'), true);
    assert.equal(couldBeCode('x'.repeat(64)), true);
    assert.equal(couldBeCode('A_b-9'), true);
    assert.equal(couldBeCode(randomCode(7)), true);
  });

  test('is false for too short, too long, or foreign characters', () => {
    assert.equal(couldBeCode(''), false);
    assert.equal(couldBeCode('x'.repeat(65)), false);
    assert.equal(couldBeCode('favicon.ico'), false);
    assert.equal(couldBeCode('a/b/c'), false);
    assert.equal(couldBeCode('%41bc'), false);
  });
});
