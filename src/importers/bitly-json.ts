/**
 * Bitly's API v4 listing of a group's links, `GET /v4/groups/{group_guid}/bitlinks`
 * (https://dev.bitly.com/api-reference/#getBitlinksByGroup): `{links: [bitlink, …], pagination}`, one
 * page, pages appended one after another, or an array of pages. The keys of a bitlink read here, as
 * Bitly documents them and clients model them (e.g. hassanalaahassan/shortly
 * src/shared/interfaces/link.ts, aliraja-dev/url-shortener-app src/app/interfaces/bitlyResponse.interface.ts):
 * `id` ("bit.ly/abc"), `link`, `custom_bitlinks` (["https://brand.co/spring"]), `long_url`, `title`,
 * `archived`, `created_at` ("2019-06-24T16:15:39+0000"), `tags`. The listing carries no click counts:
 * those are a call per link (`/clicks/summary`), so clicks are 0.
 */
import { cleanTags, epochMs, splitShortLink } from './fields.js';
import { readJsonItems } from './json-items.js';
import type { ImportReader, ImportRow } from './record.js';

const describe = (value: unknown): string => (Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`);

/** One bitlink of the listing as a row. */
function bitlinkRow(line: number, item: unknown): ImportRow {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { line, invalid: `item is ${describe(item)}, not a bitlink object` };
  const link = item as Record<string, unknown>;
  if (typeof link.long_url !== 'string' || link.long_url === '') return { line, invalid: 'key long_url is missing or not a string' };
  // A custom bitlink is the address people were given (the branded one); the id is Bitly's own.
  const custom = Array.isArray(link.custom_bitlinks) ? link.custom_bitlinks.find((c): c is string => typeof c === 'string') : undefined;
  const short = [custom, link.id].map((c) => (typeof c === 'string' ? splitShortLink(c) : null)).find((s) => s?.code);
  if (!short?.code) return { line, invalid: 'key id is not a bitlink (host/back-half) and no custom_bitlinks entry is either' };
  let createdAt: number | null = null;
  if (link.created_at !== undefined && link.created_at !== null) {
    createdAt = typeof link.created_at === 'string' ? epochMs(link.created_at) : null;
    if (createdAt === null) return { line, invalid: `key created_at is not a time: ${JSON.stringify(link.created_at)}` };
  }
  const title = typeof link.title === 'string' && link.title !== '' ? link.title : null;
  // `archived` is the API's name for what Bitly's dashboard calls hiding a link: it leaves the list but
  // keeps redirecting and counting. Kurz's archived link is the same (hidden from the list, still
  // redirects), so it comes in archived rather than skipped.
  const archived = link.archived === true;
  return {
    line,
    link: {
      url: link.long_url,
      code: short.code,
      domain: short.domain,
      title,
      tags: cleanTags(link.tags),
      createdAt,
      expiresAt: null,
      clicks: 0,
      ...(archived ? { extra: { archived } } : {}),
    },
  };
}

/** Reads Bitly's API v4 bitlinks JSON. */
export const readBitlyJson: ImportReader = async function* (input) {
  for await (const item of readJsonItems(input, { listKey: 'links', format: 'a Bitly API v4 bitlinks page' })) {
    yield 'invalid' in item ? { line: item.index, invalid: item.invalid } : bitlinkRow(item.index, item.value);
  }
};
