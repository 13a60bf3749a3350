/**
 * Finding the bytes that are not UTF-8 in an export, so that the row holding one is reported rather
 * than stored as mojibake or U+FFFD. The rules are the WHATWG decoder's (the same as a fatal
 * TextDecoder): no overlong forms, no surrogates (ED A0..BF), nothing above U+10FFFF.
 */
import { isUtf8 } from 'node:buffer';

/** A byte that is not part of a well-formed UTF-8 sequence, by its offset from the start of the input. */
export interface BadByte {
  /** 0-based offset of the byte in the whole input. */
  offset: number;
  /** The byte itself, for the message ("byte 0xE9 … is not UTF-8"). */
  byte: number;
}

/** `0xE9` for 233: how the messages name a byte. */
export const hexByte = (byte: number): string => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;

const QUESTION_MARK = 0x3f;

/** The index of the first byte that does not begin a well-formed UTF-8 sequence, or -1. */
export function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const more = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (more === 0 || i + more >= b.length) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1]! < low || b[i + 1]! > high) return i;
    for (let k = 2; k <= more; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return i;
    i += more + 1;
  }
  return -1;
}

/**
 * A streaming check of UTF-8 over chunks: `write` returns the bytes that are known to be complete, with
 * every bad byte replaced by `?` (one byte for one, so offsets stay the input's), and reports each bad
 * byte through `onBad`. A sequence cut by a chunk boundary is held back until the next chunk decides it.
 */
export class Utf8Guard {
  /** Called once per bad byte, in input order. */
  onBad: (bad: BadByte) => void = () => {};
  private carry: Uint8Array = new Uint8Array(0);
  /** Offset of `carry[0]` (or of the next chunk when nothing is carried) in the whole input. */
  private base = 0;

  /** The checked bytes of `chunk` (and of what was carried before it), ready for a parser. */
  write(chunk: Uint8Array): Uint8Array {
    const bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = new Uint8Array(0);
    // Nearly every chunk of a real export is well formed: one native check, no copy.
    if (isUtf8(bytes)) {
      this.base += bytes.length;
      return bytes;
    }
    return this.repair(bytes);
  }

  /** The bytes still held back at the end of the input: an unfinished sequence, all of it bad. */
  end(): Uint8Array {
    const rest = Uint8Array.from(this.carry);
    for (let i = 0; i < rest.length; i++) this.bad(rest, i);
    this.base += rest.length;
    this.carry = new Uint8Array(0);
    return rest;
  }

  private bad(out: Uint8Array, i: number): void {
    this.onBad({ offset: this.base + i, byte: out[i]! });
    out[i] = QUESTION_MARK;
  }

  private repair(bytes: Uint8Array): Uint8Array {
    const out = Uint8Array.from(bytes);
    let i = 0;
    while (i < out.length) {
      const lead = out[i]!;
      if (lead < 0x80) { i++; continue; }
      const need = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
      if (need === 0) { this.bad(out, i); i++; continue; }
      // The second byte's range is narrower after E0, ED, F0 and F4 (overlongs, surrogates, > U+10FFFF).
      let lower = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      let upper = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      let seen = 0;
      while (seen < need && i + 1 + seen < out.length) {
        const next = out[i + 1 + seen]!;
        if (next < lower || next > upper) break;
        lower = 0x80;
        upper = 0xbf;
        seen++;
      }
      if (seen === need) { i += need + 1; continue; }
      if (i + 1 + seen === out.length) {
        // Cut by the end of the chunk: the next one decides.
        this.carry = out.slice(i);
        this.base += i;
        return out.subarray(0, i);
      }
      for (let k = 0; k <= seen; k++) this.bad(out, i + k);
      i += seen + 1;
    }
    this.base += out.length;
    return out;
  }
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * The input without its leading UTF-8 byte order mark, even one split across chunks. `found.bom` tells
 * afterwards whether there was one (messages give offsets in the file, BOM included).
 */
export async function* withoutBom(input: AsyncIterable<Uint8Array>, found: { bom: boolean } = { bom: false }): AsyncIterable<Uint8Array> {
  let head: Uint8Array = new Uint8Array(0);
  let decided = false;
  for await (const chunk of input) {
    if (decided) { yield chunk; continue; }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const n = Math.min(head.length, BOM.length);
    if (head.subarray(0, n).some((byte, i) => byte !== BOM[i])) { decided = true; yield head; continue; }
    if (head.length < BOM.length) continue;
    decided = true;
    found.bom = true;
    if (head.length > BOM.length) yield head.subarray(BOM.length);
  }
  if (!decided && head.length > 0 && head.length < BOM.length) yield head;
}
