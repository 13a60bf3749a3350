/**
 * Field conversions the JSON and dump readers share: peers' time stamps to epoch milliseconds, tag lists,
 * short links split into host and code.
 */

// RFC 3339 and the forms peers write beside it: a space for the T (SQL), no seconds, a zone of
// +0000 (Bitly), or none at all.
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Epoch milliseconds of a peer's time stamp, or null when it is not one. A time without a zone is UTC:
 * the peers whose exports carry none (Kutt on SQLite, YOURLS's dump under mysqldump's `TIME_ZONE='+00:00'`)
 * write UTC there.
 */
export function epochMs(text: string): number | null {
  const m = TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const ms = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March; a date that moved is not a date.
  if (new Date(utc).getUTCDate() !== day) return null;
  const zone = m[8];
  if (!zone || zone.toUpperCase() === 'Z') return utc;
  const digits = zone.replace(':', '');
  const offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
  return zone.startsWith('-') ? utc + offset : utc - offset;
}

/** Tags as Kurz keeps them: strings, trimmed, empty ones dropped; anything else in the list is ignored. */
export const cleanTags = (values: unknown): string[] =>
  Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter((v) => v !== '') : [];

/** A short link (`bit.ly/abc`, `https://go.example.com/abc`) as its lower-case host and the path after it, or null. */
export function splitShortLink(link: string): { host: string; code: string } | null {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#\s]+)\/([^?#\s]*)$/i.exec(link.trim());
  if (!m || m[2] === '') return null;
  return { host: m[1]!.toLowerCase(), code: m[2]! };
}

/** A count the peer stored: a non-negative integer, as a number or a string of digits; null otherwise. */
export function count(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}
