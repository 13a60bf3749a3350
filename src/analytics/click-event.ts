/**
 * One click, as the redirect records it: synchronously, in memory, with no I/O. No IP address is
 * kept; a country is taken only from a trusted proxy's header.
 */
export interface ClickEvent {
  /**
   * UUIDv7, the key that makes applying an event twice harmless. Given once an event can be delivered
   * twice (the stream producer sets it before XADD); the in-process queue applies whole batches once
   * under a batch id instead, so the redirect makes none.
   */
  id?: string;
  linkId: string;
  at: number;
  /** Host of the Referer, lower-cased, or null for a direct visit. */
  referrer: string | null;
  /** User-Agent, truncated: parsed into browser, OS, device and bot by the worker, off the redirect's path. */
  ua: string | null;
  /** ISO 3166-1 alpha-2 code from the trusted proxy's country header, or null. */
  country: string | null;
  /** The redirect already counted this click into links.clicks (a link with max_clicks is counted exactly, at once). */
  counted: boolean;
}

export const MAX_UA_LENGTH = 256;

/** The host of a Referer header, or null when there is none or it is not an absolute http(s) URL. */
export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    const url = new URL(referer);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.hostname.toLowerCase().replace(/\.$/, '') || null;
  } catch {
    return null;
  }
}

/** A country header's value when it is a two-letter code (Cloudflare's XX and T1 mean "unknown" and Tor). */
export function countryCode(header: string | undefined): string | null {
  if (!header) return null;
  const code = header.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) && code !== 'XX' ? code : null;
}
