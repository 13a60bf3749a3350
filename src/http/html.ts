import { createHash } from 'node:crypto';

/**
 * What the server-rendered pages (the password form, the link preview, the card page) share: escaping
 * of every value they interpolate, and a Content-Security-Policy that lets nothing load or run but the
 * page's one inline stylesheet, allowed by its hash.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' };

/** Text (or an attribute value) as HTML: the five characters that can end a text or an attribute, as entities. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/**
 * The headers of a page that holds no script and one inline stylesheet: nothing else may load, no
 * form may post anywhere, no page may frame it, no referrer leaves it, and no cache keeps it (a link
 * may change at any time, and a page may differ by visitor).
 */
export function strictPageHeaders(style: string): Readonly<Record<string, string>> {
  const hash = createHash('sha256').update(style).digest('base64');
  return Object.freeze({
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'cache-control': 'private, no-store',
    'referrer-policy': 'no-referrer',
  });
}
