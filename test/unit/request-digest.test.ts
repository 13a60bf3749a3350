import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, requestDigest } from '../../src/domain/request-digest.js';

test('when object keys come in another order or with other spacing, then the canonical JSON and the digest are the same', () => {
  const a = JSON.parse('{"links":[{"url":"https://e.com/","tags":["x","y"],"title":null}],"z":1}');
  const b = JSON.parse('{ "z": 1, "links": [ { "title": null, "tags": ["x","y"], "url": "https://e.com/" } ] }');
  assert.equal(canonicalJson(a), '{"links":[{"tags":["x","y"],"title":null,"url":"https://e.com/"}],"z":1}');
  assert.equal(canonicalJson(b), canonicalJson(a));
  assert.equal(requestDigest('op', a), requestDigest('op', b));
  assert.match(requestDigest('op', a), /^[0-9a-f]{64}$/);
});

test('when array order, a value, a type or the operation differs, then the digest differs', () => {
  const base = requestDigest('op', { links: [{ url: 'a' }, { url: 'b' }] });
  assert.notEqual(requestDigest('op', { links: [{ url: 'b' }, { url: 'a' }] }), base);
  assert.notEqual(requestDigest('op', { links: [{ url: 'a' }, { url: 'c' }] }), base);
  assert.notEqual(requestDigest('other', { links: [{ url: 'a' }, { url: 'b' }] }), base);
  assert.notEqual(requestDigest('op', { n: 1 }), requestDigest('op', { n: '1' }));
});

test('when a key holds characters JSON escapes, then it is escaped as JSON does', () => {
  assert.equal(canonicalJson({ 'a"b': 'c\\d', é: [1, null, true] }), '{"a\\"b":"c\\\\d","é":[1,null,true]}');
});
