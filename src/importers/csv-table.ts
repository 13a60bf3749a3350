/**
 * A peer's CSV export as rows of named cells. Columns are found by their header name, case, spaces,
 * underscores, dashes and dots ignored, under every name the peer has used, so they may come in any order
 * and unknown ones are ignored. A file without a header row (YOURLS's table as phpMyAdmin exports it by
 * default) is read by position once its first row reads as data.
 */
import { CellError } from './cells.js';
import { type CsvRecord, CsvScanner } from './csv-records.js';
import type { ImportRow } from './record.js';

/** A header name as compared: lower case, without spaces, underscores, dashes or dots. */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[\s_.-]+/g, '');

/** Each column a reader knows, with the names its peer has written it under (the first is its own name). */
export type ColumnNames<K extends string> = Readonly<Record<K, readonly string[]>>;

/** Where each column sits in `header` (-1: absent), or the first `required` column it lacks. */
export function columns<K extends string>(
  header: readonly string[],
  names: ColumnNames<K>,
  required: readonly K[],
): { at: Record<K, number> } | { missing: K } {
  const position = new Map<string, number>();
  header.forEach((name, i) => {
    const key = normalizeName(name);
    if (!position.has(key)) position.set(key, i);
  });
  const at = {} as Record<K, number>;
  for (const key of Object.keys(names) as K[]) {
    const found = names[key].map((n) => position.get(normalizeName(n))).find((i) => i !== undefined);
    at[key] = found ?? -1;
  }
  const missing = required.find((key) => at[key] < 0);
  return missing === undefined ? { at } : { missing };
}

/** How one peer writes its CSV export. */
export interface CsvFormat<K extends string> {
  /** What the file should be, for the error when it is not: "a Bitly CSV export". */
  what: string;
  /** The columns the reader uses, each under every name the peer has written it as. */
  names: ColumnNames<K>;
  /** The columns no row can be read without: a header lacking one is not this format. */
  required: readonly NoInfer<K>[];
  /** phpMyAdmin writes SQL NULL as a bare NULL and quotes every value: a bare NULL is an absent cell. */
  bareNull?: boolean;
  /** For a file without a header row: its columns in order, and whether its first record reads as data. */
  headerless?: { order: readonly NoInfer<K>[]; accepts: (first: CsvRecord) => boolean };
}

/** One data row of the table. */
export interface CsvRow<K extends string> {
  /** The 1-based line of the file where the row starts. */
  line: number;
  /** Each column's text as written; absent when the file has no such column, the row stops short, or it is NULL. */
  cells: Partial<Record<K, string>>;
  /** Each column's name as the file's header writes it (else its own name), for messages. */
  label: Readonly<Record<K, string>>;
  /** The columns the file has. */
  has: ReadonlySet<K>;
}

/** The columns of one file: where each found one sits, and its name there. */
interface Table<K extends string> {
  /** The columns the file has, by field index. */
  found: { key: K; index: number }[];
  /** See CsvRow.label. */
  label: Record<K, string>;
  /** See CsvRow.has. */
  has: Set<K>;
  /** Whether the first record is a row of data (a file without a header). */
  headless: boolean;
}

/**
 * Reads `input` as `format`, one row at a time, and makes each an import row with `toRow`. A record that
 * cannot be read, a byte that is not UTF-8 in a column the reader uses, and a CellError thrown by `toRow`
 * make that row invalid; reading goes on. A first row that is not this format's header throws.
 */
export async function* readCsv<K extends string>(
  input: AsyncIterable<Uint8Array>,
  format: CsvFormat<K>,
  toRow: (row: CsvRow<K>) => ImportRow,
): AsyncGenerator<ImportRow> {
  const scanner = new CsvScanner();
  let table: Table<K> | undefined;
  const rows = function* (records: CsvRecord[]): Generator<ImportRow> {
    for (const record of records) {
      if (table === undefined) {
        table = tableOf(record, format);
        if (!table.headless) continue;
      }
      yield rowOf(record, table, format, toRow);
    }
  };
  for await (const chunk of input) yield* rows(scanner.push(chunk));
  yield* rows(scanner.end());
}

/** The table a file's first record opens: its header, or (headerless formats) its first row of data. */
function tableOf<K extends string>(first: CsvRecord, format: CsvFormat<K>): Table<K> {
  if (first.fault !== null) throw new Error(`not ${format.what}: its first row cannot be read (${first.fault})`);
  const header = Array.from({ length: first.size }, (_, i) => first.text(i)?.trim() ?? '');
  const match = columns(header, format.names, format.required);
  if ('at' in match) {
    const found = (Object.keys(match.at) as K[]).filter((key) => match.at[key] >= 0).map((key) => ({ key, index: match.at[key] }));
    return table(format.names, found, (key, index) => header[index] || key, false);
  }
  const { headerless } = format;
  if (headerless && first.size >= headerless.order.length && headerless.accepts(first)) {
    return table(format.names, headerless.order.map((key, index) => ({ key, index })), (key) => key, true);
  }
  const named = `no column named ${format.names[match.missing].join(' or ')}`;
  throw new Error(`not ${format.what}: ${headerless ? `${named}, nor a first row of ${headerless.order.join(', ')}` : named}`);
}

/** A table of the `found` columns; a column the file lacks is labelled by its own name. */
function table<K extends string>(names: ColumnNames<K>, found: Table<K>['found'], name: (key: K, index: number) => string, headless: boolean): Table<K> {
  const label = {} as Record<K, string>;
  for (const key of Object.keys(names) as K[]) label[key] = names[key][0]!;
  for (const { key, index } of found) label[key] = name(key, index);
  return { found, label, has: new Set(found.map((f) => f.key)), headless };
}

/** One record as an import row: invalid when it cannot be read, else whatever `toRow` makes of its cells. */
function rowOf<K extends string>(record: CsvRecord, table: Table<K>, format: CsvFormat<K>, toRow: (row: CsvRow<K>) => ImportRow): ImportRow {
  const { line } = record;
  if (record.fault !== null) return { line, invalid: record.fault };
  const cells: Partial<Record<K, string>> = {};
  for (const { key, index } of table.found) {
    if (index >= record.size) continue;
    const text = record.text(index);
    if (text === undefined) return { line, invalid: `byte ${hex(record.badByte(index) ?? 0)} in column ${table.label[key]} is not UTF-8` };
    if (format.bareNull && text === 'NULL' && !record.quoted(index)) continue;
    cells[key] = text;
  }
  try {
    return toRow({ line, cells, label: table.label, has: table.has });
  } catch (err) {
    if (err instanceof CellError) return { line, invalid: err.message };
    throw err;
  }
}

/** A byte as written in messages: 0xE9. */
const hex = (byte: number): string => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
