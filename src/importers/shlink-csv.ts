/**
 * The CSV that Shlink's web client writes from its short-URL list ("Export"), with @json2csv/plainjs: a
 * header, every text quoted. Two layouts, both read:
 * - since April 2023 (shlinkio/shlink-web-client 992b22fd, now shlinkio/shlink-web-component,
 *   src/short-urls/helpers/ExportShortUrlsBtn.tsx): createdAt, domain, shortCode, shortUrl, longUrl, title,
 *   tags joined by `|` (as Shlink's own CSV import, shlinkio/shlink-importer src/Sources/Csv/CsvImporter.php,
 *   splits them), visits;
 * - from March 2022 to then: createdAt, shortUrl, longUrl, title, tags joined by `,`, visits; the domain and
 *   code are read from shortUrl, as the newer client does to write them.
 * createdAt is Shlink's dateCreated, ISO 8601 with its offset. The export carries no flag of a link Shlink
 * would refuse (its validity dates and visit limit are not in it).
 */
import { type CsvRow, readCsv } from './csv-table.js';
import { countCell, listCell, shortLinkCell, timeCell, trimmed, verbatim } from './cells.js';
import type { ImportReader, ImportRow } from './record.js';

const NAMES = {
  longUrl: ['longUrl', 'long_url', 'originalUrl'],
  shortCode: ['shortCode', 'short_code'],
  domain: ['domain'],
  shortUrl: ['shortUrl', 'short_url'],
  title: ['title'],
  tags: ['tags'],
  createdAt: ['createdAt', 'dateCreated', 'created_at'],
  visits: ['visits', 'visitsCount', 'visits_count'],
} as const;

type Column = keyof typeof NAMES;

/** Reads the Shlink web client's short-URL export. */
export const readShlinkCsv: ImportReader = (input) =>
  readCsv(input, { what: 'a Shlink short-URL export', names: NAMES, required: ['longUrl'] }, linkOf);

function linkOf({ line, cells, label, has }: CsvRow<Column>): ImportRow {
  const url = trimmed(cells.longUrl);
  if (url === null) return { line, invalid: `${label.longUrl} is empty` };
  const short = shortLinkCell(cells.shortUrl, label.shortUrl);
  return {
    line,
    link: {
      url,
      code: trimmed(cells.shortCode) ?? short?.code ?? null,
      domain: trimmed(cells.domain)?.toLowerCase() ?? short?.domain ?? null,
      title: verbatim(cells.title),
      tags: listCell(cells.tags, has.has('shortCode') ? '|' : ','),
      createdAt: timeCell(cells.createdAt, label.createdAt),
      expiresAt: null,
      clicks: countCell(cells.visits, label.visits)!,
    },
  };
}
