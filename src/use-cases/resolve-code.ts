import { couldBeCode } from '../domain/codes.js';
import { AppError } from '../domain/errors.js';
import { decideCounted, decideRedirect, decideVisit, type Fallback, type GoneReason, type Redirect, type Settled } from '../domain/redirect-decision.js';
import type { ClickQueue, LinkLookup, LinkStore } from '../ports.js';

export type { Fallback, GoneReason, Redirect } from '../domain/redirect-decision.js';

/** A link that is over and has no fallback: the caller answers 410, as a page or a problem (goneProblem). */
export interface Gone {
  kind: 'gone';
  reason: GoneReason;
}

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
 * GET /:code: cache → decide → (count) → redirect → record the click. A link without a click limit is
 * decided from the cache. A limited link is checked and counted by one conditional UPDATE in the store,
 * so its limit holds exactly under any concurrency and across instances. The click event is enqueued
 * in memory, never awaited. A HEAD (link previews, checkers) passes no visitor: it looks, and counts nothing.
 * A link that is over answers its fallback (no click: the link is over) or Gone; an unknown code throws 404.
 */
export async function resolveCode(deps: RedirectDeps, code: string, visitor: Visitor | null): Promise<Redirect | Fallback | Gone> {
  if (!couldBeCode(code)) throw notFound();
  const link = await deps.cache.lookup(code);
  const now = deps.clock();
  const cached = decideRedirect(link, now);
  const counted = cached.kind === 'count';
  const decision = cached.kind === 'count' ? await limitedVisit(deps, code, visitor !== null, now) : cached;
  if (decision.kind === 'not-found') throw notFound();
  if (decision.kind !== 'redirect') return decision;
  if (visitor) deps.clicks.enqueue({ linkId: link!.id, at: now, counted, ...visitor });
  return decision;
}

/** A limited link: a GET counts the visit in the store; a HEAD only reads it. */
async function limitedVisit(deps: Pick<RedirectDeps, 'store'>, code: string, count: boolean, now: number): Promise<Settled> {
  if (count) return decideVisit(await deps.store.countVisit(code, now));
  return decideCounted(await deps.store.findTargetByCode(code), now);
}

const notFound = (): AppError => new AppError('not-found', 'no link with this code');

/** The 410 problem of a link that is over. */
export function goneProblem(reason: GoneReason): AppError {
  return reason === 'expired'
    ? new AppError('gone', 'this link has expired')
    : new AppError('gone', 'this link has reached its click limit');
}
