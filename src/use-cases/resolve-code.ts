import { couldBeCode } from '../domain/codes.js';
import { AppError } from '../domain/errors.js';
import { linkState } from '../domain/link-state.js';
import type { RedirectType, Visit } from '../ports.js';
import type { Context } from './context.js';

export interface Redirect {
  status: RedirectType;
  location: string;
  /** A permanent redirect with no expiry or click limit may be cached by browsers. */
  cacheable: boolean;
}

/**
 * GET /:code. A visit is counted in the same statement that checks expiry and the click limit, so
 * the limit holds exactly under any concurrency. A HEAD (link previews, checkers) looks without counting.
 */
export async function resolveCode(ctx: Context, code: string, count: boolean): Promise<Redirect> {
  if (!couldBeCode(code)) throw missing();
  const now = ctx.clock();
  const visit = count ? await ctx.store.countVisit(code, now) : await look(ctx, code, now);
  switch (visit.outcome) {
    case 'missing':
      throw missing();
    case 'expired':
      throw new AppError('gone', 'this link has expired');
    case 'exhausted':
      throw new AppError('gone', 'this link has reached its click limit');
  }
  const { link } = visit;
  return {
    status: link.redirectType,
    location: link.url,
    cacheable: (link.redirectType === 301 || link.redirectType === 308) && link.expiresAt === null && link.maxClicks === null,
  };
}

const missing = () => new AppError('not-found', 'no link with this code');

async function look(ctx: Context, code: string, now: number): Promise<Visit> {
  const link = await ctx.store.findLinkByCode(code);
  if (!link) return { outcome: 'missing' };
  const state = linkState(link, now);
  return { outcome: state === 'active' ? 'live' : state, link };
}
