/**
 * Export of a user's links (issue 17): the links a listing would show, read page by page with the
 * store's cursor, and written as CSV (use-cases/link-csv.ts) or as a JSON array, chunk by chunk, so an
 * export of any size holds one page in memory. The HTTP route and `kurz export` both write these chunks.
 */
import type { Cursor } from '../domain/cursor.js';
import type { LinkRecord } from '../ports.js';
import type { Actor } from './actor.js';
import { linkQuery, type LinkDeps, type LinkFilters } from './links.js';
import { csvHeader, csvRows } from './link-csv.js';

/** The formats an export is written in. */
export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Links read per store query: 1,000 rows of up to ~3.3 KB (a 2,048-character URL, 20 tags …) keep a page under 4 MB. */
export const EXPORT_PAGE_SIZE = 1000;

/** What an export uses: the listing's store and the domains, by id for their host names. */
export type ExportDeps = Pick<LinkDeps, 'store' | 'domains'>;

/**
 * An export's filters: a listing's, except that `archived` left out exports archived links and the
 * others alike (a listing shows only the others), so an export with no filter is every link.
 */
export type ExportFilters = LinkFilters;

/**
 * The links the actor may export, newest first, one page of at most EXPORT_PAGE_SIZE per store query.
 * The filters are checked now, before anything is read (403 for owner=all from a non-admin, 400 for a
 * domain), so a caller can refuse before it starts writing; the pages are read as they are asked for.
 */
export function exportLinks(deps: ExportDeps, actor: Actor, filters: ExportFilters): AsyncIterable<readonly LinkRecord[]> {
  const query = { ...linkQuery(deps, actor, filters), archived: filters.archived };
  return (async function* pages() {
    let cursor: Cursor | undefined;
    for (;;) {
      const rows = await deps.store.listLinks({ ...query, limit: EXPORT_PAGE_SIZE, cursor });
      // The store reads one row past the page: it only tells that another page follows.
      const page = rows.slice(0, EXPORT_PAGE_SIZE);
      if (page.length > 0) yield page;
      const last = page[page.length - 1];
      if (rows.length <= EXPORT_PAGE_SIZE || !last) return;
      cursor = { createdAt: last.createdAt, id: last.id };
    }
  })();
}

/**
 * An export written as text chunks, one a page: CSV (a header row first, even for no links) or one JSON
 * array of `present(link)`. Nothing is yielded before the first page has been read, so a store that
 * fails at once fails the first chunk, before a caller has written anything. Filters are checked now.
 */
export function exportChunks(
  deps: ExportDeps, actor: Actor, filters: ExportFilters, format: ExportFormat, present: (link: LinkRecord) => unknown,
): AsyncIterable<string> {
  const pages = exportLinks(deps, actor, filters);
  const hostname = (link: LinkRecord) => deps.domains.byId(link.domainId)?.hostname ?? '';
  return format === 'csv' ? csvChunks(pages, hostname) : jsonChunks(pages, present);
}

async function* csvChunks(pages: AsyncIterable<readonly LinkRecord[]>, hostname: (link: LinkRecord) => string): AsyncIterable<string> {
  let header = csvHeader();
  for await (const page of pages) {
    yield header + csvRows(page, hostname);
    header = '';
  }
  if (header !== '') yield header;
}

async function* jsonChunks(pages: AsyncIterable<readonly LinkRecord[]>, present: (link: LinkRecord) => unknown): AsyncIterable<string> {
  let before = '[';
  for await (const page of pages) {
    yield before + page.map((link) => JSON.stringify(present(link))).join(',');
    before = ',';
  }
  yield before === '[' ? '[]' : ']';
}
