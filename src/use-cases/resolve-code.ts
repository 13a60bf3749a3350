import { couldBeCode } from '../domain/codes.js';
import { AppError } from '../domain/errors.js';
import { decideCounted, decideRedirect, decideUnlocked, decideVisit, elsewhere, type Fallback, type Gone, type GoneReason, type Redirect, type Settled } from '../domain/redirect-decision.js';
import type { CachedLink, ClickQueue, KnownDomain, LinkLookup, LinkStore } from '../ports.js';
import { linkKey } from '../domain/link-key.js';
import type { ClickEvent } from '../domain/clicks.js';
import type { VisitFacts } from '../domain/routing.js';

export type { Fallback, Gone, GoneReason, Redirect } from '../domain/redirect-decision.js';

/** A protected link whose visitor has not proved its password: the route answers with the form. */
export interface PasswordAsked {
  kind: 'password';
  /** The link as cached, for the unlock cookie's check (use-cases/unlock-link.ts). */
  link: CachedLink;
}

/** A preview bot visiting a link with Open Graph fields: the route answers the card page; the click is enqueued (a bot's). */
export interface Card {
  kind: 'card';
  link: CachedLink;
}

/** What resolving a code uses. */
export interface RedirectDeps {
  /** code → link, kept close: a hit needs no I/O. */
  cache: LinkLookup;
  /** Counts a visit to a click-limited link (GET), or reads it (HEAD, or before a password is asked). */
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
  /** What routing may ask of this visit (rules, a split, whether it is a bot), computed only when asked. */
  facts?: VisitFacts;
}

/** The click of a visit that redirected: what analytics keeps of the visitor, and where a routed link sent them. */
export function clickOf(linkId: string, at: number, counted: boolean, visitor: Visitor, redirect?: Redirect): ClickEvent {
  const { referrer, ua, country } = visitor;
  return { linkId, at, counted, referrer, ua, country, destination: redirect?.route?.url ?? null, rule: redirect?.route?.rule ?? null };
}

/**
 * GET /:code on the domain its host names: cache → decide → (count) → redirect → record the click. A link without a click limit is
 * decided from the cache. A limited link is checked and counted by one conditional UPDATE in the store,
 * so its limit holds exactly under any concurrency and across instances. The click event is enqueued
 * in memory, never awaited. A HEAD (link previews, checkers) passes no visitor: it looks, and counts nothing.
 * A protected link is not visited here: the visitor is asked its password (nothing counted). A link that
 * is over answers its fallback (no click: the link is over) or Gone; an unknown code throws 404.
 */
export async function resolveCode(
  deps: RedirectDeps, domain: KnownDomain | undefined, code: string, visitor: Visitor | null,
): Promise<Redirect | Fallback | Gone | PasswordAsked | Card> {
  // A host no domain names has no links: the same 404 as an unknown code.
  if (!domain || !couldBeCode(code)) throw notFound();
  const link = await deps.cache.lookup(linkKey(domain.id, code));
  const now = deps.clock();
  const cached = decideRedirect(link, now, visitor?.facts);
  if (cached.kind === 'password') return askPassword(deps, link!, domain.id, code, now);
  if (cached.kind === 'card') {
    deps.clicks.enqueue(clickOf(link!.id, now, false, visitor!));
    return { kind: 'card', link: link! };
  }
  const counted = cached.kind === 'count';
  const decision = cached.kind === 'count' ? await limitedVisit(deps, domain.id, code, visitor, now) : cached;
  if (decision.kind === 'not-found') throw notFound();
  if (decision.kind !== 'redirect') return decision;
  if (visitor) deps.clicks.enqueue(clickOf(link!.id, now, counted, visitor, decision));
  return decision;
}

/** A limited link: a GET counts the visit in the store; a HEAD only reads it. */
async function limitedVisit(deps: Pick<RedirectDeps, 'store'>, domainId: string, code: string, visitor: Visitor | null, now: number): Promise<Settled> {
  if (visitor) return decideVisit(await deps.store.countVisit(code, now, domainId), now, visitor.facts);
  return decideCounted(await deps.store.findTargetByCode(code, domainId), now);
}

/** What a path that names no link on a domain answers: the domain's redirect for it (root or unknown code), or a 404. */
export function redirectElsewhere(target: string | null): Redirect {
  const decision = elsewhere(target);
  if (decision.kind !== 'redirect') throw problemOf(decision);
  return decision;
}

/**
 * The form for a protected link, unless it is click-limited and used up: that is a 410 (or its fallback)
 * like any other visit, not a form whose right password could only lead there. One store read, for limited ones only.
 */
async function askPassword(deps: Pick<RedirectDeps, 'store'>, link: CachedLink, domainId: string, code: string, now: number): Promise<PasswordAsked | Fallback | Gone> {
  if (link.maxClicks !== null) {
    const counted = decideCounted(await deps.store.findTargetByCode(code, domainId), now);
    if (counted.kind === 'not-found') throw notFound();
    if (counted.kind !== 'redirect') return counted;
  }
  return { kind: 'password', link };
}

/**
 * A visit to a protected link whose password the visitor proved (the form, or its unlock cookie):
 * decided as one without a password, counted (a limited link by the store) and its click enqueued.
 */
export async function openUnlocked(deps: Omit<RedirectDeps, 'cache'>, link: CachedLink, domainId: string, code: string, visitor: Visitor): Promise<Redirect> {
  const now = deps.clock();
  const decision = decideUnlocked(link, now, visitor.facts);
  const counted = decision.kind === 'count';
  const settled = decision.kind === 'count' ? decideVisit(await deps.store.countVisit(code, now, domainId), now, visitor.facts) : decision;
  if (settled.kind !== 'redirect') throw problemOf(settled);
  deps.clicks.enqueue(clickOf(link.id, now, counted, visitor, settled));
  return settled;
}

/** The problem of a decision that is not a redirect: 404, or the 410 of a link that is over (its fallback too, where a redirect cannot be answered). */
export function problemOf(decision: Exclude<Settled, Redirect>): AppError {
  return decision.kind === 'not-found' ? notFound() : goneProblem(decision.reason);
}

const notFound = (): AppError => new AppError('not-found', 'no link with this code');

/** The 410 problem of a link that is over. */
export function goneProblem(reason: GoneReason): AppError {
  return reason === 'expired'
    ? new AppError('gone', 'this link has expired')
    : new AppError('gone', 'this link has reached its click limit');
}
