/**
 * Rewrites README.md's configuration table from the settings table (src/config/settings.ts), between
 * its markers. test/unit/config-readme.test.ts fails until this has run after a change to the table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../src/config/readme.js';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withSettingsTable(before);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'README.md: the settings table is up to date' : 'README.md: settings table rewritten');
