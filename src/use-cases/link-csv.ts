/**
 * Links as CSV rows: the columns of Kurz's export, which `kurz import --from csv` reads back to the same
 * links (the generic CSV format of issue 17: `url` required, the rest optional, found by header name).
 */
import { stringify } from 'csv-stringify/sync';
import type { LinkRecord } from '../ports.js';

/**
 * The columns, in this order. Times are ISO 8601 UTC; `clicks` is the link's total (counted by Kurz and
 * imported from another shortener alike: one number, as a peer's export carries one); `rules`,
 * `destinations` and `og` are compact JSON exactly as stored (a time condition's bounds in epoch ms,
 * as the domain holds them), empty when none; a password is never exported, only whether there is one.
 */
export const CSV_COLUMNS = [
  'url', 'code', 'domain', 'title', 'tags', 'created_at', 'expires_at', 'clicks', 'redirect_type', 'max_clicks',
  'expired_url', 'archived', 'password_protected', 'rules', 'destinations', 'og',
] as const;

/** Tags are joined into one cell with it, the generic CSV's separator; a tag holding one (the API allows it) reads back as two. */
export const TAG_SEPARATOR = '|';

/**
 * CRLF ends a row: RFC 4180's record separator (Kurz's importer, Excel, LibreOffice and csv tools read
 * LF as well), and it keeps a title's own line breaks apart from the rows' in any viewer. csv-stringify
 * quotes a cell holding the record separator, not a lone LF or CR: `quoted_match` quotes those too,
 * or a title with a line break would split its row.
 */
export const CSV_OPTIONS = { record_delimiter: 'windows', quoted_match: /[\r\n]/ } as const;

/** The header row, terminated. */
export const csvHeader = (): string => stringify([[...CSV_COLUMNS]], CSV_OPTIONS);

/**
 * Rows of links, each terminated: cells quoted where RFC 4180 needs it (a comma, a quote, a line break),
 * and otherwise written as they are, even a title starting with = + - @: see DESIGN.md, "Export".
 */
export function csvRows(links: readonly LinkRecord[], hostname: (link: LinkRecord) => string): string {
  return stringify(links.map((link) => csvCells(link, hostname(link))), CSV_OPTIONS);
}

/** One link's cells, in CSV_COLUMNS' order, every one a string (csv-stringify would write false as an empty cell). */
export function csvCells(link: LinkRecord, hostname: string): string[] {
  return [
    link.url,
    link.code,
    hostname,
    link.title ?? '',
    link.tags.join(TAG_SEPARATOR),
    isoOf(link.createdAt),
    link.expiresAt === null ? '' : isoOf(link.expiresAt),
    String(link.clicks + link.importedClicks),
    String(link.redirectType),
    link.maxClicks === null ? '' : String(link.maxClicks),
    link.expiredUrl ?? '',
    String(link.archived),
    String(link.hasPassword),
    jsonOrEmpty(link.rules),
    jsonOrEmpty(link.destinations),
    jsonOrEmpty(link.og),
  ];
}

const isoOf = (ms: number): string => new Date(ms).toISOString();
const jsonOrEmpty = (value: object | null): string => (value === null ? '' : JSON.stringify(value));
