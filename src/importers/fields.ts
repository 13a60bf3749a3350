/**
 * Field conversions every reader shares: peers' time stamps to epoch milliseconds, tag lists, short
 * links split into host and code.
 */

// 2024-05-01, 2024-05-01 10:00:00 (MySQL), 2024-05-01T10:00:00.123Z, …+02:00, …+0200 (Bitly's API), …+02.
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(?:(Z|UTC|GMT)|([+-])(\d{2}):?(\d{2})?)?$/i;

/**
 * An ISO 8601 time as epoch milliseconds, or null when the text is not one. A time without a zone is UTC:
 * YOURLS stores UTC (it sets PHP's zone to UTC), Kutt on SQLite and mysqldump under `TIME_ZONE='+00:00'`
 * write UTC, and a file that names no zone gives nothing better.
 */
export function epochMs(text: string): number | null {
  const m = TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const local = Date.UTC(year!, month! - 1, day!, hour, minute, second, ms);
  const back = new Date(local);
  // Date.UTC rolls 2024-02-30 over into March: a date that does not come back unchanged does not exist.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month! - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  const offset = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) : 0;
  return local - offset * 60_000;
}

/** Tags as Kurz keeps them: strings, trimmed, empty ones dropped; anything else in the list is ignored. */
export const cleanTags = (values: unknown): string[] =>
  Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter((v) => v !== '') : [];

/** A peer's short link, as its host and its code. */
export interface ShortLink {
  /** Lower-case host (an international one in its xn-- form). */
  domain: string;
  /** The path without its leading slash, %-escapes undone; null when the link has no path. */
  code: string | null;
}

/** A short link (`bit.ly/abc`, `https://go.example.com/abc`) as its host and code; null when it is not a link. */
export function splitShortLink(text: string): ShortLink | null {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return null;
  }
  if (!url.hostname) return null;
  const path = url.pathname.slice(1);
  let code = path;
  try {
    code = decodeURIComponent(path);
  } catch {
    // A malformed %-escape is kept as written: the use case reports the code it cannot take.
  }
  return { domain: url.hostname.toLowerCase(), code: code === '' ? null : code };
}

/** A count the peer stored: a non-negative integer, as a number or a string of digits; null otherwise. */
export function count(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}
