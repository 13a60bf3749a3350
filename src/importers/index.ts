import type { ImportFormat, ImportReader } from './record.js';

/** The reader of each format. Placeholder of the import branch: the integrator puts the readers of the csv and json-sql branches here. */
export function readerFor(format: ImportFormat): ImportReader {
  throw new Error(`no reader for ${format} yet`);
}
