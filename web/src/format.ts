/** Conversions between the API's values (RFC 3339, arrays, null) and what form inputs hold (strings). */
import type { Interval, Link } from './types';

const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 3339 → the value of an <input type="datetime-local">, in the browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (no zone: the browser's) → RFC 3339 in UTC; '' → null. */
export function fromLocalInput(value: string): string | null | undefined {
  if (!value) return null;
  // "YYYY-MM-DDTHH:mm" without an offset is local time in every current engine (ES2016+).
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The <input type="date"> value of the UTC day `daysAgo` before today: day buckets are UTC days. */
export function utcDateInput(daysAgo = 0): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** Midnight UTC starting a date input's day; `plusDays` 1 gives the end of that day. */
export function utcDayStart(value: string, plusDays = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays) : undefined;
}

/** "news, launch , news" → ["news", "launch"]: trimmed, no empties, no repeats. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}

export const formatTags = (tags: string[]): string => tags.join(', ');

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { dateStyle: 'medium', timeZone });
}

export function formatBucket(iso: string, interval: Interval): string {
  // Day buckets are UTC days: shown in the browser's zone, midnight UTC could read as the day before.
  return interval === 'hour' ? formatTime(iso) : formatDate(iso, 'UTC');
}

/** "https://sho.rt/abc" → "sho.rt/abc": the scheme is noise in a list. */
export const withoutScheme = (url: string): string => url.replace(/^https?:\/\//, '');

/** The short URL of a link: the API's own (it knows BASE_URL), else this site's origin. */
export const shortUrlOf = (link: Pick<Link, 'code' | 'short_url'>): string =>
  link.short_url || `${location.origin}/${link.code}`;
