/**
 * Kutt's links as its API v2 lists them, `GET /api/v2/links`: `{total, limit, skip, data: [link, …]}`
 * (thedevs-network/kutt server/handlers/links.handler.js, `get`), one page, pages appended one after
 * another, or an array of pages. A link is the row of server/queries/link.queries.js (`selectable`:
 * address, banned, created_at, updated_at, password, description, expire_in, target, visit_count, and
 * the custom domain's address as `domain`, null for the instance's own) shaped by `sanitize.link` in
 * server/utils/utils.js: `id` is the uuid, `banned` and `password` booleans (the hash is never sent),
 * `link` the full short URL. Kutt has no tags. `created_at` is an ISO time; `expire_in` is the column as
 * the database returned it (an ISO time from PostgreSQL, "YYYY-MM-DD hh:mm:ss" in UTC from SQLite).
 */
import { count, epochMs, splitShortLink } from './fields.js';
import { readJsonItems } from './json-items.js';
import type { ImportReader, ImportRow } from './record.js';

/** `value` as a time, null when absent; undefined when present but not a time. */
function optionalTime(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? epochMs(value) ?? undefined : undefined;
}

/** One link of the listing as a row. */
function kuttRow(line: number, item: unknown): ImportRow {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { line, invalid: 'item is not a link object' };
  const link = item as Record<string, unknown>;
  if (typeof link.target !== 'string' || link.target === '') return { line, invalid: 'key target is missing or not a string' };
  if (typeof link.address !== 'string' || link.address === '') return { line, invalid: 'key address is missing or not a string' };
  const code = link.address;
  // SQLite and MySQL hand Kutt 0/1 where PostgreSQL hands booleans; sanitize.link turns both into booleans.
  if (link.banned === true || link.banned === 1) return { line, skipped: 'banned', code, detail: 'Kutt had banned this link.' };
  if (link.password === true) {
    return { line, skipped: 'password', code, detail: 'The link is protected by a password on Kutt, and the export cannot carry the password.' };
  }
  const createdAt = optionalTime(link.created_at);
  if (createdAt === undefined) return { line, invalid: `key created_at is not a time: ${JSON.stringify(link.created_at)}` };
  const expiresAt = optionalTime(link.expire_in);
  if (expiresAt === undefined) return { line, invalid: `key expire_in is not a time: ${JSON.stringify(link.expire_in)}` };
  const clicks = link.visit_count === undefined || link.visit_count === null ? 0 : count(link.visit_count);
  if (clicks === null) return { line, invalid: `key visit_count is not a count: ${JSON.stringify(link.visit_count)}` };
  // The host of `link` is the custom domain or the instance's own (DEFAULT_DOMAIN): both are where the
  // code was served, and the instance's own is what someone moving a self-hosted Kutt wants to keep.
  const host = typeof link.domain === 'string' && link.domain !== '' ? link.domain.toLowerCase() : typeof link.link === 'string' ? splitShortLink(link.link)?.domain ?? null : null;
  return {
    line,
    link: {
      url: link.target,
      code,
      domain: host,
      title: typeof link.description === 'string' && link.description !== '' ? link.description : null,
      tags: [],
      createdAt,
      expiresAt,
      clicks,
    },
  };
}

/** Reads Kutt's API v2 links JSON. */
export const readKuttJson: ImportReader = async function* (input) {
  for await (const item of readJsonItems(input, { listKey: 'data', format: 'a Kutt API v2 links page' })) {
    yield 'invalid' in item ? { line: item.index, invalid: item.invalid } : kuttRow(item.index, item.value);
  }
};
