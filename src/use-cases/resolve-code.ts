import { couldBeCode } from '../domain/codes.js';
import { AppError } from '../domain/errors.js';
import { linkState } from '../domain/link-state.js';
import type { CachedLink, RedirectType } from '../ports.js';
import type { Context } from './context.js';

export interface Redirect {
  status: RedirectType;
  location: string;
  /** A permanent redirect with no expiry or click limit may be cached by browsers. */
  cacheable: boolean;
}

/** What the redirect knows of the visitor: no IP address, only what analytics keeps. */
export interface Visitor {
  referrer: string | null;
  ua: string | null;
  country: string | null;
}

/**
 * GET /:code: cache → expiry → count → redirect → record the click. A link without a click limit is
 * served from the cache. A limited link is checked and counted by one conditional UPDATE in the store,
 * so its limit holds exactly under any concurrency and across instances. The click event is enqueued
 * in memory, never awaited. A HEAD (link previews, checkers) passes no visitor: it looks, and counts nothing.
 */
export async function resolveCode(ctx: Context, code: string, visitor: Visitor | null): Promise<Redirect> {
  if (!couldBeCode(code)) throw missing();
  const link = await ctx.cache.lookup(code);
  if (!link) throw missing();
  const now = ctx.clock();
  if (link.expiresAt !== null && now >= link.expiresAt) throw expired();
  const limited = link.maxClicks !== null;
  const target = limited ? await limitedVisit(ctx, code, visitor !== null, now) : link;
  if (visitor) ctx.clicks.enqueue({ linkId: link.id, at: now, counted: limited, ...visitor });
  return redirectOf(target);
}

async function limitedVisit(ctx: Context, code: string, count: boolean, now: number): Promise<CachedLink> {
  if (count) {
    const visit = await ctx.store.countVisit(code, now);
    if (visit.outcome === 'missing') throw missing();
    if (visit.outcome !== 'live') throw visit.outcome === 'expired' ? expired() : exhausted();
    return visit.link;
  }
  const link = await ctx.store.findTargetByCode(code);
  if (!link) throw missing();
  const state = linkState(link, now);
  if (state !== 'active') throw state === 'expired' ? expired() : exhausted();
  return link;
}

export const redirectOf = (link: CachedLink): Redirect => ({
  status: link.redirectType,
  location: link.url,
  cacheable: (link.redirectType === 301 || link.redirectType === 308) && link.expiresAt === null && link.maxClicks === null,
});

const missing = () => new AppError('not-found', 'no link with this code');
const expired = () => new AppError('gone', 'this link has expired');
const exhausted = () => new AppError('gone', 'this link has reached its click limit');
