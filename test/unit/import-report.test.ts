import { test } from 'node:test';
import assert from 'node:assert/strict';
import { count, emptyReport, MAX_EXAMPLES } from '../../src/domain/import-report.js';
import { derivedCode } from '../../src/domain/codes.js';

test('when rows are counted out of file order, then the examples are the first ten by line, and every row is counted', () => {
  const report = emptyReport(false);
  for (const line of [30, 4, 12, 50, 2, 8, 9, 40, 41, 42, 43, 3, 44]) count(report, 'conflicts', { line, code: `c${line}`, reason: 'taken' });
  assert.equal(report.conflicts, 13);
  assert.deepEqual(report.examples.conflicts.map((e) => e.line), [2, 3, 4, 8, 9, 12, 30, 40, 41, 42]);
  assert.equal(report.examples.conflicts.length, MAX_EXAMPLES);
  assert.deepEqual(report.examples.invalid, []);
});

test('when a kind has fewer than ten rows, then each is an example, in line order', () => {
  const report = emptyReport(true);
  count(report, 'skipped', { line: 9, code: null, reason: 'expired' });
  count(report, 'skipped', { line: 5, code: 'x', reason: 'banned' });
  assert.deepEqual(report.examples.skipped, [{ line: 5, code: 'x', reason: 'banned' }, { line: 9, code: null, reason: 'expired' }]);
  assert.equal(report.dryRun, true);
});

test('when the same parts are given, then derivedCode gives the same 7 characters of [0-9A-Za-z]; any other part another code', () => {
  const parts = ['owner', '', 'https://example.com/', '1556668800000', 'Title', '12'];
  const code = derivedCode(parts);
  assert.match(code, /^[0-9A-Za-z]{7}$/);
  assert.equal(derivedCode([...parts]), code);
  const others = new Set(parts.map((_, i) => derivedCode(parts.map((p, j) => (i === j ? `${p}x` : p)))));
  assert.equal(others.size, parts.length);
  assert.ok(!others.has(code));
  // Parts are kept apart: moving a character from one part to the next changes the code.
  assert.notEqual(derivedCode(['ab', 'c']), derivedCode(['a', 'bc']));
});
