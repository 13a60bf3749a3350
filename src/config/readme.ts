/**
 * README's configuration table, written from the settings table: `npm run docs:settings` puts it
 * between the markers, and test/unit/config-readme.test.ts fails when README holds anything else.
 */
import { settingsOf, UNIT_SUFFIX } from './setting.js';
import { SETTINGS_TABLE } from './settings.js';

export const README_MARKERS = {
  start: '<!-- settings: written by `npm run docs:settings` from src/config/settings.ts; edit there -->',
  end: '<!-- end of settings -->',
} as const;

export function settingsMarkdown(): string {
  const rows = [...settingsOf(SETTINGS_TABLE)].map(({ row }) => {
    const shown = row.shown ?? (row.default === undefined ? 'unset' : `\`${row.default}\``);
    return `| \`${row.name}\` | ${shown} | ${row.meaning.replace(/\|/g, '\\|')} |`;
  });
  const suffixes = Object.entries(UNIT_SUFFIX).map(([unit, suffix]) => `\`${suffix}\` ${unit === 'ms' ? 'milliseconds' : unit}`).join(', ');
  const renamed = [...settingsOf(SETTINGS_TABLE)].filter(({ row }) => row.formerly).map(({ row }) => `\`${row.formerly}\` (now \`${row.name}\`)`);
  return [
    '| setting | default | meaning |',
    '|---|---|---|',
    ...rows,
    '',
    `A setting with a unit ends its name with it: ${suffixes}. Older names still work, with a warning`,
    `at start-up: ${renamed.join(', ')}.`,
  ].join('\n');
}

/** `readme` with the text between the markers replaced by the table; throws when a marker is missing. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(README_MARKERS.start);
  const end = readme.indexOf(README_MARKERS.end);
  if (start < 0 || end < start) throw new Error(`README.md needs the lines ${README_MARKERS.start} and ${README_MARKERS.end}`);
  return `${readme.slice(0, start + README_MARKERS.start.length)}\n\n${settingsMarkdown()}\n\n${readme.slice(end)}`;
}
