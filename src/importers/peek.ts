/**
 * Looking at the start of an upload before choosing its reader (Bitly: JSON or CSV; YOURLS: a dump or
 * CSV) without losing those bytes: the reader chosen gets the whole input still.
 */

/** The first bytes of an input, and the input itself, whole, to read once. */
export interface Peeked {
  /** Up to `n` first bytes (fewer only when the input is shorter). */
  head: Uint8Array;
  /** Every byte of the input, `head` included, in order. */
  rest: AsyncIterable<Uint8Array>;
}

/** Reads chunks until `n` bytes are in hand (or the input ends), and hands back both. */
export async function peek(input: AsyncIterable<Uint8Array>, n: number): Promise<Peeked> {
  const iterator = input[Symbol.asyncIterator]();
  const taken: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) { done = true; break; }
    taken.push(next.value);
    length += next.value.length;
  }
  const all = Buffer.concat(taken);
  async function* rest(): AsyncIterable<Uint8Array> {
    try {
      if (all.length > 0) yield all;
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // A reader that stops early (a file that is not its format) closes the source, as for-await would.
      await iterator.return?.();
    }
  }
  return { head: all.subarray(0, n), rest: rest() };
}

/**
 * The first byte of `head` that is not a UTF-8 BOM or white space (`{` or `[` for JSON, `-`, `/` or a
 * letter for a dump, anything else for CSV), or null when there is none in it.
 */
export function firstSignificantByte(head: Uint8Array): number | null {
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  for (let i = start; i < head.length; i++) {
    const byte = head[i]!;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  }
  return null;
}
