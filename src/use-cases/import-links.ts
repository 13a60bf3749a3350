import { derivedCode, IMPORTED_CODE, IMPORTED_CODE_RULE, RESERVED_CODES } from '../domain/codes.js';
import { AppError, invalid } from '../domain/errors.js';
import { normalizeHost } from '../domain/hosts.js';
import { newId } from '../domain/ids.js';
import { count, emptyReport, type ImportReport } from '../domain/import-report.js';
import { DEFAULT_DOMAIN_ID, linkKey } from '../domain/link-key.js';
import { isPlainText, NOT_PLAIN_MESSAGE } from '../domain/plain-text.js';
import { normalizeRouting } from '../domain/routing-input.js';
import { assertSafeUrl, type UrlPolicy } from '../domain/url-safety.js';
import type { ImportedLink, ImportRow } from '../importers/record.js';
import type { CodeHolder, DomainDirectory, KnownDomain, LinkLookup, LinkStore, NewLink } from '../ports.js';
import type { Acting } from './actor.js';
import { mayUse } from './domains.js';

/** What an import uses. */
export interface ImportDeps {
  /** Where the links go, a batch per transaction. */
  store: Pick<LinkStore, 'insertLinksWhereFree' | 'findCodeHolders'>;
  /** Drops the negative entries of codes looked up before they were imported. */
  cache: Pick<LinkLookup, 'invalidate'>;
  /** Epoch milliseconds: the creation time of rows without one, and what "expired" means. */
  clock: () => number;
  /** A code for a row whose derived code another link holds. */
  randomCode: () => string;
  /** Which targets are refused, as for POST /links. */
  urlPolicy: UrlPolicy;
  /** The domains links may go to, by the peer's host. */
  domains: Pick<DomainDirectory, 'byHost'>;
}

export interface ImportInput {
  /** The rows of a reader (importers/record.ts), in file order. */
  rows: AsyncIterable<ImportRow>;
  /** Whose links they become; an admin may use every domain. */
  owner: Acting['user'];
  /** A host every link goes to; absent: each row's own host when Kurz has it, else the default domain. */
  domain?: string;
  /** Classify every row as a real run would, and write nothing. */
  dryRun?: boolean;
  /** Stops the import between two batches. */
  signal?: AbortSignal;
  /** Told after each batch how many rows have been read. */
  onProgress?: (progress: { rows: number }) => void;
}

/** Rows per transaction: large enough that a million rows are a thousand commits, small enough to stay a bounded memory. */
export const IMPORT_BATCH = 5_000;
const MAX_TITLE = 200;
const MAX_TAGS = 20;
const MAX_TAG = 32;
const MAX_MAX_CLICKS = 1_000_000_000;
const REDIRECT_TYPES: ReadonlySet<number> = new Set([301, 302, 307, 308]);
/** Random codes tried for one row whose derived code is held by another link (62^7 codes: one clash is rare, five never). */
const RANDOM_CODE_ATTEMPTS = 5;
/** Hosts named in the notes one by one; the rest are summed up, so a hostile file cannot grow the report. */
const MAX_NOTED_HOSTS = 20;

/** A row ready to insert: the link, and whether its code was derived (so another may be drawn). */
interface Candidate {
  line: number;
  link: NewLink;
  derived: boolean;
}

/**
 * Reads the rows in batches of 1,000; for each batch: check every row as POST /links would (plus the
 * rules of imported codes) → put it on its domain → give a code to a row without one → insert what is
 * free in one transaction → tell a duplicate (the same link, imported before) from a conflict.
 * Stops between batches when `signal` aborts; what went in is found as duplicates by the next run.
 */
export async function importLinks(deps: ImportDeps, input: ImportInput): Promise<ImportReport> {
  const report = emptyReport(input.dryRun ?? false);
  const target = input.domain === undefined ? undefined : usableDomain(deps, input.owner, input.domain);
  const notes = new Notes();
  for await (const rows of batches(input.rows, IMPORT_BATCH)) {
    if (input.signal?.aborted) {
      report.interrupted = true;
      break;
    }
    const now = deps.clock();
    const candidates: Candidate[] = [];
    for (const row of rows) {
      report.read += 1;
      const candidate = prepare(deps, input.owner, target, row, now, report, notes);
      if (candidate) candidates.push(candidate);
    }
    await (report.dryRun ? classify(deps, input.owner, candidates, report) : insert(deps, input.owner, candidates, report));
    input.onProgress?.({ rows: report.read });
  }
  report.notes = notes.lines();
  return report;
}

/** The domain the `domain` option names, if the owner may put links on it; else the whole import is refused. */
export function usableDomain(deps: Pick<ImportDeps, 'domains'>, owner: Acting['user'], host: string): KnownDomain {
  const domain = deps.domains.byHost(normalizeHost(host));
  if (!domain || !mayUse({ user: owner }, domain)) throw invalid('domain', 'is not a domain you can put links on (GET /api/v1/domains lists them)');
  return domain;
}

/** Groups rows into arrays of `size`, the last one shorter. */
async function* batches<T>(rows: AsyncIterable<T>, size: number): AsyncIterable<T[]> {
  let batch: T[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A row as a link to insert, or counted in the report (invalid, skipped, a reserved code) and undefined. */
function prepare(
  deps: ImportDeps, owner: Acting['user'], target: KnownDomain | undefined, row: ImportRow, now: number, report: ImportReport, notes: Notes,
): Candidate | undefined {
  const { line } = row;
  if ('invalid' in row) return void count(report, 'invalid', { line, code: null, reason: row.invalid });
  if ('skipped' in row) return void count(report, 'skipped', { line, code: row.code, reason: row.detail ? `${row.skipped}: ${row.detail}` : row.skipped });
  const { link } = row;
  if (link.code !== null && !IMPORTED_CODE.test(link.code)) return void count(report, 'invalid', { line, code: link.code, reason: `code ${IMPORTED_CODE_RULE}` });
  if (link.code !== null && RESERVED_CODES.has(link.code.toLowerCase())) {
    return void count(report, 'conflicts', { line, code: link.code, reason: `"${link.code}" is reserved: Kurz serves a page there` });
  }
  if (link.expiresAt !== null && link.expiresAt <= now) return void count(report, 'skipped', { line, code: link.code, reason: 'expired' });
  let fields: Omit<NewLink, 'id' | 'code' | 'domainId' | 'ownerId'>;
  try {
    fields = checked(deps.urlPolicy, link, now, notes);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return void count(report, 'invalid', { line, code: link.code, reason: err.detail });
  }
  const domainId = (target ?? rowDomain(deps, owner, link.domain, notes)).id;
  const code = link.code ?? derivedCode([owner.id, domainId, fields.url, String(link.createdAt ?? ''), fields.title ?? '', String(line)]);
  return { line, derived: link.code === null, link: { ...fields, id: newId(fields.createdAt), code, domainId, ownerId: owner.id } };
}

/**
 * The fields of a link as POST /links checks them (URL policy, title, tags, routing, redirect type …),
 * plus what only an import brings: a creation time and the peer's visit total. Throws a 400 naming the field.
 */
function checked(policy: UrlPolicy, link: ImportedLink, now: number, notes: Notes): Omit<NewLink, 'id' | 'code' | 'domainId' | 'ownerId'> {
  const extra = link.extra ?? {};
  const url = assertSafeUrl(link.url, policy);
  const title = link.title === null ? null : titleOf(link.title);
  const tags = tagsOf(link.tags, notes);
  const createdAt = link.createdAt ?? now;
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) throw invalid('created_at', 'must be a time after 1970');
  if (!Number.isSafeInteger(link.clicks) || link.clicks < 0) throw invalid('clicks', 'must be a whole number, 0 or more');
  const redirectType = extra.redirectType ?? 302;
  if (!REDIRECT_TYPES.has(redirectType)) throw invalid('redirect_type', 'must be 301, 302, 307 or 308');
  const maxClicks = extra.maxClicks ?? null;
  if (maxClicks !== null && (!Number.isSafeInteger(maxClicks) || maxClicks < 1 || maxClicks > MAX_MAX_CLICKS)) {
    throw invalid('max_clicks', `must be a whole number from 1 to ${MAX_MAX_CLICKS.toLocaleString('en')}`);
  }
  const expiredUrl = extra.expiredUrl == null ? null : assertSafeUrl(extra.expiredUrl, policy, 'expired_url');
  const routing = normalizeRouting({ rules: extra.rules ?? null, destinations: extra.destinations ?? null, og: extra.og ?? null }, policy);
  return {
    url, title, tags, redirectType, expiresAt: link.expiresAt, maxClicks, expiredUrl, archived: extra.archived ?? false,
    rules: routing.rules ?? null, destinations: routing.destinations ?? null, og: routing.og ?? null, importedClicks: link.clicks, createdAt,
  };
}

/**
 * A title as the API takes it: at most 200 characters of plain text. Line breaks and tabs, which a
 * peer's multi-line title field lets in, become one space; any other control character refuses the row.
 */
function titleOf(raw: string): string | null {
  const title = raw.replace(/[\t\r\n]+/g, ' ').trim();
  if (title === '') return null;
  if (title.length > MAX_TITLE) throw invalid('title', `must be at most ${MAX_TITLE} characters`);
  if (!isPlainText(title)) throw invalid('title', NOT_PLAIN_MESSAGE);
  return title;
}

/**
 * Tags as the API's Tag schema takes them (1 to 32 characters of plain text, compared lower-case),
 * blank ones dropped. A peer may allow more than 20: the first 20 are kept, with a note, rather than
 * losing the link over its labels.
 */
function tagsOf(raw: readonly string[], notes: Notes): string[] {
  const tags = [...new Set(raw.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];
  tags.forEach((tag, i) => {
    if (tag.length > MAX_TAG) throw invalid(`tags[${i}]`, `must be at most ${MAX_TAG} characters`);
    if (!isPlainText(tag)) throw invalid(`tags[${i}]`, NOT_PLAIN_MESSAGE);
  });
  if (tags.length <= MAX_TAGS) return tags;
  notes.tooManyTags += 1;
  return tags.slice(0, MAX_TAGS);
}

/** The domain of a row's own host: Kurz's domain of that host if the owner may use it, else the default one (noted). */
function rowDomain(deps: Pick<ImportDeps, 'domains'>, owner: Acting['user'], host: string | null, notes: Notes): Pick<KnownDomain, 'id'> {
  if (host === null) return { id: DEFAULT_DOMAIN_ID };
  const domain = deps.domains.byHost(normalizeHost(host));
  if (domain && mayUse({ user: owner }, domain)) return domain;
  notes.defaulted(host);
  return { id: DEFAULT_DOMAIN_ID };
}

/** Inserts the batch; each code that was taken is a duplicate, a conflict, or (a derived one) drawn again. */
async function insert(deps: ImportDeps, owner: Acting['user'], candidates: Candidate[], report: ImportReport): Promise<void> {
  let pending = candidates;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const holders = await deps.store.insertLinksWhereFree(pending.map((c) => c.link));
    const again: Candidate[] = [];
    const inserted: string[] = [];
    pending.forEach((candidate, i) => {
      const holder = holders[i]!;
      if (holder === null) {
        report.imported += 1;
        inserted.push(linkKey(candidate.link.domainId!, candidate.link.code));
        return;
      }
      if (settle(owner, candidate, holder, report)) return;
      if (attempt < RANDOM_CODE_ATTEMPTS) again.push({ ...candidate, link: { ...candidate.link, code: deps.randomCode() } });
      else count(report, 'conflicts', { line: candidate.line, code: null, reason: 'no free code found' });
    });
    // A code may have been looked up while it did not exist: its negative cache entry must go.
    await Promise.all(inserted.map((key) => deps.cache.invalidate(key)));
    pending = again;
  }
}

/** A dry run: the same classification against the links there now and the rows before in the batch; nothing written. */
async function classify(deps: ImportDeps, owner: Acting['user'], candidates: Candidate[], report: ImportReport): Promise<void> {
  const keyOf = (c: Candidate) => linkKey(c.link.domainId!, c.link.code);
  const holders = new Map<string, CodeHolder>();
  for (const holder of await deps.store.findCodeHolders(candidates.map((c) => ({ domainId: c.link.domainId!, code: c.link.code })))) {
    holders.set(linkKey(holder.domainId, holder.code), holder);
  }
  for (const candidate of candidates) {
    const holder = holders.get(keyOf(candidate));
    // A derived code held by another link would be drawn again at random: it goes in all the same.
    if (holder === undefined || !settle(owner, candidate, holder, report)) {
      report.imported += 1;
      holders.set(keyOf(candidate), { domainId: candidate.link.domainId!, code: candidate.link.code, url: candidate.link.url, ownerId: owner.id });
    }
  }
}

/** The same owner and url under the code: this row went in before (an earlier run, or an earlier row). */
const isSame = (owner: Acting['user'], candidate: Candidate, holder: CodeHolder): boolean =>
  holder.ownerId === owner.id && holder.url === candidate.link.url;

/**
 * Counts a row whose code is held: a duplicate when it is the same link, a conflict when another link
 * holds the peer's code. False for a derived code held by another link: the caller draws one at random.
 */
function settle(owner: Acting['user'], candidate: Candidate, holder: CodeHolder, report: ImportReport): boolean {
  const { line, link, derived } = candidate;
  if (isSame(owner, candidate, holder)) {
    count(report, 'duplicates', { line, code: link.code, reason: 'already there: the same code and url' });
    return true;
  }
  if (derived) return false;
  count(report, 'conflicts', { line, code: link.code, reason: 'code taken by another link' });
  return true;
}

/** What the counts do not say: links put on the default domain, by host, and tags left out. */
class Notes {
  /** Links that had more than 20 tags. */
  tooManyTags = 0;
  private readonly hosts = new Map<string, number>();
  private otherHosts = 0;

  /** A link of `host` went to the default domain. */
  defaulted(host: string): void {
    const seen = this.hosts.get(host);
    if (seen !== undefined) this.hosts.set(host, seen + 1);
    else if (this.hosts.size < MAX_NOTED_HOSTS) this.hosts.set(host, 1);
    else this.otherHosts += 1;
  }

  lines(): string[] {
    const links = (n: number) => `${n.toLocaleString('en')} link${n === 1 ? '' : 's'}`;
    const lines = [...this.hosts].map(([host, n]) =>
      `${links(n)} of ${host} went to the default domain: Kurz has no domain ${host} you may use`);
    if (this.otherHosts > 0) lines.push(`${links(this.otherHosts)} of other hosts went to the default domain`);
    if (this.tooManyTags > 0) lines.push(`${links(this.tooManyTags)} had more than ${MAX_TAGS} tags: the first ${MAX_TAGS} were kept`);
    return lines;
  }
}
