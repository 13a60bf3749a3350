import { createHash } from 'node:crypto';
import type { OpenGraph } from '../domain/routing.js';

/**
 * What a chat or social preview bot is shown for a link with Open Graph fields: a page of meta tags the
 * owner chose (Open Graph and Twitter Card), so the link unfurls as they want. No script; the inline
 * style allowed by its hash. Every value is user input, escaped.
 */
const STYLE = 'body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;overflow-wrap:anywhere}';
const styleHash = createHash('sha256').update(STYLE).digest('base64');

export const CARD_PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${styleHash}'; img-src https: http:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'cache-control': 'private, no-store',
  'referrer-policy': 'no-referrer',
});

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The card page of a link: its Open Graph fields, its short URL as og:url, and a link on to `url`. */
export function cardPage({ og, shortUrl, url }: { og: OpenGraph; shortUrl: string; url: string }): string {
  const meta = (attr: 'property' | 'name', key: string, value: string | undefined) =>
    (value === undefined ? '' : `<meta ${attr}="${key}" content="${escapeHtml(value)}">\n`);
  const title = og.title ?? shortUrl;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${meta('property', 'og:type', 'website')}${meta('property', 'og:url', shortUrl)}${meta('property', 'og:title', og.title)}${meta('property', 'og:description', og.description)}${meta('property', 'og:image', og.image)}${meta('name', 'twitter:card', og.image ? 'summary_large_image' : 'summary')}${meta('name', 'twitter:title', og.title)}${meta('name', 'twitter:description', og.description)}${meta('name', 'twitter:image', og.image)}${meta('name', 'description', og.description)}<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${og.description ? `<p>${escapeHtml(og.description)}</p>\n` : ''}<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>
</main>
</body>
</html>
`;
}
