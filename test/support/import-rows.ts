/** A reader for tests: each line of the file is one ImportRow as JSON (or the word `garbage`, which fails the file). */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { UnreadableFile, type ImportReader, type ImportRow, type ImportedLink } from '../../src/importers/record.js';

export const jsonLinesReader: ImportReader = async function* (input) {
  const lines = createInterface({ input: Readable.from(input), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    if (line === 'garbage') throw new UnreadableFile('line 1: not an export of this format');
    yield JSON.parse(line) as ImportRow;
  }
};

/** A peer's link with only what a test names; every other field unknown. */
export const peerLink = (over: Partial<ImportedLink> = {}): ImportedLink => ({
  url: 'https://example.com/', code: null, domain: null, title: null, tags: [], createdAt: null, expiresAt: null, clicks: 0, ...over,
});

/** The file of these rows, one JSON object a line, each row numbered by its place. */
export const jsonLines = (rows: readonly (ImportedLink | Omit<ImportRow, 'line'>)[]): string =>
  rows.map((row, i) => JSON.stringify('url' in row ? { line: i + 1, link: row } : { line: i + 1, ...row })).join('\n') + '\n';
