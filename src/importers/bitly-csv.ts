/**
 * Bitly's CSV export of links (Links → Export in its web app, mailed as a file). Bitly publishes no
 * layout for it, and the accounts of it disagree, so every name found is accepted:
 * - URLR's migration guide (URLR/urlr-docs, i18n/en/docusaurus-plugin-content-docs/current/migration/bitly.md):
 *   "Link", "Custom Link", "Destination URL";
 * - DhananjayThomble/URL-Shortener-App (web/src/lib/import/sources/bitly.ts, from a real export): "Bitlink",
 *   "Title", "Long URL", "Tags", "Created", "Total Clicks", "Archived";
 * - Bitly's API v4 field names, which spreadsheets made from it keep (`long_url`, `link`, `id`,
 *   `custom_bitlinks`, `created_at`, `archived`; dev.bitly.com, getBitlinksByGroup).
 * The bitlink is "bit.ly/3abcDef" or a full URL: its host is the domain, its path the code. A custom
 * bitlink (a back-half the owner chose, on bit.ly or a branded domain) wins over it, the first when a
 * cell lists several. Tags are separated by commas, semicolons or `|`, as these sources differ. Times are
 * ISO 8601 (`2020-10-26T17:20:40+0000` in the API) or "2020-10-26 17:20:40", UTC when no zone is named.
 */
import { type CsvRow, readCsv } from './csv-table.js';
import { countCell, flagCell, shortLinkCell, listCell, timeCell, trimmed, verbatim } from './cells.js';
import type { ImportReader, ImportRow } from './record.js';

const NAMES = {
  url: ['long_url', 'destination_url', 'destination', 'original_url', 'long_link', 'url'],
  bitlink: ['bitlink', 'link', 'short_link', 'short_url', 'bitlink_id', 'id'],
  custom: ['custom_bitlinks', 'custom_bitlink', 'custom_link', 'custom_links', 'custom_back_half', 'back_half'],
  title: ['title', 'name'],
  tags: ['tags', 'labels'],
  created: ['created_at', 'created', 'date_created', 'creation_date', 'date'],
  clicks: ['clicks', 'total_clicks', 'engagements', 'total_engagements', 'user_clicks'],
  archived: ['archived', 'hidden'],
} as const;

type Column = keyof typeof NAMES;

/** Reads Bitly's CSV export; an archived (hidden) link is skipped with that reason. */
export const readBitlyCsv: ImportReader = (input) =>
  readCsv(input, { what: 'a Bitly CSV export', names: NAMES, required: ['url'] }, linkOf);

function linkOf({ line, cells, label }: CsvRow<Column>): ImportRow {
  const url = trimmed(cells.url);
  if (url === null) return { line, invalid: `${label.url} is empty` };
  const custom = listCell(cells.custom, /[\s,;|]+/)[0];
  const short = shortLinkCell(custom, label.custom) ?? shortLinkCell(cells.bitlink, label.bitlink);
  const code = short?.code ?? null;
  if (flagCell(cells.archived, label.archived)) {
    return { line, skipped: 'archived', code, detail: 'The link is archived (hidden) in Bitly.' };
  }
  return {
    line,
    link: {
      url,
      code,
      domain: short?.domain ?? null,
      title: verbatim(cells.title),
      tags: listCell(cells.tags, /[,;|]/),
      createdAt: timeCell(cells.created, label.created),
      expiresAt: null,
      clicks: countCell(cells.clicks, label.clicks)!,
    },
  };
}
