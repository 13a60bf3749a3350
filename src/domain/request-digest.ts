import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so that two bodies that mean the same ({"a":1,"b":2} and
 * {"b":2,"a":1}, or with other spacing) give the same text. Arrays keep their order: it is meaningful.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex) of an operation and its canonical body: what an Idempotency-Key is bound to. */
export const requestDigest = (operation: string, body: unknown): string =>
  createHash('sha256').update(`${operation}\n${canonicalJson(body)}`).digest('hex');
