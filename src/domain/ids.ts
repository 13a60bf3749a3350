import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * CSPRNG bytes drawn 4 KiB at a time: one call into OpenSSL per 256 ids instead of one per id (a
 * click makes an id on every redirect, and per-call overhead showed as 11% of a redirect's CPU).
 */
let pool = Buffer.alloc(0);
let offset = 0;
function entropy(bytes: number): Buffer {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += bytes;
  return pool.subarray(offset - bytes, offset);
}

/**
 * UUIDv7 (RFC 9562): a millisecond timestamp, then a 12-bit counter (method 1, so ids made in one
 * millisecond by one process still sort in creation order), then 62 random bits. Opaque to clients,
 * but time-ordered: primary-key inserts append to the index, and (created_at, id) breaks ties in order.
 */
export function newId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    lastMs += 1; // 4,096 ids in one millisecond: borrow the next one rather than lose the order
    sequence = 0;
  }
  const b = entropy(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (sequence >> 8);
  b[7] = sequence & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
