/**
 * The one place a redirect decides anything: from the link as cached (or as the store counted it) and
 * the time, what the visitor gets. The fast path (http/fast-redirect.ts) and the route
 * (use-cases/resolve-code.ts) both ask it; a new rule (a password, routing, a split) is added here only.
 */
import { linkState, type LinkLimits } from './link-state.js';

/** The statuses a link may redirect with. */
export type RedirectType = 301 | 302 | 307 | 308;

/** What a redirect needs of a link. */
export interface RedirectLink {
  url: string;
  redirectType: RedirectType;
  expiresAt: number | null;
  maxClicks: number | null;
  /**
   * Where a visitor goes once the link has expired or used up its clicks (302, nothing counted); null: a
   * 410. Absent in a Redis entry written before it existed (0007), which means the same as null.
   */
  expiredUrl?: string | null;
}

export interface Redirect {
  kind: 'redirect';
  status: RedirectType;
  location: string;
  /** A permanent redirect with no expiry or click limit may be cached by browsers. */
  cacheable: boolean;
}

/** Why a link no longer redirects to its target. */
export type GoneReason = 'expired' | 'exhausted';

/** A link that is over, sent to its expired_url: always a 302 that no browser keeps, and no click counted. */
export interface Fallback {
  kind: 'fallback';
  reason: GoneReason;
  location: string;
}

export type RedirectDecision =
  | Redirect
  | Fallback
  | { kind: 'not-found' }
  | { kind: 'gone'; reason: GoneReason }
  /** A click-limited link: only the store's conditional count may let a visit through (exact across instances). */
  | { kind: 'count' };

/** A decision that needs nothing more: what a visitor is answered. */
export type Settled = Exclude<RedirectDecision, { kind: 'count' }>;

const NOT_FOUND = { kind: 'not-found' } as const;
const EXPIRED = { kind: 'gone', reason: 'expired' } as const;
const EXHAUSTED = { kind: 'gone', reason: 'exhausted' } as const;
const COUNT = { kind: 'count' } as const;

/** The decision for a cached link (null: no such code). Flat early returns: this is the hot path. */
export function decideRedirect(link: RedirectLink | null | undefined, now: number): RedirectDecision {
  if (!link) return NOT_FOUND;
  if (link.expiresAt !== null && now >= link.expiresAt) return link.expiredUrl ? fallback(link.expiredUrl, 'expired') : EXPIRED;
  if (link.maxClicks !== null) return COUNT;
  return redirectOf(link);
}

/** The decision for a link as the store read or counted it, its clicks included. */
export function decideCounted(link: (RedirectLink & LinkLimits) | null | undefined, now: number): Settled {
  if (!link) return NOT_FOUND;
  const state = linkState(link, now);
  return state === 'active' ? redirectOf(link) : goneOf(link, state);
}

/** The decision after the store counted a visit to a click-limited link, by one conditional statement. */
export function decideVisit(visit: { outcome: 'missing' } | { outcome: 'live' | 'expired' | 'exhausted'; link: RedirectLink }): Settled {
  if (visit.outcome === 'missing') return NOT_FOUND;
  return visit.outcome === 'live' ? redirectOf(visit.link) : goneOf(visit.link, visit.outcome);
}

/** A link that is over: to its fallback where it has one, gone otherwise. */
function goneOf(link: RedirectLink, reason: GoneReason): Fallback | { kind: 'gone'; reason: GoneReason } {
  if (link.expiredUrl) return fallback(link.expiredUrl, reason);
  return reason === 'expired' ? EXPIRED : EXHAUSTED;
}

const fallback = (location: string, reason: GoneReason): Fallback => ({ kind: 'fallback', reason, location });

function redirectOf(link: RedirectLink): Redirect {
  return {
    kind: 'redirect',
    status: link.redirectType,
    location: link.url,
    cacheable: (link.redirectType === 301 || link.redirectType === 308) && link.expiresAt === null && link.maxClicks === null,
  };
}
