import { assertValidCustomCode } from '../domain/codes.js';
import type { Cursor } from '../domain/cursor.js';
import { AppError, invalid, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { assertSafeUrl, MAX_URL_LENGTH, type UrlPolicy } from '../domain/url-safety.js';
import { withUtm, type Utm } from '../domain/utm.js';
import { UniqueViolation, type DomainDirectory, type EdgePurger, type LinkChanges, type LinkLookup, type LinkQuery, type LinkRecord, type LinkStore, type NewLink, type RedirectType } from '../ports.js';
import { type Actor, isAdmin } from './actor.js';
import { hashPassword } from '../security/passwords.js';
import { mayUse } from './domains.js';
import { DEFAULT_DOMAIN_ID, linkKey } from '../domain/link-key.js';
import { normalizeHost } from '../domain/hosts.js';
import { mayKeepAtEdge } from '../domain/edge-keys.js';
import { normalizeRouting, type NormalRouting } from '../domain/routing-input.js';
import type { Destination, OpenGraph, Rule } from '../domain/routing.js';

/** What the link use cases use. */
export interface LinkDeps {
  /** Where links live. */
  store: LinkStore;
  /** Drops a code from every cache level and instance after a write. */
  cache: Pick<LinkLookup, 'invalidate'>;
  /** Epoch milliseconds: creation and update times, and the check that an expiry is in the future. */
  clock: () => number;
  /** Draws a random code for a link created without one. */
  randomCode: () => string;
  /** Which target URLs are refused (private addresses, schemes …). */
  urlPolicy: UrlPolicy;
  /** The domains links may be put on, by host name (and by id, to show a link's). */
  domains: Pick<DomainDirectory, 'byHost' | 'byId'>;
  /** Tells a CDN to forget an edited or deleted link it may have kept (in the background). */
  edge: Pick<EdgePurger, 'purge'>;
}

export interface LinkInput {
  url: string;
  /** The host name of the domain the code lives on; absent: the default domain (on an edit: where it is). */
  domain?: string;
  code?: string;
  title?: string | null;
  tags?: string[];
  expiresAt?: number | null;
  maxClicks?: number | null;
  redirectType?: RedirectType;
  /** Write-only: stored as its argon2id hash, never read back; null (or left out) means none. */
  password?: string | null;
  expiredUrl?: string | null;
  archived?: boolean;
  /** Merged into the target URL: its utm_* parameters become exactly these (null: none). */
  utm?: Utm | null;
  /** Routing rules (time conditions in epoch ms); null or empty: none. */
  rules?: Rule[] | null;
  /** An A/B split of 2 to 10 URLs; null or empty: none. */
  destinations?: Destination[] | null;
  /** How the link unfurls for preview bots; null, or none of its fields: none. */
  og?: OpenGraph | null;
}

const RANDOM_CODE_ATTEMPTS = 5;

/**
 * What an edit may change: the stored fields, with the domain named by its host, a new password in clear
 * (hashed here; null removes it), and the UTM parameters merged into the (new or stored) url.
 */
export type LinkEdit = Omit<LinkChanges, 'domainId' | 'passwordHash'> & Pick<LinkInput, 'domain' | 'password' | 'utm'>;

/** assertValid → pick a code → insert (retrying a random code that collides) */
export async function createLink(deps: LinkDeps, actor: Actor, input: LinkInput): Promise<LinkRecord> {
  const now = deps.clock();
  const valid = assertValid(deps, input, now);
  const link = {
    id: newId(now),
    domainId: domainOf(deps, actor, input.domain) ?? DEFAULT_DOMAIN_ID,
    url: mergeUtm(valid.url!, input.utm),
    title: input.title ?? null,
    tags: normalizeTags(input.tags ?? []),
    redirectType: input.redirectType ?? 302,
    expiresAt: input.expiresAt ?? null,
    maxClicks: input.maxClicks ?? null,
    expiredUrl: valid.expiredUrl ?? null,
    archived: input.archived ?? false,
    rules: valid.rules ?? null,
    destinations: valid.destinations ?? null,
    og: valid.og ?? null,
    ownerId: actor.user.id,
    createdAt: now,
    passwordHash: await passwordHashOf(input.password),
  };
  const created = await insertWithCode(deps, link, input.code);
  // The code may have been looked up while it did not exist: drop that negative entry everywhere.
  await deps.cache.invalidate(linkKey(created.domainId, created.code));
  return created;
}

async function insertWithCode(deps: Pick<LinkDeps, 'store' | 'randomCode'>, link: Omit<NewLink, 'code'>, code: string | undefined): Promise<LinkRecord> {
  if (code !== undefined) return codeMustBeFree(deps.store.insertLink({ ...link, code }));
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.store.insertLink({ ...link, code: deps.randomCode() });
    } catch (err) {
      // 62^7 codes make a clash rare, not impossible: draw again, a bounded number of times.
      if (!(err instanceof UniqueViolation && err.field === 'code') || attempt === RANDOM_CODE_ATTEMPTS) throw err;
    }
  }
}

export async function getLink(deps: Pick<LinkDeps, 'store'>, actor: Actor, id: string): Promise<LinkRecord> {
  const link = await deps.store.findLinkById(id);
  // Another user's link answers exactly like a missing one, so ids cannot be probed.
  if (!link || (link.ownerId !== actor.user.id && !isAdmin(actor))) throw notFound('link');
  return link;
}

export interface LinkListing {
  limit: number;
  cursor?: Cursor;
  q?: string;
  tag?: string;
  /** true lists only archived links; absent or false, only the others. */
  archived?: boolean;
  /** 'all' (admins only) lists every owner's links; otherwise the actor's own, or this owner's. */
  owner?: 'all' | { id: string };
  /** Only links on the domain with this host name. */
  domain?: string;
}

export async function listLinks(deps: Pick<LinkDeps, 'store' | 'domains'>, actor: Actor, listing: LinkListing): Promise<LinkRecord[]> {
  const { limit, cursor, ...filters } = listing;
  return deps.store.listLinks({ ...linkQuery(deps, actor, filters), limit, cursor });
}

/** What a listing filters on, without its page: what an export takes (use-cases/export-links.ts). */
export type LinkFilters = Omit<LinkListing, 'limit' | 'cursor'>;

/**
 * The store query of a listing: whose links the actor may see, the filters normalised. Throws before
 * anything is read: forbidden for owner=all asked by a non-admin, not found for another user's links, invalid for a domain.
 */
export function linkQuery(deps: Pick<LinkDeps, 'domains'>, actor: Actor, filters: LinkFilters): Omit<LinkQuery, 'limit' | 'cursor'> {
  const { owner, domain, ...query } = filters;
  let ownerId: string | undefined = actor.user.id;
  if (owner === 'all') {
    if (!isAdmin(actor)) throw new AppError('forbidden', 'only admins can list every owner\'s links');
    ownerId = undefined;
  } else if (owner !== undefined) {
    if (owner.id !== actor.user.id && !isAdmin(actor)) throw notFound('user');
    ownerId = owner.id;
  }
  return { ...query, ownerId, tag: query.tag?.toLowerCase(), archived: query.archived ?? false, domainId: domainOf(deps, actor, domain) };
}

/** PUT passes a whole LinkInput (absent optional fields reset to their defaults); PATCH passes only what changes. */
export async function updateLink(
  deps: Pick<LinkDeps, 'store' | 'cache' | 'clock' | 'urlPolicy' | 'domains' | 'edge'>, actor: Actor, id: string, edit: LinkEdit,
): Promise<LinkRecord> {
  const before = await getLink(deps, actor, id);
  const now = deps.clock();
  const { domain, password, utm, ...changes } = edit;
  const domainId = domainOf(deps, actor, domain);
  const valid = assertValid(deps, changes, now);
  // UTM without a url is merged into the stored one (the one read just now: a concurrent change of the
  // url in between is overwritten, as any PATCH overwrites the fields it names).
  const url = utm === undefined ? valid.url : mergeUtm(valid.url ?? before.url, utm);
  const tags = changes.tags === undefined ? undefined : normalizeTags(changes.tags);
  const passwordHash = await passwordHashOf(password);
  const { rules, destinations, og } = valid;
  const link = await codeMustBeFree(deps.store.updateLink(id, {
    ...changes, domainId, url, expiredUrl: valid.expiredUrl, tags, passwordHash, rules, destinations, og,
  }, now));
  if (!link) throw notFound('link');
  const [was, is] = [linkKey(before.domainId, before.code), linkKey(link.domainId, link.code)];
  await deps.cache.invalidate(was);
  if (is !== was) await deps.cache.invalidate(is);
  // Only what a CDN may have kept: the code as it was (its new code was a 404 or another link's, never kept).
  if (mayKeepAtEdge(before)) deps.edge.purge([was]);
  return link;
}

/** The full replacement of PUT: every field the body leaves out goes back to its default; the domain and code stay. */
export const replacement = (input: LinkInput): LinkEdit => ({
  url: input.url,
  domain: input.domain,
  code: input.code,
  title: input.title ?? null,
  tags: input.tags ?? [],
  redirectType: input.redirectType ?? 302,
  expiresAt: input.expiresAt ?? null,
  maxClicks: input.maxClicks ?? null,
  password: input.password ?? null,
  expiredUrl: input.expiredUrl ?? null,
  archived: input.archived ?? false,
  rules: input.rules ?? null,
  destinations: input.destinations ?? null,
  og: input.og ?? null,
  // Left out: the url is kept as given, utm_* parameters and all.
  utm: input.utm,
});

/** A password's argon2id hash; undefined (leave as is) and null (none) pass through. */
async function passwordHashOf<T extends null | undefined>(password: string | T): Promise<string | T> {
  return typeof password === 'string' ? hashPassword(password) : password;
}

export async function deleteLink(deps: Pick<LinkDeps, 'store' | 'cache' | 'edge'>, actor: Actor, id: string): Promise<void> {
  const link = await getLink(deps, actor, id);
  if (!(await deps.store.deleteLink(id))) throw notFound('link');
  const key = linkKey(link.domainId, link.code);
  await deps.cache.invalidate(key);
  if (mayKeepAtEdge(link)) deps.edge.purge([key]);
}

/** The id of the domain a host name names, if the actor may put links on it; undefined when none is named. */
function domainOf(deps: Pick<LinkDeps, 'domains'>, actor: Actor, hostname: string | undefined): string | undefined {
  if (hostname === undefined) return undefined;
  const domain = deps.domains.byHost(normalizeHost(hostname));
  if (!domain || !mayUse(actor, domain)) throw invalid('domain', 'is not a domain you can put links on (GET /api/v1/domains lists them)');
  return domain.id;
}

/**
 * Checks the fields the schema cannot, and returns the target URL, the fallback and the routing
 * normalized. The fallback, every rule's url, every arm of a split and the preview image are redirect
 * targets (or fetched by bots) like the url, so they pass the same checks (scheme, loop, blocklist,
 * private addresses).
 */
function assertValid(
  deps: Pick<LinkDeps, 'urlPolicy'>, input: Partial<LinkInput>, now: number,
): { url?: string; expiredUrl?: string | null } & NormalRouting {
  if (input.code !== undefined) assertValidCustomCode(input.code);
  if (input.expiresAt != null && input.expiresAt <= now) throw invalid('expires_at', 'must be in the future');
  const url = input.url === undefined ? undefined : assertSafeUrl(input.url, deps.urlPolicy);
  const expiredUrl = input.expiredUrl == null ? input.expiredUrl : assertSafeUrl(input.expiredUrl, deps.urlPolicy, 'expired_url');
  return { url, expiredUrl, ...normalizeRouting(input, deps.urlPolicy) };
}

/** The url with `utm` merged in (undefined: as it is); the result is a Location too, so it keeps to the same length. */
function mergeUtm(url: string, utm: Utm | null | undefined): string {
  if (utm === undefined) return url;
  const merged = withUtm(url, utm);
  if (merged.length > MAX_URL_LENGTH) {
    throw invalid('utm', `would make the url longer than ${MAX_URL_LENGTH.toLocaleString('en')} characters`);
  }
  return merged;
}

/** Tags compare case-insensitively and without surrounding spaces; duplicates collapse. */
const normalizeTags = (tags: string[]): string[] => [...new Set(tags.map((t) => t.trim().toLowerCase()))];

async function codeMustBeFree<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof UniqueViolation && err.field === 'code') {
      throw new AppError('conflict', 'this code is already taken', [{ field: 'code', message: 'is already taken' }]);
    }
    throw err;
  }
}
