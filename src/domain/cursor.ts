import { invalid } from './errors.js';

/** Position in a newest-first listing: the (created_at, id) of the last row of the previous page. */
export interface Cursor {
  createdAt: number;
  id: string;
}

export const encodeCursor = (c: Cursor): string =>
  Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');

export function decodeCursor(raw: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) && value.length === 2 &&
      Number.isSafeInteger(value[0]) && typeof value[1] === 'string' && value[1].length > 0 && value[1].length <= 64
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through: any decoding failure is the same client error
  }
  throw invalid('cursor', 'is malformed; pass back next_cursor from the previous page');
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
  has_more: boolean;
}

/** The store fetches limit + 1 rows; the extra row only tells whether another page exists. */
export function toPage<R extends { createdAt: number; id: string }, T>(
  rows: R[],
  limit: number,
  present: (row: R) => T,
): Page<T> {
  const has_more = rows.length > limit;
  const kept = has_more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    data: kept.map(present),
    next_cursor: has_more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    has_more,
  };
}
