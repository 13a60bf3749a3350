import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefersHtml } from '../../src/http/accept.js';

test('when a browser navigates, then it prefers HTML', () => {
  assert.equal(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), true); // Chromium, Firefox
  assert.equal(prefersHtml('text/html'), true);
  assert.equal(prefersHtml('text/*'), true);
  assert.equal(prefersHtml('application/json;q=0.5, text/html'), true);
});

test('when a program asks, or nothing is said, or it is a tie, then it does not prefer HTML', () => {
  for (const accept of [undefined, '', '*/*', 'application/json', 'application/problem+json', 'text/html;q=0.5, application/json',
    'text/html, application/json', 'text/html;q=0', 'image/png', 'application/*, text/html;q=0.9', 'garbage']) {
    assert.equal(prefersHtml(accept), false, String(accept));
  }
});

test('when a more specific range names HTML, then its q wins over */*', () => {
  assert.equal(prefersHtml('*/*;q=0.9, text/html;q=0.1'), false);
  assert.equal(prefersHtml('text/html;q=0.1, */*;q=0'), true);
});
