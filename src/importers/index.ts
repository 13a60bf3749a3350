import type { ImportFormat, ImportReader } from './record.js';
import { readGenericCsv } from './generic-csv.js';

/**
 * The reader of each format. Placeholder of the import and web branches: the generic CSV (of the csv
 * branch) is wired so the dashboard's browser test can import through a real server; the integrator
 * puts the readers of the csv and json-sql branches here.
 */
export function readerFor(format: ImportFormat): ImportReader {
  if (format === 'csv') return readGenericCsv;
  throw new Error(`no reader for ${format} yet`);
}
