/**
 * The generic CSV: `url` and any of the other columns below, in any order. It is also what Kurz's own
 * export writes, so it reads back what only Kurz has (redirect type, limits, routing, previews) into
 * `extra`. Routing is only parsed as JSON here; the import use case validates it like the API does.
 */
import { type ColumnNames, type CsvRow, readCsv } from './csv-table.js';
import { badCell, countCell, flagCell, shown, listCell, timeCell, trimmed, verbatim } from './cells.js';
import type { ImportedLink, ImportReader, ImportRow } from './record.js';
import type { RedirectType } from '../domain/redirect-decision.js';
import type { Destination, OpenGraph, Rule } from '../domain/routing.js';

const NAMES = {
  url: ['url', 'long_url', 'target', 'destination'],
  code: ['code', 'short_code', 'slug', 'keyword'],
  domain: ['domain'],
  title: ['title'],
  tags: ['tags'],
  createdAt: ['created_at'],
  expiresAt: ['expires_at'],
  clicks: ['clicks'],
  redirectType: ['redirect_type'],
  maxClicks: ['max_clicks'],
  expiredUrl: ['expired_url'],
  archived: ['archived'],
  passwordProtected: ['password_protected'],
  rules: ['rules'],
  destinations: ['destinations'],
  og: ['og'],
} as const satisfies ColumnNames<string>;

type Column = keyof typeof NAMES;

const REDIRECT_TYPES: readonly number[] = [301, 302, 307, 308];

/**
 * Reads the generic CSV. Times are ISO 8601 (a time without a zone is UTC) or whole seconds or
 * milliseconds since 1970 (see timeCell); tags are separated by `|`.
 */
export const readGenericCsv: ImportReader = (input) =>
  readCsv(input, { what: 'a CSV of links', names: NAMES, required: ['url'] }, linkOf);

function linkOf({ line, cells, label, has }: CsvRow<Column>): ImportRow {
  const url = trimmed(cells.url);
  if (url === null) return { line, invalid: `${label.url} is empty` };
  const code = trimmed(cells.code);
  if (flagCell(cells.passwordProtected, label.passwordProtected)) {
    return { line, skipped: 'password', code, detail: 'The link is protected by a password, which an export cannot carry.' };
  }
  const link: ImportedLink = {
    url,
    code,
    domain: trimmed(cells.domain)?.toLowerCase() ?? null,
    title: verbatim(cells.title),
    tags: listCell(cells.tags, '|'),
    createdAt: timeCell(cells.createdAt, label.createdAt, true),
    expiresAt: timeCell(cells.expiresAt, label.expiresAt, true),
    clicks: countCell(cells.clicks, label.clicks)!,
  };
  const extra = extraOf(cells, label, has);
  return { line, link: extra === undefined ? link : { ...link, extra } };
}

/** What only Kurz's own export carries, for the columns the file has; undefined when it has none. */
function extraOf(cells: CsvRow<Column>['cells'], label: CsvRow<Column>['label'], has: ReadonlySet<Column>): ImportedLink['extra'] {
  const extra: NonNullable<ImportedLink['extra']> = {};
  const redirectType = trimmed(cells.redirectType);
  if (redirectType !== null) {
    if (!REDIRECT_TYPES.includes(Number(redirectType))) badCell(label.redirectType, `is not 301, 302, 307 or 308: ${shown(redirectType)}`);
    extra.redirectType = Number(redirectType) as RedirectType;
  }
  if (has.has('maxClicks')) extra.maxClicks = countCell(cells.maxClicks, label.maxClicks, null);
  if (has.has('expiredUrl')) extra.expiredUrl = trimmed(cells.expiredUrl);
  const archived = flagCell(cells.archived, label.archived);
  if (archived !== null) extra.archived = archived;
  if (has.has('rules')) extra.rules = json(cells.rules, label.rules, 'array') as Rule[] | null;
  if (has.has('destinations')) extra.destinations = json(cells.destinations, label.destinations, 'array') as Destination[] | null;
  if (has.has('og')) extra.og = json(cells.og, label.og, 'object') as OpenGraph | null;
  return Object.keys(extra).length === 0 ? undefined : extra;
}

/** A JSON cell that must hold an array or an object (empty: null); what is inside is the use case's to check. */
function json(text: string | undefined, column: string, shape: 'array' | 'object'): unknown {
  const t = trimmed(text);
  if (t === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return badCell(column, `is not JSON: ${shown(t)}`);
  }
  const fits = shape === 'array' ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value);
  return fits ? value : badCell(column, `is not a JSON ${shape}: ${shown(t)}`);
}
