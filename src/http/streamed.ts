import { Readable } from 'node:stream';

/**
 * A body streamed from chunks, once the first of them is in: an error before it (the store down, a
 * refused filter) is still answered as a problem, since no header has gone out. An error after it can
 * only cut the response short: the connection is closed without chunked encoding's last chunk, so a
 * client sees a truncated transfer, never a complete-looking one.
 */
export async function streamed(chunks: AsyncIterable<string>): Promise<Readable> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  return Readable.from((async function* body() {
    try {
      if (!first.done) yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // A client that goes away stops the reading: the generator behind the chunks runs its own finally.
      await iterator.return?.();
    }
  })(), { objectMode: false });
}
