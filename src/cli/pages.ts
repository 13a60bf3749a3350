/** Listings read whole, page after page, as the API's clients page through them. */
import type { Cursor } from '../domain/cursor.js';

/** Rows a page while collecting a listing: the API's largest page. */
const PAGE = 500;

/**
 * The rows of a newest-first listing, page after page, until it ends or `wanted` are in, and whether
 * more were left. `fetch` returns up to limit + 1 rows (the store's convention: the extra one says
 * another page exists).
 */
export async function collect<R extends Cursor>(fetch: (limit: number, cursor: Cursor | undefined) => Promise<R[]>, wanted = Infinity): Promise<{ rows: R[]; more: boolean }> {
  const rows: R[] = [];
  for (let cursor: Cursor | undefined; rows.length < wanted;) {
    const limit = Math.min(PAGE, wanted - rows.length);
    const page = await fetch(limit, cursor);
    rows.push(...page.slice(0, limit));
    if (page.length <= limit) return { rows, more: false };
    const last = page[limit - 1]!;
    cursor = { createdAt: last.createdAt, id: last.id };
  }
  return { rows, more: true };
}
