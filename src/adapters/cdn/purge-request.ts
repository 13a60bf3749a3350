/**
 * The HTTP request that purges some links at a CDN, in one of three shapes (CDN_PURGE_STYLE). Fastly's
 * and Cloudflare's own APIs are spoken directly: each is a header or a small body, so no proxy has to be
 * run for them; `json` is for anything else (a proxy, a varnish with a purge endpoint, a test).
 */
export type PurgeStyle = 'json' | 'fastly' | 'cloudflare';

/** One purge: the surrogate keys (cache tags) and the short URLs of the links. */
export interface Purge {
  keys: readonly string[];
  urls: readonly string[];
}

/**
 * Keys per request: Fastly takes 256 surrogate keys in one purge, Cloudflare 30 tags (its smallest plan's
 * limit); `json` takes 100 (two keys and one URL of 33 links), keeping bodies to a few kilobytes.
 */
export const KEYS_PER_REQUEST: Record<PurgeStyle, number> = { json: 100, fastly: 256, cloudflare: 30 };

/** The method, headers and body of a purge; the token in the header its provider reads. */
export function purgeRequest(style: PurgeStyle, purge: Purge, token: string | undefined): { headers: Record<string, string>; body?: string } {
  if (style === 'fastly') {
    // Fastly reads the keys from a header; its purge has no body. Its token header is Fastly-Key.
    return { headers: { 'surrogate-key': purge.keys.join(' '), ...(token ? { 'fastly-key': token } : {}) } };
  }
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  // Cloudflare purges by tags or by files in one call, not both: the tags cover every query string of a URL.
  const body = style === 'cloudflare' ? { tags: purge.keys } : { keys: purge.keys, urls: purge.urls };
  return { headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) };
}
