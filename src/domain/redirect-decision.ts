/**
 * The one place a redirect decides anything: from the link as cached (or as the store counted it) and
 * the time, what the visitor gets. The fast path (http/fast-redirect.ts) and the route
 * (use-cases/resolve-code.ts) both ask it; a new rule (routing, a split) is added here only. A password
 * sends the visit to the route (use-cases/unlock-link.ts), which asks decideUnlocked once it is proved.
 */
import { linkState, type LinkLimits } from './link-state.js';
import { isRouted, route, type Destination, type OpenGraph, type Route, type Rule, type VisitFacts } from './routing.js';

/** The statuses a link may redirect with. */
export type RedirectType = 301 | 302 | 307 | 308;

/** What a redirect needs of a link. */
export interface RedirectLink {
  url: string;
  redirectType: RedirectType;
  expiresAt: number | null;
  maxClicks: number | null;
  /** A visit must give the link's password first (the form, or the unlock cookie it set). */
  hasPassword: boolean;
  /**
   * Where a visitor goes once the link has expired or used up its clicks (302, nothing counted); null: a
   * 410. Absent in a Redis entry written before it existed (0007), which means the same as null.
   */
  expiredUrl?: string | null;
  /** Routing rules, first match wins (domain/routing.ts); null: none. Absent in a Redis entry written before 0009: none. */
  rules?: Rule[] | null;
  /** An A/B split replacing `url` for visits no rule takes; null: none. */
  destinations?: Destination[] | null;
  /** What preview bots are shown instead of the redirect; null: they are redirected too. */
  og?: OpenGraph | null;
}

export interface Redirect {
  kind: 'redirect';
  status: RedirectType;
  location: string;
  /** A permanent redirect with no expiry or click limit may be cached by browsers. */
  cacheable: boolean;
  /** How a routed link chose `location` (the click records it; a split may set its cookie); undefined for a link that does not route. */
  route?: Route;
}

/** Why a link no longer redirects to its target. */
export type GoneReason = 'expired' | 'exhausted';

/** A link that is over, sent to its expired_url: always a 302 that no browser keeps, and no click counted. */
export interface Fallback {
  kind: 'fallback';
  reason: GoneReason;
  location: string;
}

/** A link that is over and has no fallback: a 410. */
export interface Gone {
  kind: 'gone';
  reason: GoneReason;
}

export type RedirectDecision =
  | Redirect
  | Fallback
  | { kind: 'not-found' }
  | Gone
  /** A click-limited link: only the store's conditional count may let a visit through (exact across instances). */
  | { kind: 'count' }
  /** A password-protected link: the visitor gets the password form, unless an unlock cookie proves they gave it (decideUnlocked). */
  | { kind: 'password' }
  /** A preview bot visiting a link with Open Graph fields: it is shown the card (the route's page), counted as a bot. */
  | { kind: 'card' };

/** A decision that needs nothing more: what a visitor is answered. */
export type Settled = Exclude<RedirectDecision, { kind: 'count' } | { kind: 'password' } | { kind: 'card' }>;

const NOT_FOUND = { kind: 'not-found' } as const;
const EXPIRED = { kind: 'gone', reason: 'expired' } as const;
const EXHAUSTED = { kind: 'gone', reason: 'exhausted' } as const;
const COUNT = { kind: 'count' } as const;
const PASSWORD = { kind: 'password' } as const;
const CARD = { kind: 'card' } as const;

/** Whether deciding a visit of this link asks the visit anything (its rules or split, or whether a bot asks for its card). */
export const asksVisit = (link: RedirectLink): boolean => link.og != null || isRouted(link);

/**
 * The decision for a cached link (null: no such code). Flat early returns: this is the hot path. `visit`
 * is asked only by a link with Open Graph fields (is this a bot?) or routing; without it (a HEAD) a routed
 * link redirects to its url.
 */
export function decideRedirect(link: RedirectLink | null | undefined, now: number, visit?: VisitFacts): RedirectDecision {
  if (!link) return NOT_FOUND;
  if (link.expiresAt !== null && now >= link.expiresAt) return link.expiredUrl ? fallback(link.expiredUrl, 'expired') : EXPIRED;
  if (link.og && visit?.agent().bot) return CARD;
  if (link.hasPassword) return PASSWORD;
  if (link.maxClicks !== null) return COUNT;
  return redirectOf(link, now, visit);
}

/**
 * The decision for a protected link once the visitor has proved its password (the form's POST, or a
 * valid unlock cookie): as decideRedirect, with the password behind it. Expiry still comes first.
 */
export function decideUnlocked(link: RedirectLink | null | undefined, now: number, visit?: VisitFacts): Exclude<RedirectDecision, { kind: 'password' } | { kind: 'card' }> {
  if (!link) return NOT_FOUND;
  if (link.expiresAt !== null && now >= link.expiresAt) return link.expiredUrl ? fallback(link.expiredUrl, 'expired') : EXPIRED;
  if (link.maxClicks !== null) return COUNT;
  return redirectOf(link, now, visit);
}

/** The decision for a link as the store read or counted it, its clicks included. */
export function decideCounted(link: (RedirectLink & LinkLimits) | null | undefined, now: number, visit?: VisitFacts): Settled {
  if (!link) return NOT_FOUND;
  const state = linkState(link, now);
  return state === 'active' ? redirectOf(link, now, visit) : goneOf(link, state);
}

/** The decision after the store counted a visit to a click-limited link, by one conditional statement. */
export function decideVisit(counted: { outcome: 'missing' } | { outcome: 'live' | 'expired' | 'exhausted'; link: RedirectLink }, now: number, visit?: VisitFacts): Settled {
  if (counted.outcome === 'missing') return NOT_FOUND;
  return counted.outcome === 'live' ? redirectOf(counted.link, now, visit) : goneOf(counted.link, counted.outcome);
}

/** What a domain does with a path that names no link of it (an unknown code, or its root): its redirect there if set (302, never kept by browsers), else a 404. */
export function elsewhere(target: string | null): Settled {
  return target === null ? NOT_FOUND : { kind: 'redirect', status: 302, location: target, cacheable: false };
}

/** A link that is over: to its fallback where it has one, gone otherwise. */
function goneOf(link: RedirectLink, reason: GoneReason): Fallback | Gone {
  if (link.expiredUrl) return fallback(link.expiredUrl, reason);
  return reason === 'expired' ? EXPIRED : EXHAUSTED;
}

const fallback = (location: string, reason: GoneReason): Fallback => ({ kind: 'fallback', reason, location });

function redirectOf(link: RedirectLink, now: number, visit: VisitFacts | undefined): Redirect {
  if (visit && isRouted(link)) return routed(link, now, visit);
  return {
    kind: 'redirect',
    status: link.redirectType,
    location: link.url,
    // A protected link's redirect is never kept: a browser would skip the password after it changed.
    cacheable: (link.redirectType === 301 || link.redirectType === 308) && link.expiresAt === null && link.maxClicks === null && !link.hasPassword,
  };
}

/** A routed link's redirect: never kept by a browser, which would send every later visit where this one went. */
function routed(link: RedirectLink, now: number, visit: VisitFacts): Redirect {
  const to = route(link, link.url, visit, now);
  return { kind: 'redirect', status: link.redirectType, location: to.url, cacheable: false, route: to };
}
