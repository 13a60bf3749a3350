/**
 * YOURLS's links from a MySQL/MariaDB dump of its database: the INSERTs into its URL table, whose
 * prefix is the site's own (`yourls_url`, `myprefix_url`), so the table is known by its columns.
 * YOURLS/YOURLS includes/functions-install.php (`yourls_create_sql_tables`) defines them: `keyword`
 * varchar(100) utf8mb4_bin (the code, case-sensitive), `url` text, `title` text NULL, `timestamp`
 * timestamp, `ip` varchar(41), `clicks` int unsigned. Other tables (the log, the options) are skipped.
 */
import { count, epochMs } from './fields.js';
import { readSqlRows, type SqlValue } from './sql-dump.js';
import { UnreadableFile, type ImportReader, type ImportRow } from './record.js';
import { firstInvalidByte, hexByte, withoutBom } from './utf8.js';

/** The URL table's columns in YOURLS's order: what a data-only dump without CREATE TABLE is read by. */
const YOURLS_COLUMNS = ['keyword', 'url', 'title', 'timestamp', 'ip', 'clicks'] as const;

const isUrlTable = (columns: readonly string[]): boolean => columns.includes('keyword') && columns.includes('url');

/** The columns of `table`, when it is YOURLS's URL table; null otherwise. */
function urlColumns(table: string, columns: readonly string[] | null): readonly string[] | null {
  if (columns) return isUrlTable(columns) ? columns : null;
  // No CREATE TABLE and no column list (mysqldump --no-create-info): the name is all there is.
  return /(^|_)url$/.test(table) ? YOURLS_COLUMNS : null;
}

const fatal = new TextDecoder('utf-8', { fatal: true });

/** A value as text; a string that is not UTF-8 is reported by its first bad byte. */
function text(value: SqlValue, column: string): { text: string | null } | { invalid: string } {
  if (value === null || typeof value === 'string') return { text: value };
  try {
    return { text: fatal.decode(value) };
  } catch {
    return { invalid: `byte ${hexByte(value[firstInvalidByte(value)] ?? 0)} in column ${column} is not UTF-8` };
  }
}

/** One tuple of the URL table as a row. */
function yourlsRow(line: number, columns: readonly string[], values: SqlValue[]): ImportRow {
  if (values.length !== columns.length) return { line, invalid: `the row has ${values.length} values where the table has ${columns.length} columns` };
  const field: Record<string, string | null> = {};
  for (const column of ['keyword', 'url', 'title', 'timestamp', 'clicks']) {
    const at = columns.indexOf(column);
    if (at < 0) continue;
    const read = text(values[at]!, column);
    if ('invalid' in read) return { line, invalid: read.invalid };
    field[column] = read.text;
  }
  const url = field.url;
  if (!url) return { line, invalid: 'column url is empty' };
  const keyword = field.keyword;
  if (!keyword) return { line, invalid: 'column keyword is empty' };
  let createdAt: number | null = null;
  // MySQL's zero date stands for "unknown" in old installs' rows; mysqldump writes TIMESTAMP columns in
  // UTC (it sets TIME_ZONE='+00:00' unless --skip-tz-utc), so a time here without a zone is UTC.
  if (field.timestamp && !field.timestamp.startsWith('0000-00-00')) {
    createdAt = epochMs(field.timestamp);
    if (createdAt === null) return { line, invalid: `column timestamp is not a time: ${JSON.stringify(field.timestamp)}` };
  }
  const clicks = field.clicks === undefined || field.clicks === null ? 0 : count(field.clicks);
  if (clicks === null) return { line, invalid: `column clicks is not a count: ${JSON.stringify(field.clicks)}` };
  return {
    line,
    link: { url, code: keyword, domain: null, title: field.title || null, tags: [], createdAt, expiresAt: null, clicks },
  };
}

/** Reads YOURLS's URL table from a mysqldump or mariadb-dump file. */
export const readYourlsSql: ImportReader = async function* (input) {
  let found = false;
  const pick = (table: string, columns: readonly string[] | null): boolean => urlColumns(table, columns) !== null;
  const tables = new Map<string, readonly string[]>();
  for await (const row of readSqlRows(withoutBom(input), pick, tables)) {
    found = true;
    yield yourlsRow(row.line, urlColumns(row.table, row.columns)!, row.values);
  }
  // A YOURLS with no links yet dumps its table and no INSERT: nothing to read, but the right file.
  if (!found && ![...tables.values()].some(isUrlTable)) throw new UnreadableFile('not a YOURLS dump: no INSERT INTO a table with columns keyword and url (yourls_url)');
};
