/**
 * The swappable parts of Kurz. Each has one adapter per deployment (see compose.ts); use cases and
 * HTTP handlers see only these interfaces. Times are Unix epoch milliseconds throughout.
 */
import type { Cursor } from './domain/cursor.js';
import type { BucketLimit, Decision } from './domain/token-bucket.js';
import type { ClickEvent, Dimension, ParsedClick } from './domain/clicks.js';
import type { Scope } from './domain/scopes.js';
import type { Destination, OpenGraph, Rule } from './domain/routing.js';
import type { ImportReport } from './domain/import-report.js';

export type Role = 'user' | 'admin';
export type { RedirectType } from './domain/redirect-decision.js';
import type { RedirectType } from './domain/redirect-decision.js';

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
}

export interface LinkRecord {
  id: string;
  /** The domain the code lives on (DEFAULT_DOMAIN_ID: BASE_URL's host). */
  domainId: string;
  code: string;
  url: string;
  title: string | null;
  tags: string[];
  redirectType: RedirectType;
  expiresAt: number | null;
  maxClicks: number | null;
  /** Where an expired or used-up link sends its visitors (302) instead of answering 410; null: the 410. */
  expiredUrl: string | null;
  /** Hidden from the default listing; an archived link still redirects. */
  archived: boolean;
  /** Routing rules, first match wins (domain/routing.ts); null: none. */
  rules: Rule[] | null;
  /** An A/B split for visits no rule takes; null: none (the link's url). */
  destinations: Destination[] | null;
  /** What preview bots are shown instead of the redirect; null: they are redirected. */
  og: OpenGraph | null;
  clicks: number;
  /** Visits another shortener counted before the link was imported, kept apart from `clicks`, which Kurz counted. */
  importedClicks: number;
  ownerId: string;
  /** Whether a visit must give a password first; the hash itself is read only by findLinkPassword. */
  hasPassword: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface DomainRecord {
  id: string;
  /** Lower-case ASCII host name, unique (domain/hosts.ts). */
  hostname: string;
  /** Where `GET /` on this host goes; null: a 404. */
  rootRedirect: string | null;
  /** Where an unknown code on this host goes; null: a 404. */
  notFoundRedirect: string | null;
  /** The one user who may put links on it besides admins; null: every user may (a shared domain). */
  ownerId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  /** Public part of the key, unique; the key is looked up by it and then compared by hash. */
  prefix: string;
  keyHash: string;
  /** What the key may do (a key made without scopes has them all). */
  scopes: Scope[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  /** Every token rotated from one sign-in shares a family, so reuse of any of them revokes all. */
  familyId: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export type NewUser = Omit<UserRecord, 'role' | 'updatedAt'> & { role?: Role };
export type UserChanges = Partial<Pick<UserRecord, 'email' | 'name' | 'role' | 'passwordHash'>>;
/** The fields of a link's routing and previews (issue 16), each null when unused. */
type Routed = 'rules' | 'destinations' | 'og';
/** A link to insert; without a domain, on the default one; expiredUrl and archived may be left out: null and false. */
export type NewLink = Omit<LinkRecord, 'clicks' | 'importedClicks' | 'updatedAt' | 'domainId' | 'hasPassword' | 'expiredUrl' | 'archived' | Routed>
  & Partial<Pick<LinkRecord, 'domainId' | 'expiredUrl' | 'archived' | 'importedClicks' | Routed>> & {
  /** argon2id hash of the link's password; absent or null: none. */
  passwordHash?: string | null;
};
export type LinkChanges = Partial<
  Pick<LinkRecord, 'domainId' | 'code' | 'url' | 'title' | 'tags' | 'redirectType' | 'expiresAt' | 'maxClicks' | 'expiredUrl' | 'archived' | Routed> & {
    /** A new password's argon2id hash, or null to remove the password. */
    passwordHash: string | null;
  }
>;
export type NewDomain = Omit<DomainRecord, 'updatedAt'>;
export type DomainChanges = Partial<Pick<DomainRecord, 'hostname' | 'rootRedirect' | 'notFoundRedirect' | 'ownerId'>>;

export interface PageQuery {
  limit: number;
  cursor?: Cursor;
}

export interface LinkQuery extends PageQuery {
  /** undefined lists every owner's links (admins only). */
  ownerId?: string;
  /** Case-insensitive substring of url, code or title. */
  q?: string;
  tag?: string;
  /** true: only archived links; false: only the others; undefined: both. */
  archived?: boolean;
  /** Only links on this domain. */
  domainId?: string;
}

export interface DomainQuery extends PageQuery {
  /** Only the domains this user may use (shared, or given to them); undefined: every domain. */
  usableBy?: string;
}

/** A code on a domain: what is unique among links. */
export interface CodeKey {
  domainId: string;
  code: string;
}

/** The link that holds a code, as much as an import needs to tell its own earlier run from another link. */
export interface CodeHolder extends CodeKey {
  url: string;
  ownerId: string;
}

/** A link without its tags: what the redirect needs, read in one query. */
export type LinkTarget = Omit<LinkRecord, 'tags'>;

/** Result of counting one visit: the link as it is after the visit, and whether the visit was allowed. */
export type Visit =
  | { outcome: 'live' | 'expired' | 'exhausted'; link: LinkTarget }
  | { outcome: 'missing' };

/** Thrown by a store when an insert or update would break a unique index. */
export class UniqueViolation extends Error {
  constructor(readonly field: 'code' | 'email' | 'prefix' | 'hostname') {
    super(`duplicate ${field}`);
  }
}

/** Thrown by a store asked to delete a domain that still has links; nothing is changed. */
export class DomainInUse extends Error {
  constructor() {
    super('the domain still has links');
  }
}

/** Thrown by a store when a demotion or a deletion would leave no admin; nothing is changed. */
export class LastAdmin extends Error {
  constructor() {
    super('no admin would be left');
  }
}

/**
 * Thrown by a store that cannot answer now: unreachable, too slow (past its timeout), or with too many
 * calls already waiting for a connection. A dependency failure (503), never a bug (500); retrying later may work.
 */
export class StoreUnavailable extends Error {
  constructor(
    readonly reason: 'unreachable' | 'timeout' | 'overloaded',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The database, as three ports over one connection: accounts, links, clicks. Each has its own file in
 * src/adapters/store/; the store a deployment opens is all of them, with the lifecycle of the connection.
 */
export interface Store extends StoreLifecycle, AccountStore, LinkStore, DomainStore, ClickStore, IdempotencyStore, ImportStore {}

/** The connection the three stores share. */
export interface StoreLifecycle {
  /** Brings the schema up to date; safe to call from many instances at once. Returns the applied migrations a newer version made, which this one leaves alone. */
  migrate(): Promise<string[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes every connection; pending queries finish first. */
  close(): Promise<void>;
  /** How many of the reads a replica may serve each connection served (docs/DESIGN.md#read-replica); absent: the store has one connection. */
  readCounts?(): ReadCounts;
}

/** Which connection served the reads that may go to a read replica (DATABASE_READ_URL), for the metrics. */
export interface ReadCounts {
  /** Served by the primary: no replica, or it lagged or failed, lacked the row, or the link was just written. */
  primary: number;
  /** Served by the replica. */
  replica: number;
  /** The replica's replay lag at its last poll (ms); null without a replica or while it cannot be measured. */
  lagMs: number | null;
}

/** Users, their refresh tokens and their API keys. */
export interface AccountStore {
  /** Inserts a user; the very first user ever created becomes admin, atomically. Throws UniqueViolation('email'). */
  createUser(user: NewUser): Promise<UserRecord>;
  /** The user with this id, if any. */
  findUserById(id: string): Promise<UserRecord | undefined>;
  /** The user with this (lower-cased) email, if any. */
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  /** Users newest first, limit + 1 rows from the cursor on. */
  listUsers(query: PageQuery): Promise<UserRecord[]>;
  /** Applies the changes; undefined when the user does not exist. Throws UniqueViolation('email'), or LastAdmin when it demotes the last admin. */
  updateUser(id: string, changes: UserChanges, now: number): Promise<UserRecord | undefined>;
  /** Deletes the user with their links, keys and tokens (their domains become shared); the keys (domain/link-key.ts) of the deleted links, or undefined when absent. Throws LastAdmin for the last admin. */
  deleteUser(id: string): Promise<string[] | undefined>;

  /** Stores a refresh token (its hash only). */
  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  /** The refresh token with this id, if any. */
  findRefreshToken(id: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks a live token used; false if it was already used or revoked (so two racing refreshes cannot both win). */
  markRefreshTokenUsed(id: string, now: number): Promise<boolean>;
  /** Revokes every token of a family. */
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  /** Revokes every refresh token of a user (password change). */
  revokeUserRefreshTokens(userId: string, now: number): Promise<void>;

  /** Stores an API key (its hash only). Throws UniqueViolation('prefix'). */
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  /** The key with this public prefix, revoked or not, and the user it belongs to, in one read (every request with an API key asks). */
  findApiKeyWithOwner(prefix: string): Promise<{ key: ApiKeyRecord; owner: UserRecord } | undefined>;
  /** The key with this id, revoked or not. */
  findApiKeyById(id: string): Promise<ApiKeyRecord | undefined>;
  /** A user's keys that are not revoked, newest first. */
  listApiKeys(userId: string): Promise<ApiKeyRecord[]>;
  /** Revokes a user's key; false when the user has no such live key. */
  revokeApiKey(userId: string, id: string, now: number): Promise<boolean>;
}

/** Links with their tags, and the redirect's reads and counted visits. */
export interface LinkStore {
  /** Inserts a link with its tags. Throws UniqueViolation('code'). */
  insertLink(link: NewLink): Promise<LinkRecord>;
  /** Inserts many links (with tags) in one transaction: all or none. Throws UniqueViolation('code'). */
  insertLinks(links: readonly NewLink[]): Promise<void>;
  /**
   * Inserts, in one transaction, the links whose code is free on their domain (an earlier link of the
   * same call takes it first); for each link in order, null when it went in, else the link holding its code.
   */
  insertLinksWhereFree(links: readonly NewLink[]): Promise<(CodeHolder | null)[]>;
  /** The links holding these (domain, code) pairs, in one query; pairs nobody holds are left out. */
  findCodeHolders(keys: readonly CodeKey[]): Promise<CodeHolder[]>;
  /** The link with this id, if any. */
  findLinkById(id: string): Promise<LinkRecord | undefined>;
  /** The link with this code (case-sensitive) on this domain (default: the default domain), if any. */
  findLinkByCode(code: string, domainId?: string): Promise<LinkRecord | undefined>;
  /** Links newest first, limit + 1 rows from the cursor on; two queries whatever the page size. */
  listLinks(query: LinkQuery): Promise<LinkRecord[]>;
  /** Applies the changes; undefined when the link does not exist. Throws UniqueViolation('code'). */
  updateLink(id: string, changes: LinkChanges, now: number): Promise<LinkRecord | undefined>;
  /** Deletes the link; false when absent. */
  deleteLink(id: string): Promise<boolean>;
  /** The link with this code on this domain (default: the default domain), without tags: the redirect's one indexed read. */
  findTargetByCode(code: string, domainId?: string): Promise<LinkTarget | undefined>;
  /**
   * Counts one visit if the link is live at `now`, in a single conditional UPDATE, so that concurrent
   * visits can never take a limited link past max_clicks.
   */
  countVisit(code: string, now: number, domainId?: string): Promise<Visit>;
  /** The id and password hash (null: none) of the link with this code on this domain (default: the default domain): the one read of a hash, for unlocking it. */
  findLinkPassword(code: string, domainId?: string): Promise<{ id: string; passwordHash: string | null } | undefined>;
  /** Tells a store with a read replica that this link key (`*`: any) was just written, so its reads go to the primary until the replica has the write. */
  written?(key: string): void;
}

/** The domains links may be created on besides the default one. */
export interface DomainStore {
  /** Inserts a domain. Throws UniqueViolation('hostname'). */
  insertDomain(domain: NewDomain): Promise<DomainRecord>;
  /** The domain with this id, if any. */
  findDomainById(id: string): Promise<DomainRecord | undefined>;
  /** Every domain, for the in-memory directory every request resolves its host through (a few, never thousands). */
  allDomains(): Promise<DomainRecord[]>;
  /** Domains newest first, limit + 1 rows from the cursor on. */
  listDomains(query: DomainQuery): Promise<DomainRecord[]>;
  /** Applies the changes; undefined when the domain does not exist. Throws UniqueViolation('hostname'). */
  updateDomain(id: string, changes: DomainChanges, now: number): Promise<DomainRecord | undefined>;
  /** Deletes a domain without links; false when absent. Throws DomainInUse while links are on it. */
  deleteDomain(id: string): Promise<boolean>;
}

/** Click analytics: batches of clicks applied exactly once, their rollups, and the rollups' compaction. */
export interface ClickStore {
  /**
   * Applies a batch of clicks in one transaction: records their keys (a click's key, or `batchId` for
   * clicks without one), adds the clicks whose keys were never applied before to the counts and to
   * links.clicks, and returns how many those were. The clicks under one key are one delivery: applying
   * them again (a redelivery) changes nothing. Clicks of deleted links are skipped.
   */
  applyClicks(clicks: readonly ParsedClick[], batchId?: string): Promise<number>;
  /** A link's clicks in [from, to), from the rollups only (never raw events). */
  clickStats(query: StatsQuery): Promise<ClickStats>;
  /** Folds hourly rollups before `foldBefore` into daily rows, and forgets applied-click ids before `forgetIdsBefore`. */
  compactClicks(foldBefore: number, forgetIdsBefore: number): Promise<void>;
}

/** The answer kept for an Idempotency-Key: what the first request was answered, to be sent again. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** What claiming an Idempotency-Key found: the claim is ours, or the key's earlier request (its answer absent while in progress). */
export type IdempotencyClaim =
  | { claimed: true }
  | { claimed: false; requestHash: string; answer: StoredAnswer | undefined };

/** The first answers to requests sent with an Idempotency-Key, per user and key. */
export interface IdempotencyStore {
  /**
   * Claims (user, key) for a request with this hash, atomically (of two racing claims one wins), unless a
   * claim made at or after `liveSince` holds it (or, with no answer yet, one made at or after `pendingSince`):
   * then returns that claim. An older claim is replaced.
   */
  claimIdempotencyKey(userId: string, key: string, requestHash: string, now: number, liveSince: number, pendingSince: number): Promise<IdempotencyClaim>;
  /** Stores the answer of a claim this caller holds. */
  answerIdempotencyKey(userId: string, key: string, answer: StoredAnswer): Promise<void>;
  /** Drops a claim that has no answer (its request failed, so the same key may be sent again). */
  releaseIdempotencyKey(userId: string, key: string): Promise<void>;
  /** Deletes every claim made before `before`; returns how many. */
  deleteIdempotencyKeysBefore(before: number): Promise<number>;
}

/** Where an import job is: 'running' until it ends one of the three other ways. */
export type ImportStatus = 'running' | 'done' | 'failed' | 'interrupted';

/** An import run in the background (POST /api/v1/imports): its file, its progress, and in the end its report. */
export interface ImportJob {
  id: string;
  ownerId: string;
  /** The reader it uses (importers/record.ts: ImportFormat). */
  format: string;
  status: ImportStatus;
  dryRun: boolean;
  /** The host every link goes to; null: each row's own (or the default domain). */
  domain: string | null;
  bytesTotal: number;
  bytesRead: number;
  rowsRead: number;
  /** Null until the job ends (and after a failure). */
  report: ImportReport | null;
  /** Why a failed job failed, for its owner (never a stack). */
  error: string | null;
  createdAt: number;
  /** The heartbeat: written with the progress while the job runs. */
  updatedAt: number;
  finishedAt: number | null;
}

/** A job to start: what its caller gives; the rest starts at zero. */
export type NewImportJob = Pick<ImportJob, 'id' | 'ownerId' | 'format' | 'dryRun' | 'domain' | 'bytesTotal' | 'createdAt'>;

/** How a job ended. */
export type ImportEnd = Pick<ImportJob, 'bytesRead' | 'rowsRead' | 'report' | 'error'> & { status: Exclude<ImportStatus, 'running'> };

/** Import jobs: at most one running per user. */
export interface ImportStore {
  /**
   * Starts a job unless its owner has one running whose heartbeat is at or after `staleBefore` (atomically:
   * of two racing starts one wins); an older running one is marked interrupted first. Returns the new job,
   * or the running one with started false.
   */
  startImport(job: NewImportJob, staleBefore: number): Promise<{ job: ImportJob; started: boolean }>;
  /** Writes a running job's progress, which is also its heartbeat. */
  recordImportProgress(id: string, progress: Pick<ImportJob, 'bytesRead' | 'rowsRead'>, now: number): Promise<void>;
  /** Ends a running job. */
  finishImport(id: string, end: ImportEnd, now: number): Promise<void>;
  /** The job with this id, if any. */
  findImport(id: string): Promise<ImportJob | undefined>;
  /** A user's jobs newest first, limit + 1 rows from the cursor on. */
  listImports(query: PageQuery & { ownerId: string }): Promise<ImportJob[]>;
  /** Marks interrupted every running job whose heartbeat is older than `staleBefore` (its instance died); returns how many. */
  interruptStaleImports(staleBefore: number, now: number): Promise<number>;
}

export interface StatsQuery {
  linkId: string;
  from: number;
  to: number;
  interval: 'hour' | 'day';
  includeBots: boolean;
}

export interface ClickStats {
  total: number;
  /** Buckets with clicks, oldest first (t: bucket start). */
  series: { t: number; clicks: number }[];
  /** Per dimension, values by clicks, most first. */
  breakdown: Record<Dimension, { value: string; clicks: number }[]>;
  /** Routed clicks by the URL they were sent to, most first; [] for a link that never routed. */
  destinations: { url: string; clicks: number }[];
  /** Routed clicks by the index of the rule that decided (null: none did), most first; [] for a link that never routed. */
  rules: { rule: number | null; clicks: number }[];
}

/**
 * The registered domains, held in memory: every redirect resolves its Host through it without I/O.
 * Reloaded after each write to the domains, here or (told through the cache's invalidations) anywhere.
 */
export interface DomainDirectory {
  /** The domain a normalised host (domain/hosts.ts) names: BASE_URL's host is the default domain; undefined: none. */
  byHost(host: string): KnownDomain | undefined;
  /** The domain with this id (DEFAULT_DOMAIN_ID: the default one). */
  byId(id: string): KnownDomain | undefined;
  /** Every registered host name (the default domain's included): links to them would loop. */
  hostnames(): readonly string[];
  /** Reads the domains from the store again. */
  reload(): Promise<void>;
}

/** A domain as the redirect sees it. */
export type KnownDomain = Pick<DomainRecord, 'id' | 'hostname' | 'rootRedirect' | 'notFoundRedirect' | 'ownerId'>;

/** What the redirect needs of a link, as the cache keeps it. */
export type CachedLink = Pick<LinkTarget, 'id' | 'url' | 'redirectType' | 'expiresAt' | 'maxClicks' | 'hasPassword' | 'expiredUrl'>
  & Partial<Pick<LinkTarget, Routed>>;

/** A cached lookup: the link, or null when the code is known not to exist (a negative entry). */
export type CacheEntry = CachedLink | null;

/**
 * (domain, code) → link for the redirect, kept close: a hit is answered in the same tick (the fast redirect
 * serves it without a promise), a miss after one load that concurrent misses share. Writers
 * invalidate, so no instance redirects to a link's old target once the write has returned.
 */
export interface LinkLookup {
  /** The link of a key (domain/link-key.ts), or null when it does not exist: a value on a hit (no I/O), a promise on a miss. */
  lookup(key: string): CacheEntry | Promise<CacheEntry>;
  /** Forgets the key everywhere (this process, the shared level, every other process); call after each write to a link. */
  invalidate(key: string): Promise<void>;
}

/** Token buckets by key. Each key's bucket has the limit passed with it; see domain/token-bucket.ts. */
export interface RateLimiter {
  /**
   * Takes `cost` tokens (default 1) from the bucket of `key`, creating a full bucket on first use. A cost
   * of 0 looks without taking; a negative cost gives tokens back, never past the capacity (a sign-in that
   * succeeded returns its token).
   */
  take(key: string, limit: BucketLimit, cost?: number): Promise<Decision>;
}

/** Token buckets of this process alone, for a path that must answer without yielding (the fast redirect). */
export interface LocalRateLimiter extends RateLimiter {
  /** take(), synchronously. */
  takeNow(key: string, limit: BucketLimit, cost?: number): Decision;
}

/** Clicks recorded by the redirect without waiting for any I/O, applied to the store in batches. */
export interface ClickQueue {
  /** Records one click; synchronous and in memory, never awaited by the redirect. */
  enqueue(event: ClickEvent): void;
  /** Resolves once everything enqueued before the call has been handed on (applied, or appended to the stream). */
  flush(): Promise<void>;
  /** Stops taking clicks and flushes what is left; nothing enqueued before close is lost. */
  close(): Promise<void>;
}

/** A QR code of a text: an SVG document, or a PNG `size` pixels square. */
export type QrImage = { format: 'svg'; size?: undefined } | { format: 'png'; size: number };

/** Renders QR codes without holding up the event loop, with recent images kept. */
export interface QrRenderer {
  /** The image if it is kept (no render, nothing to count against a rate limit); undefined otherwise. */
  cached(text: string, image: QrImage): Buffer | undefined;
  /** The image, rendered if not kept; rejects with QrBusy when too many renders already wait. */
  render(text: string, image: QrImage): Promise<Buffer>;
  /** Stops the renderers; renders still waiting reject. */
  close(): Promise<void>;
}

/** Thrown by a QR renderer that has too many renders waiting, or whose renderer died mid-render: retry later (503). */
export class QrBusy extends Error {}

/**
 * Tells a CDN in front of the redirects to forget links it may keep (CDN_PURGE_URL), after the write that
 * changed them has committed. Nobody waits for it: an edit is never delayed or failed by the CDN.
 */
export interface EdgePurger {
  /** Queues a purge of these links (by cache key, domain/link-key.ts); returns at once and never throws. */
  purge(keys: readonly string[]): void;
  /** Sends what is queued, waiting at most a few seconds; on shutdown. */
  close(): Promise<void>;
}
