/**
 * What a CDN in front of the redirects may keep, and the names (surrogate keys, cache tags) it files a
 * kept redirect under, so that a purge of those names forgets it whatever query string it was asked with.
 */
import { DEFAULT_DOMAIN_ID, keyParts } from './link-key.js';
import type { RedirectLink } from './redirect-decision.js';

/**
 * Whether a shared cache may keep this link's redirect: a permanent one (301/308) that no clock, count,
 * password, rule, split or card can change between two visits. A card is the one answer that differs by
 * visitor (a preview bot's) without a rule: an edge keeping the redirect would hand it to the bots too.
 */
export const mayKeepAtEdge = (link: RedirectLink): boolean =>
  (link.redirectType === 301 || link.redirectType === 308) && link.expiresAt === null && link.maxClicks === null && !link.hasPassword
  && link.rules == null && link.destinations == null && link.og == null;

/** The surrogate key of one link (by its cache key: `kurz-link-abc`, `kurz-link-<domainId>/abc`): codes may hold no space or comma. */
export const linkEdgeKey = (key: string): string => `kurz-link-${key}`;

/** The surrogate key of every link on a domain: purging it forgets the whole domain at the edge. */
export const domainEdgeKey = (domainId: string): string => `kurz-domain-${domainId === DEFAULT_DOMAIN_ID ? 'default' : domainId}`;

/** The surrogate keys a link's redirect is filed under: its own, then its domain's. */
export const edgeKeysOf = (key: string): [string, string] => [linkEdgeKey(key), domainEdgeKey(keyParts(key).domainId)];
