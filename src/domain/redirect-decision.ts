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
}

export interface Redirect {
  kind: 'redirect';
  status: RedirectType;
  location: string;
  /** A permanent redirect with no expiry or click limit may be cached by browsers. */
  cacheable: boolean;
}

export type RedirectDecision =
  | Redirect
  | { kind: 'not-found' }
  | { kind: 'gone'; reason: 'expired' | 'exhausted' }
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
  if (link.expiresAt !== null && now >= link.expiresAt) return EXPIRED;
  if (link.maxClicks !== null) return COUNT;
  return redirectOf(link);
}

/** The decision for a link as the store read or counted it, its clicks included. */
export function decideCounted(link: (RedirectLink & LinkLimits) | null | undefined, now: number): Settled {
  if (!link) return NOT_FOUND;
  const state = linkState(link, now);
  if (state === 'expired') return EXPIRED;
  if (state === 'exhausted') return EXHAUSTED;
  return redirectOf(link);
}

/** The decision after the store counted a visit to a click-limited link, by one conditional statement. */
export function decideVisit(visit: { outcome: 'missing' } | { outcome: 'live' | 'expired' | 'exhausted'; link: RedirectLink }): Settled {
  if (visit.outcome === 'missing') return NOT_FOUND;
  if (visit.outcome === 'expired') return EXPIRED;
  if (visit.outcome === 'exhausted') return EXHAUSTED;
  return redirectOf(visit.link);
}

/** What a domain does with a path that names no link of it (an unknown code, or its root): its redirect there if set (302, never kept by browsers), else a 404. */
export function elsewhere(target: string | null): Settled {
  return target === null ? NOT_FOUND : { kind: 'redirect', status: 302, location: target, cacheable: false };
}

function redirectOf(link: RedirectLink): Redirect {
  return {
    kind: 'redirect',
    status: link.redirectType,
    location: link.url,
    cacheable: (link.redirectType === 301 || link.redirectType === 308) && link.expiresAt === null && link.maxClicks === null,
  };
}
