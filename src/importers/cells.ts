/**
 * The values peers write in an export's cells, read one way for every format: text, times, counts,
 * flags, tags and short links. A value that cannot be read throws a CellError naming its column, which
 * the table turns into an invalid row (csv-table.ts); an empty cell is "unknown", never an error.
 */

/** A cell that cannot be read; its message names the column and is shown to the person importing. */
export class CellError extends Error {}

/** Throws the CellError `<column> <problem>`. */
export function badCell(column: string, problem: string): never {
  throw new CellError(`${column} ${problem}`);
}

/** A value quoted in a message, cut at 40 characters: enough to find it, never a wall of text. */
export const shown = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** The cell's text without surrounding blanks, or null when it is empty or absent. */
export function trimmed(text: string | undefined): string | null {
  const t = text?.trim();
  return t ? t : null;
}

/** The cell's text as written (a title keeps its spaces), or null when it is empty or absent. */
export const verbatim = (text: string | undefined): string | null => (text ? text : null);

// 2024-05-01, 2024-05-01 10:00:00 (MySQL), 2024-05-01T10:00:00.123Z, …+02:00, …+0200 (Bitly's API), …+02.
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(?:(Z|UTC|GMT)|([+-])(\d{2}):?(\d{2})?)?$/i;

/**
 * An ISO 8601 time as epoch milliseconds, or null when the text is not one. A time without a zone is UTC:
 * YOURLS stores UTC (it sets PHP's zone to UTC), and a file that names no zone gives nothing better.
 */
export function isoTime(text: string): number | null {
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

/** A time cell (empty: null): ISO 8601, and with `epoch` also whole seconds or milliseconds since 1970. */
export function timeCell(text: string | undefined, column: string, epoch = false): number | null {
  const t = trimmed(text);
  if (t === null) return null;
  // Below 10^11 a count is seconds (up to the year 5138); from there on, milliseconds (from March 1973).
  if (epoch && /^\d{1,15}$/.test(t)) return Number(t) < 1e11 ? Number(t) * 1000 : Number(t);
  return isoTime(t) ?? badCell(column, `is not a date and time: ${shown(t)}`);
}

/** A count cell (empty: `empty`): a whole number, its thousands grouped by commas or not. */
export function countCell(text: string | undefined, column: string, empty: number | null = 0): number | null {
  const t = trimmed(text);
  if (t === null) return empty;
  if (!/^\d+$|^\d{1,3}(?:,\d{3})+$/.test(t)) return badCell(column, `is not a whole number: ${shown(t)}`);
  const n = Number(t.replaceAll(',', ''));
  return Number.isSafeInteger(n) ? n : badCell(column, `is too large: ${shown(t)}`);
}

const YES = new Set(['true', 'yes', '1', 't', 'y']);
const NO = new Set(['false', 'no', '0', 'f', 'n']);

/** A yes/no cell (empty: null): true/false, yes/no, 1/0, case ignored. */
export function flagCell(text: string | undefined, column: string): boolean | null {
  const t = trimmed(text)?.toLowerCase();
  if (t === undefined) return null;
  if (YES.has(t)) return true;
  if (NO.has(t)) return false;
  return badCell(column, `is not true or false: ${shown(t)}`);
}

/** A list in one cell (tags, links): split on `separator`, trimmed, empty items dropped. */
export function listCell(text: string | undefined, separator: string | RegExp): string[] {
  if (!text) return [];
  return text.split(separator).map((t) => t.trim()).filter((t) => t !== '');
}

/** A peer's short link, as its host and its code. */
export interface ShortLink {
  /** Lower-case host (an international one in its xn-- form). */
  domain: string;
  /** The path without its leading slash, %-escapes undone; null when the link has no path. */
  code: string | null;
}

/** A short link cell ("bit.ly/3abcDef" or "https://s.test/abc"; empty: null). */
export function shortLinkCell(text: string | undefined, column: string): ShortLink | null {
  const t = trimmed(text);
  if (t === null) return null;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(t) ? t : `https://${t}`);
  } catch {
    return badCell(column, `is not a link: ${shown(t)}`);
  }
  if (!url.hostname) return badCell(column, `is not a link: ${shown(t)}`);
  const path = url.pathname.slice(1);
  let code = path;
  try {
    code = decodeURIComponent(path);
  } catch {
    // A malformed %-escape is kept as written: the use case reports the code it cannot take.
  }
  return { domain: url.hostname.toLowerCase(), code: code === '' ? null : code };
}
