/**
 * What a reader of a peer's export yields, one row at a time: a link as the peer had it, a row the peer
 * itself would not serve (banned, expired, protected by a password the export cannot carry), or a row
 * that cannot be read. Readers only read: whether a URL is safe, a code free or a domain known is decided
 * by the import use case (use-cases/import-links.ts), the same for every format.
 */
import type { RedirectType } from '../domain/redirect-decision.js';
import type { Destination, OpenGraph, Rule } from '../domain/routing.js';

/** The formats `kurz import --from` and `POST /api/v1/imports` read. */
export const IMPORT_FORMATS = ['bitly', 'kutt', 'shlink', 'yourls', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A link as the peer served it; every field but `url` may be unknown (null, [] or 0). */
export interface ImportedLink {
  /** The destination, as written in the export (checked later by the URL policy). */
  url: string;
  /** The short code (Bitly: the back-half of the custom link when there is one), case kept; null: Kurz draws one. */
  code: string | null;
  /** Lower-case host of the peer's short link (bit.ly, kutt.it, a custom domain); null: the peer's default or unknown. */
  domain: string | null;
  title: string | null;
  tags: string[];
  /** Epoch milliseconds. */
  createdAt: number | null;
  /** Epoch milliseconds; a past expiry is skipped by the use case. */
  expiresAt: number | null;
  /** The peer's visit total: kept as the link's historical clicks. */
  clicks: number;
  /** What Kurz's own export carries besides (the generic CSV reads them back); absent from peers' formats. */
  extra?: Partial<{
    redirectType: RedirectType;
    maxClicks: number | null;
    expiredUrl: string | null;
    archived: boolean;
    rules: Rule[] | null;
    destinations: Destination[] | null;
    og: OpenGraph | null;
  }>;
}

/** Why the peer itself would not serve a row, so it is skipped rather than imported. */
export type SkipReason = 'banned' | 'expired' | 'password' | 'archived' | 'deleted';

/** One row of an export, by where it starts: line 1 is the file's first line (JSON: the item's 1-based index). */
export type ImportRow =
  | { line: number; link: ImportedLink }
  | { line: number; skipped: SkipReason; code: string | null; detail: string }
  | { line: number; invalid: string };

/** Thrown by a reader for a file that is not its format at all (its message says why, for a person); a row that cannot be read is an invalid row instead. */
export class UnreadableFile extends Error {}

/** Reads one format from a stream of bytes, yielding rows in file order with bounded memory whatever the size. */
export type ImportReader = (input: AsyncIterable<Uint8Array>) => AsyncIterable<ImportRow>;
