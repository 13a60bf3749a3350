import { createHash } from 'node:crypto';

/**
 * What the server-rendered pages (the password form, the link preview, the card page) share: escaping
 * of every value they interpolate, and a Content-Security-Policy that lets nothing load or run but the
 * page's one inline stylesheet, allowed by its hash.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' };

/**
 * A whole page: `title` (HTML, escaped by the caller) in the tab and, unless `heading` differs, as the
 * <h1> of its one <main> (and, unless `named` is false, its name); `head` adds tags (meta) before its stylesheet; `main` follows the heading.
 */
export function htmlPage({ title, heading = title, style, head = '', main, named = true }: {
  title: string; heading?: string; style: string; head?: string; main: string;
  /** The <main> takes its heading as its accessible name (a landmark a screen reader lists by it). */
  named?: boolean;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${head}<style>${style}</style>
</head>
<body>
${named ? '<main aria-labelledby="page-title">\n<h1 id="page-title">' : '<main>\n<h1>'}${heading}</h1>
${main}</main>
</body>
</html>
`;
}

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
