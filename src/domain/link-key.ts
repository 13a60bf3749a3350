/**
 * A link is found by its domain and code: the same code may live on two domains. The caches, their
 * invalidation messages and the store's redirect read are keyed by one string made of both. Links on
 * the default domain (BASE_URL's host) keep their bare code as their key, so nothing cached or
 * published before domains existed changes meaning; a custom domain's is `domainId/code` (a code never
 * holds a slash).
 */

/** The id of the default domain, BASE_URL's host: it always exists and has no row of its own. */
export const DEFAULT_DOMAIN_ID = '';

/** The cache key of a code on a domain. */
export const linkKey = (domainId: string, code: string): string => (domainId === DEFAULT_DOMAIN_ID ? code : `${domainId}/${code}`);

/** A key's domain and code. */
export function keyParts(key: string): { domainId: string; code: string } {
  const slash = key.indexOf('/');
  return slash === -1 ? { domainId: DEFAULT_DOMAIN_ID, code: key } : { domainId: key.slice(0, slash), code: key.slice(slash + 1) };
}

/** Not a link's key: what other instances are told when the registered domains change. */
export const DOMAINS_CHANGED = '/domains';
