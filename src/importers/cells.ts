/**
 * The values peers write in an export's cells, read one way for every format: text, times, counts,
 * flags, tags and short links. A value that cannot be read throws a CellError naming its column, which
 * the table turns into an invalid row (csv-table.ts); an empty cell is "unknown", never an error.
 */
import { epochMs, splitShortLink, type ShortLink } from './fields.js';

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

/** A time cell (empty: null): ISO 8601, and with `epoch` also whole seconds or milliseconds since 1970. */
export function timeCell(text: string | undefined, column: string, epoch = false): number | null {
  const t = trimmed(text);
  if (t === null) return null;
  // Below 10^11 a count is seconds (up to the year 5138); from there on, milliseconds (from March 1973).
  if (epoch && /^\d{1,15}$/.test(t)) return Number(t) < 1e11 ? Number(t) * 1000 : Number(t);
  return epochMs(t) ?? badCell(column, `is not a date and time: ${shown(t)}`);
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

/** A short link cell ("bit.ly/3abcDef" or "https://s.test/abc"; empty: null). */
export function shortLinkCell(text: string | undefined, column: string): ShortLink | null {
  const t = trimmed(text);
  if (t === null) return null;
  return splitShortLink(t) ?? badCell(column, `is not a link: ${shown(t)}`);
}
