import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsNotPlain, isPlainText } from '../../src/domain/plain-text.js';

describe('plain text', () => {
  test('when text holds a C0 control, DEL or an unpaired surrogate, then it is not plain', () => {
    for (const s of ['\u0000', 'a\u0001', '\t', '\r\n', '\u001f', '\u007f', '\ud800', 'x\udc00y', '\udbff']) assert.equal(isPlainText(s), false, JSON.stringify(s));
  });

  test('when text is letters, punctuation, spaces, C1-free Unicode or a surrogate pair, then it is plain', () => {
    for (const s of ['', 'hello world', 'Crème brûlée', '🍮', '\u00a0', '\u0080', '\u2028', '日本語']) assert.equal(isPlainText(s), true, JSON.stringify(s));
  });

  test('when strings are nested, then each bad one is named as validation names fields', () => {
    const body = { url: 'ok', title: 'a\u0000', tags: ['ok', 'b\u0007'], rules: [{ url: 'c\u007f' }], n: 5, z: null };
    assert.deepEqual(fieldsNotPlain(body, 'body'), ['title', 'tags[1]', 'rules[0].url']);
    assert.deepEqual(fieldsNotPlain('\u0000', 'body'), ['body']);
    assert.deepEqual(fieldsNotPlain({ 'a\u0000': 1 }, 'body'), ['body']);
    assert.deepEqual(fieldsNotPlain({ q: ['a', '\u0000'] }, 'query'), ['q[1]']);
    assert.deepEqual(fieldsNotPlain(undefined, 'body'), []);
    assert.deepEqual(fieldsNotPlain(Object.assign(Object.create(Object.create(null)), { q: '\u0000' }), 'query'), ['q'], 'a query object (fast-querystring\'s prototype)');
    assert.deepEqual(fieldsNotPlain({ pipe: '\u0000' }, 'body'), ['pipe']);
    assert.deepEqual(fieldsNotPlain(Buffer.from('\u0000'), 'body'), [], 'a raw body is not walked');
  });

  test('when a body nests 100,000 arrays deep, then the walk finishes without a stack overflow', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(fieldsNotPlain({ x: deep }, 'body').length, 1);
  });

  test('when a body holds thousands of bad strings, then at most 20 are reported', () => {
    assert.equal(fieldsNotPlain(Array.from({ length: 5000 }, () => '\u0000'), 'body').length, 20);
  });
});
