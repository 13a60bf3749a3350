import { couldBeCode } from '../domain/codes.js';
import { AppError } from '../domain/errors.js';
import { decideCounted, decideRedirect, decideVisit, elsewhere, type Redirect, type Settled } from '../domain/redirect-decision.js';
import type { ClickQueue, KnownDomain, LinkLookup, LinkStore } from '../ports.js';
import { linkKey } from '../domain/link-key.js';

export type { Redirect } from '../domain/redirect-decision.js';

/** What resolving a code uses. */
export interface RedirectDeps {
  /** code → link, kept close: a hit needs no I/O. */
  cache: LinkLookup;
  /** Counts a visit to a click-limited link (GET), or reads it (HEAD). */
  store: Pick<LinkStore, 'countVisit' | 'findTargetByCode'>;
  /** Where the click of a redirect goes, never awaited. */
  clicks: ClickQueue;
  /** Epoch milliseconds: expiry is judged and the click stamped by it. */
  clock: () => number;
}

/** What the redirect knows of the visitor: no IP address, only what analytics keeps. */
export interface Visitor {
  referrer: string | null;
  ua: string | null;
  country: string | null;
}

/**
 * GET /:code on a domain: cache → decide → (count) → redirect → record the click. A link without a click limit is
 * decided from the cache. A limited link is checked and counted by one conditional UPDATE in the store,
 * so its limit holds exactly under any concurrency and across instances. The click event is enqueued
 * in memory, never awaited. A HEAD (link previews, checkers) passes no visitor: it looks, and counts nothing.
 */
export async function resolveCode(deps: RedirectDeps, domain: KnownDomain, code: string, visitor: Visitor | null): Promise<Redirect> {
  if (!couldBeCode(code)) throw problemOf({ kind: 'not-found' });
  const link = await deps.cache.lookup(linkKey(domain.id, code));
  const now = deps.clock();
  const cached = decideRedirect(link, now);
  const counted = cached.kind === 'count';
  const decision = cached.kind === 'count' ? await limitedVisit(deps, domain.id, code, visitor !== null, now) : cached;
  if (decision.kind !== 'redirect') throw problemOf(decision);
  if (visitor) deps.clicks.enqueue({ linkId: link!.id, at: now, counted, ...visitor });
  return decision;
}

/** A limited link: a GET counts the visit in the store; a HEAD only reads it. */
async function limitedVisit(deps: Pick<RedirectDeps, 'store'>, domainId: string, code: string, count: boolean, now: number): Promise<Settled> {
  if (count) return decideVisit(await deps.store.countVisit(code, now, domainId));
  return decideCounted(await deps.store.findTargetByCode(code, domainId), now);
}

/** What a path that names no link on a domain answers: the domain's redirect for it (root or unknown code), or a 404. */
export function redirectElsewhere(target: string | null): Redirect {
  const decision = elsewhere(target);
  if (decision.kind !== 'redirect') throw problemOf(decision);
  return decision;
}

function problemOf(decision: Exclude<Settled, Redirect>): AppError {
  if (decision.kind === 'not-found') return new AppError('not-found', 'no link with this code');
  return decision.reason === 'expired'
    ? new AppError('gone', 'this link has expired')
    : new AppError('gone', 'this link has reached its click limit');
}
