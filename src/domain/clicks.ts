/**
 * Clicks and their counting: what the redirect records, what the rollups count, and how a batch is
 * summed. Pure (no I/O, no state), so the ports, the stores and the analytics worker share one meaning.
 * Parsing a user agent (a parser and its cache) is impure and lives in analytics/parse.ts.
 */

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
  /** A visit of a link that routes (rules or a split, domain/routing.ts): the URL it was sent to. Absent or null otherwise. */
  destination?: string | null;
  /** The index of the rule that sent it there; absent or null when no rule did. */
  rule?: number | null;
  /**
   * The W3C traceparent of the traced (sampled) request that recorded it, carried in the stream entry to
   * the worker, whose span applying the batch continues that trace. Absent when tracing is off or the
   * request was not sampled; never stored.
   */
  trace?: string;
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

/** A click with its user agent parsed: what the rollups count. */
export interface ParsedClick {
  /** See ClickEvent.key. */
  key?: string;
  linkId: string;
  at: number;
  counted: boolean;
  bot: boolean;
  referrer: string;
  country: string;
  browser: string;
  os: string;
  device: string;
  /** See ClickEvent.destination: the URL a routed visit was sent to; absent or null for a link that does not route. */
  destination?: string | null;
  /** See ClickEvent.rule: the index of the rule that decided; absent or null when none did. */
  rule?: number | null;
  /** How many identical clicks this stands for (groupClicks); 1 when absent. */
  n?: number;
}

export const DIRECT = '(direct)';
export const UNKNOWN = '(unknown)';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The attributes a click is counted by, besides its link, hour and bot-ness; the stats break down by each. */
export const DIMENSIONS = ['referrer', 'country', 'browser', 'os', 'device'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * The clicks of one link in one hour (or, once folded, one day) that are alike in bot-ness and in
 * every dimension. One row per combination, not one per dimension: a click costs one row write, and
 * any breakdown is a GROUP BY of one column.
 */
export interface CountRow extends Record<Dimension, string> {
  linkId: string;
  /** Start of the hour (or, once folded, of the day), epoch ms UTC. */
  bucket: number;
  bot: boolean;
  clicks: number;
}

export const bucketOf = (at: number, size = HOUR): number => at - (at % size);

/** Sums a batch of clicks into count rows: per link, hour, bot-ness and combination of dimension values. */
export function countClicks(clicks: readonly ParsedClick[]): CountRow[] {
  const rows = new Map<string, CountRow>();
  for (const c of clicks) {
    const bucket = bucketOf(c.at);
    const key = `${c.linkId}\u0000${bucket}\u0000${c.bot}\u0000${c.referrer}\u0000${c.country}\u0000${c.browser}\u0000${c.os}\u0000${c.device}`;
    const row = rows.get(key);
    if (row) row.clicks += c.n ?? 1;
    else {
      const { linkId, bot, referrer, country, browser, os, device } = c;
      rows.set(key, { linkId, bucket, bot, referrer, country, browser, os, device, clicks: c.n ?? 1 });
    }
  }
  return [...rows.values()];
}

/**
 * The routed clicks of one link in one hour (or, once folded, one day) that are alike in bot-ness,
 * destination and deciding rule: what the stats' `destinations` and `rules` sum. Kept apart from
 * CountRow so that a link that does not route writes nothing more than before.
 */
export interface RouteRow {
  linkId: string;
  /** Start of the hour (or, once folded, of the day), epoch ms UTC. */
  bucket: number;
  bot: boolean;
  /** The index of the rule that decided, or null when none did (the split, or the link's url). */
  rule: number | null;
  /** The URL the visits were sent to. */
  destination: string;
  clicks: number;
}

/** Sums the routed clicks of a batch (those with a destination) into route rows; unrouted clicks make none. */
export function countRoutes(clicks: readonly ParsedClick[]): RouteRow[] {
  const rows = new Map<string, RouteRow>();
  for (const c of clicks) {
    if (c.destination == null) continue;
    const bucket = bucketOf(c.at);
    const rule = c.rule ?? null;
    const key = `${c.linkId}\u0000${bucket}\u0000${c.bot}\u0000${rule ?? ''}\u0000${c.destination}`;
    const row = rows.get(key);
    if (row) row.clicks += c.n ?? 1;
    else rows.set(key, { linkId: c.linkId, bucket, bot: c.bot, rule, destination: c.destination, clicks: c.n ?? 1 });
  }
  return [...rows.values()];
}

/** Clicks per link that links.clicks does not have yet (limited links were counted by the redirect). */
export function uncountedPerLink(clicks: readonly ParsedClick[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of clicks) if (!c.counted) counts.set(c.linkId, (counts.get(c.linkId) ?? 0) + (c.n ?? 1));
  return counts;
}

/**
 * The distinct clicks of a batch, each once with how many times it came: the same key, link, hour,
 * visitor, counted-ness and route (destination and rule: two visits sent to different arms are two
 * groups, or the stats would credit both to one). Under real traffic a batch holds many clicks of few links (a Zipf spread:
 * the top 1% of links take about half the clicks), so parsing and counting per distinct click instead
 * of per click turns thousands of steps into tens. The latest `at` of a group stands for it (same hour).
 */
export function groupClicks(events: readonly ClickEvent[]): { event: ClickEvent; n: number }[] {
  const groups = new Map<string, { event: ClickEvent; n: number }>();
  for (const e of events) {
    const id = `${e.key ?? ''}\u0000${e.linkId}\u0000${bucketOf(e.at)}\u0000${e.counted}\u0000${e.referrer}\u0000${e.country}\u0000${e.ua}\u0000${e.destination ?? ''}\u0000${e.rule ?? ''}`;
    const group = groups.get(id);
    if (!group) groups.set(id, { event: e, n: 1 });
    else {
      group.n++;
      if (e.at > group.event.at) group.event = e;
    }
  }
  return [...groups.values()];
}
