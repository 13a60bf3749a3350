import { couldBeCode } from '../domain/codes.js';
import { decideCounted, type Fallback, type Gone } from '../domain/redirect-decision.js';
import type { Destination, Rule } from '../domain/routing.js';
import type { KnownDomain, LinkStore } from '../ports.js';
import { problemOf } from './resolve-code.js';

/** What previewing a link uses. */
export interface PreviewDeps {
  /** One read of the link, its title and clicks included (the cache keeps neither). */
  store: Pick<LinkStore, 'findLinkByCode'>;
  /** Epoch milliseconds: whether the link is over is judged by it. */
  clock: () => number;
}

/**
 * What the preview page of a link shows. A protected link shows neither its destinations nor its
 * title (which often names them): the password guards both. A link that is over shows where it now
 * sends its visitors (its expired_url), or is gone.
 */
export type LinkPreview =
  | {
    kind: 'live';
    title: string | null;
    /** The link's main URL: where a visit goes that no rule takes and no split draws. */
    url: string;
    /** Its rules, in order; empty when it has none. */
    rules: readonly Rule[];
    /** Its A/B split; empty when it has none. */
    destinations: readonly Destination[];
  }
  | { kind: 'protected' }
  | Fallback
  | Gone;

/**
 * GET /:code+ on the domain its host names: what a visit would lead to, for a person who wants to know
 * before following a short link. Counts nothing and decides nothing for a visitor: every destination
 * of a routed link is listed. An unknown code (or a host that names no domain) throws 404; archived
 * links are previewed like any other, since they still redirect.
 */
export async function previewLink(deps: PreviewDeps, domain: KnownDomain | undefined, code: string): Promise<LinkPreview> {
  if (!domain || !couldBeCode(code)) throw problemOf({ kind: 'not-found' });
  const link = await deps.store.findLinkByCode(code, domain.id);
  if (!link) throw problemOf({ kind: 'not-found' });
  // As the redirect decides: a link that is over is over (its fallback, or gone) before its password is asked.
  const decided = decideCounted(link, deps.clock());
  if (decided.kind === 'fallback' || decided.kind === 'gone') return decided;
  if (link.hasPassword) return { kind: 'protected' };
  return { kind: 'live', title: link.title, url: link.url, rules: link.rules ?? [], destinations: link.destinations ?? [] };
}
