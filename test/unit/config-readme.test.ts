import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { README_MARKERS, settingsMarkdown, withSettingsTable } from '../../src/config/readme.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('when README.md is read, then its configuration table is the one the settings table writes (else: npm run docs:settings)', () => {
  const start = readme.indexOf(README_MARKERS.start);
  const end = readme.indexOf(README_MARKERS.end);
  assert.ok(start >= 0 && end > start, 'README.md has the settings markers');
  const written = readme.slice(start + README_MARKERS.start.length, end).trim();
  assert.equal(written, settingsMarkdown(), 'README.md and src/config/settings.ts disagree: run npm run docs:settings');
  assert.equal(withSettingsTable(readme), readme);
});
