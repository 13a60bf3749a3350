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

/**
 * GET /:code: cache → expiry → count → redirect. A link without a click limit is served from the
 * cache and its click is queued in memory (no I/O). A limited link is checked and counted by one
 * conditional UPDATE in the store, so its limit holds exactly under any concurrency and across
 * instances. A HEAD (link previews, checkers) looks without counting.
 */
export async function resolveCode(ctx: Context, code: string, count: boolean): Promise<Redirect> {
  if (!couldBeCode(code)) throw missing();
  const link = await ctx.cache.lookup(code);
  if (!link) throw missing();
  const now = ctx.clock();
  if (link.expiresAt !== null && now >= link.expiresAt) throw expired();
  if (link.maxClicks !== null) return redirectOf(await limitedVisit(ctx, code, count, now));
  if (count) ctx.clicks.enqueue(link.id, now);
  return redirectOf(link);
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

const redirectOf = (link: CachedLink): Redirect => ({
  status: link.redirectType,
  location: link.url,
  cacheable: (link.redirectType === 301 || link.redirectType === 308) && link.expiresAt === null && link.maxClicks === null,
});

const missing = () => new AppError('not-found', 'no link with this code');
const expired = () => new AppError('gone', 'this link has expired');
const exhausted = () => new AppError('gone', 'this link has reached its click limit');
