/** Feeding readers of peers' exports (src/importers) in tests: fixture files, cut into chunks of any size. */
import { readFileSync } from 'node:fs';
import type { ImportReader, ImportRow } from '../../src/importers/record.js';

/** The bytes of test/fixtures/import/<name>. */
export const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));

/** `bytes` as a stream of chunks of `size` bytes, so tests can prove that chunk boundaries do not matter. */
export async function* chunked(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Every row `reader` yields for `input` (bytes or text), read in chunks of `size` bytes. */
export async function readAll(reader: ImportReader, input: Uint8Array | string, size?: number): Promise<ImportRow[]> {
  const rows: ImportRow[] = [];
  for await (const row of reader(chunked(typeof input === 'string' ? Buffer.from(input) : input, size))) rows.push(row);
  return rows;
}
