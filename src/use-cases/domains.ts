import { AppError, invalid, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Cursor } from '../domain/cursor.js';
import { assertHostname } from '../domain/hosts.js';
import { DEFAULT_DOMAIN_ID, DOMAINS_CHANGED } from '../domain/link-key.js';
import { assertSafeUrl, type UrlPolicy } from '../domain/url-safety.js';
import {
  DomainInUse, UniqueViolation, type AccountStore, type DomainDirectory, type DomainRecord, type DomainStore, type KnownDomain, type LinkLookup,
} from '../ports.js';
import { type Acting, type Actor, isAdmin } from './actor.js';

/** What the domain use cases use. */
export interface DomainDeps {
  /** Where domains live, and the users they may be given to. */
  store: DomainStore & Pick<AccountStore, 'findUserById'>;
  /** The domains every request resolves its host through: reloaded after each write. */
  domains: DomainDirectory;
  /** Tells every other instance to reload its domains (DOMAINS_CHANGED rides on the links' invalidations). */
  cache: Pick<LinkLookup, 'invalidate'>;
  /** Epoch milliseconds: creation and update times. */
  clock: () => number;
  /** Which redirect targets are refused (the same checks as a link's target). */
  urlPolicy: UrlPolicy;
}

export interface DomainInput {
  hostname: string;
  rootRedirect?: string | null;
  notFoundRedirect?: string | null;
  /** The one user who may put links on it besides admins; null or absent: shared. */
  ownerId?: string | null;
}

/** The default domain's id in the API (it is '' inside). */
export const DEFAULT_DOMAIN_PUBLIC_ID = 'default';

/** assertAdmin → check hostname, redirects and owner → insert → tell every instance */
export async function createDomain(deps: DomainDeps, actor: Actor, input: DomainInput): Promise<DomainRecord> {
  assertAdmin(actor);
  const hostname = assertHostname(input.hostname);
  if (hostname === defaultDomain(deps).hostname) throw new AppError('conflict', 'hostname is BASE_URL\'s host, which is the default domain already', [{ field: 'hostname', message: 'is the default domain' }]);
  const now = deps.clock();
  const { rootRedirect, notFoundRedirect, ownerId } = await checkedSettings(deps, hostname, input);
  const domain = { id: newId(now), hostname, rootRedirect: rootRedirect ?? null, notFoundRedirect: notFoundRedirect ?? null, ownerId: ownerId ?? null, createdAt: now };
  const created = await hostnameMustBeFree(deps.store.insertDomain(domain));
  await announce(deps);
  return created;
}

export interface DomainListing {
  limit: number;
  cursor?: Cursor;
}

/**
 * Newest first, then the default domain last (it has no creation time): admins see every domain,
 * users the shared ones and those given to them, which are the ones they may put links on.
 */
export async function listDomains(deps: Pick<DomainDeps, 'store' | 'domains'>, actor: Actor, { limit, cursor }: DomainListing): Promise<DomainRecord[]> {
  const rows = await deps.store.listDomains({ limit, cursor, usableBy: isAdmin(actor) ? undefined : actor.user.id });
  // The default domain ends the last page, once.
  if (rows.length <= limit && !(cursor && cursor.createdAt <= 0)) rows.push(defaultView(deps));
  return rows;
}

export async function getDomain(deps: Pick<DomainDeps, 'store' | 'domains'>, actor: Actor, id: string): Promise<DomainRecord> {
  if (id === DEFAULT_DOMAIN_PUBLIC_ID) return defaultView(deps);
  const domain = await deps.store.findDomainById(id);
  // One not given to this user answers like a missing one, as a link of another user does.
  if (!domain || !mayUse(actor, domain)) throw notFound('domain');
  return domain;
}

/** assertAdmin → not the default → check what changes → update → tell every instance */
export async function updateDomain(deps: DomainDeps, actor: Actor, id: string, changes: Partial<DomainInput>): Promise<DomainRecord> {
  assertAdmin(actor);
  notDefault(id);
  const before = await deps.store.findDomainById(id);
  if (!before) throw notFound('domain');
  const hostname = changes.hostname === undefined ? before.hostname : assertHostname(changes.hostname);
  if (hostname === defaultDomain(deps).hostname) throw invalid('hostname', 'is the default domain');
  const updated = await hostnameMustBeFree(deps.store.updateDomain(id, { hostname, ...(await checkedSettings(deps, hostname, changes)) }, deps.clock()));
  if (!updated) throw notFound('domain');
  await announce(deps);
  return updated;
}

/** A domain with links is kept (409): its short URLs are out in the world. */
export async function deleteDomain(deps: Pick<DomainDeps, 'store' | 'domains' | 'cache'>, actor: Actor, id: string): Promise<void> {
  assertAdmin(actor);
  notDefault(id);
  try {
    if (!(await deps.store.deleteDomain(id))) throw notFound('domain');
  } catch (err) {
    if (err instanceof DomainInUse) throw new AppError('conflict', 'this domain still has links: delete them or move them to another domain first');
    throw err;
  }
  await announce(deps);
}

/** Whether the actor may put links on the domain: a shared one, one given to them, or any for an admin. */
export const mayUse = (actor: Acting, domain: Pick<KnownDomain, 'ownerId'>): boolean =>
  domain.ownerId === null || domain.ownerId === actor.user.id || isAdmin(actor);

/** The redirects and owner of a domain, checked: the redirects like a link's target, and never to the domain itself. */
async function checkedSettings(deps: Pick<DomainDeps, 'store' | 'urlPolicy'>, hostname: string, input: Partial<DomainInput>) {
  const policy = { ...deps.urlPolicy, domains: () => [...(deps.urlPolicy.domains?.() ?? []), hostname] };
  const target = (url: string | null | undefined, field: string) => (url == null ? url : assertSafeUrl(url, policy, field));
  if (input.ownerId != null && !(await deps.store.findUserById(input.ownerId))) throw invalid('owner_id', 'is not a user');
  return {
    rootRedirect: target(input.rootRedirect, 'root_redirect'),
    notFoundRedirect: target(input.notFoundRedirect, 'not_found_redirect'),
    ownerId: input.ownerId,
  };
}

/** Reloads this instance's directory, then tells the others to reload theirs. */
async function announce(deps: Pick<DomainDeps, 'domains' | 'cache'>): Promise<void> {
  await deps.domains.reload();
  await deps.cache.invalidate(DOMAINS_CHANGED);
}

const defaultDomain = (deps: Pick<DomainDeps, 'domains'>): KnownDomain => deps.domains.byId(DEFAULT_DOMAIN_ID)!;
/** The default domain has no row: it shows as created at 0, which sorts it after every other. */
const defaultView = (deps: Pick<DomainDeps, 'domains'>): DomainRecord => ({ ...defaultDomain(deps), createdAt: 0, updatedAt: 0 });

function assertAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new AppError('forbidden', 'only admins manage domains');
}

function notDefault(id: string): void {
  if (id === DEFAULT_DOMAIN_PUBLIC_ID) throw new AppError('conflict', 'the default domain is BASE_URL\'s host: change BASE_URL to change it');
}

async function hostnameMustBeFree<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof UniqueViolation && err.field === 'hostname') {
      throw new AppError('conflict', 'this hostname is registered already', [{ field: 'hostname', message: 'is registered already' }]);
    }
    throw err;
  }
}
