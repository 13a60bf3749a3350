/**
 * The reader of each format. Two peers export in two layouts (Bitly: a CSV from its web app or JSON
 * from its API; YOURLS: phpMyAdmin's CSV or a dump), told apart by the file's first significant byte,
 * so `--from bitly` takes either file as it is.
 */
import { readBitlyCsv } from './bitly-csv.js';
import { readBitlyJson } from './bitly-json.js';
import { readGenericCsv } from './generic-csv.js';
import { readKuttJson } from './kutt-json.js';
import { firstSignificantByte, peek } from './peek.js';
import type { ImportFormat, ImportReader } from './record.js';
import { readShlinkCsv } from './shlink-csv.js';
import { readYourlsCsv } from './yourls-csv.js';
import { readYourlsSql } from './yourls-sql.js';

type Layout = 'csv' | 'json' | 'sql';

/** The readers of a format, by layout; the first is the one a file of no recognisable layout gets. */
const READERS: Record<ImportFormat, Partial<Record<Layout, ImportReader>>> = {
  bitly: { csv: readBitlyCsv, json: readBitlyJson },
  kutt: { json: readKuttJson },
  shlink: { csv: readShlinkCsv },
  yourls: { csv: readYourlsCsv, sql: readYourlsSql },
  csv: { csv: readGenericCsv },
};

// What a dump starts with: a comment (`--`, `/*`, mariadb-dump's `/*M!999999`) or a statement.
const SQL_START = /^(?:--|\/\*|#|(?:SET|INSERT|CREATE|DROP|LOCK|USE|START|BEGIN)\b)/i;

/** The layout of a file by its first bytes: JSON opens with `{` or `[`, a dump with a comment or a statement. */
function layoutOf(head: Uint8Array): Layout {
  const first = firstSignificantByte(head);
  if (first === 0x7b || first === 0x5b) return 'json';
  const text = Buffer.from(head).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  return SQL_START.test(text) ? 'sql' : 'csv';
}

/** The reader for a file of `format`: it looks at the first bytes, then reads the whole file with the reader of its layout. */
export function readerFor(format: ImportFormat): ImportReader {
  const readers = READERS[format];
  return async function* (input) {
    const { head, rest } = await peek(input, 64);
    const layout = layoutOf(head);
    const reader = readers[layout] ?? Object.values(readers)[0]!;
    yield* reader(rest);
  };
}
