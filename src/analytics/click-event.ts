/**
 * One click, as the redirect records it: synchronously, in memory, with no I/O. No IP address is
 * kept; a country is taken only from a trusted proxy's header.
 */
export interface ClickEvent {
  /**
   * What makes applying an event twice harmless: the events under one key are applied together, once.
   * Given when events can be delivered twice: the stream producer gives each stream entry (the clicks
   * of one event-loop turn) a UUIDv7, which every event in it carries. Events without one (the
   * in-process queue) are keyed by the batch they are applied in.
   */
  key?: string;
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
