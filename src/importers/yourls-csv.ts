/**
 * YOURLS's `yourls_url` table exported as CSV by phpMyAdmin. The table (YOURLS/YOURLS,
 * includes/functions-install.php, yourls_create_sql_tables) is keyword, url, title, timestamp, ip, clicks;
 * forks append columns, which are ignored. phpMyAdmin's CSV defaults: values separated by `,`, enclosed
 * and escaped by `"`, lines ended by the server's line break, SQL NULL written as a bare NULL; the column
 * names in a first row are off by default in older releases (`csv_columns` false in config.default.php)
 * and on in current ones (phpmyadmin/phpmyadmin, src/Config/Settings/Export.php): both are read.
 * Timestamps are "2024-05-01 10:00:00" in UTC (YOURLS sets PHP's zone to UTC: includes/Config/Init.php);
 * MySQL's zero date means none. Keywords are kept as written, one or two characters ones too.
 */
import { type CsvRow, readCsv } from './csv-table.js';
import { countCell, isoTime, timeCell, trimmed, verbatim } from './cells.js';
import type { ImportReader, ImportRow } from './record.js';

const NAMES = {
  keyword: ['keyword'],
  url: ['url'],
  title: ['title'],
  timestamp: ['timestamp'],
  ip: ['ip'],
  clicks: ['clicks'],
} as const;

type Column = keyof typeof NAMES;

const ZERO_DATE = /^0000-00-00( 00:00:00)?$/;

/** Reads a phpMyAdmin CSV export of `yourls_url`, with or without its header row. */
export const readYourlsCsv: ImportReader = (input) =>
  readCsv(
    input,
    {
      what: 'a phpMyAdmin CSV export of yourls_url',
      names: NAMES,
      required: ['keyword', 'url'],
      bareNull: true,
      headerless: {
        order: ['keyword', 'url', 'title', 'timestamp', 'ip', 'clicks'],
        // A first row is data when its timestamp and clicks read as such: a header of another file does not.
        accepts: (first) => {
          const timestamp = first.text(3)?.trim() ?? '';
          return (ZERO_DATE.test(timestamp) || isoTime(timestamp) !== null) && /^\d+$/.test(first.text(5)?.trim() ?? '');
        },
      },
    },
    linkOf,
  );

function linkOf({ line, cells, label }: CsvRow<Column>): ImportRow {
  const code = trimmed(cells.keyword);
  if (code === null) return { line, invalid: `${label.keyword} is empty` };
  const url = trimmed(cells.url);
  if (url === null) return { line, invalid: `${label.url} is empty` };
  const timestamp = trimmed(cells.timestamp);
  return {
    line,
    link: {
      url,
      code,
      domain: null,
      title: verbatim(cells.title),
      tags: [],
      createdAt: timestamp === null || ZERO_DATE.test(timestamp) ? null : timeCell(timestamp, label.timestamp),
      expiresAt: null,
      clicks: countCell(cells.clicks, label.clicks)!,
    },
  };
}
