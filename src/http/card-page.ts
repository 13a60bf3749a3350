import type { OpenGraph } from '../domain/routing.js';
import { escapeHtml, htmlPage, strictPageHeaders } from './html.js';

/**
 * The page a chat or social preview bot (Slackbot, Twitterbot, facebookexternalhit …) gets for a link
 * with Open Graph fields, instead of the redirect: so the link unfurls as its owner wrote it. The
 * tags are the Open Graph protocol's (og:*) and X's (twitter:*). A person
 * who lands on it anyway sees the same text and a link on. No script and nothing from elsewhere (the
 * image is named for the bot, not shown); one inline stylesheet allowed by its hash.
 */
const STYLE = ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;'
  + 'line-height:1.5;background:#ffffff;color:#1b1f24}*,*::before,*::after{box-sizing:border-box}body{margin:0}'
  + 'main{max-width:36rem;margin:3rem auto;padding:0 1rem}h1{font-size:1.5rem;overflow-wrap:anywhere}p{color:#57606a;overflow-wrap:anywhere}'
  + 'a{color:#1d4ed8;overflow-wrap:anywhere;word-break:break-all}'
  + '@media (prefers-color-scheme:dark){:root{background:#0f1419;color:#e6edf3}p{color:#9da7b3}a{color:#6ea8fe}}';

/** The stylesheet as served (the CSP names its hash). */
export const CARD_PAGE_STYLE = STYLE;

/** Nothing but the inline stylesheet may load; no script, no form, no framing; never kept (the owner may change the card). */
export const CARD_PAGE_HEADERS = strictPageHeaders(STYLE);

/** What the card shows: the link's Open Graph fields, its short URL (og:url) and where it goes. */
export interface CardInput {
  og: OpenGraph;
  /** The short URL the bot asked for: the card's canonical URL. */
  shortUrl: string;
  /** The link's URL: where the page's visible link leads. */
  url: string;
}

/**
 * The card page. Each field the link has becomes its tag (og:title, og:description, og:image) and
 * none that it lacks; the page's title is og.title, or the short URL. twitter:card is
 * summary_large_image with an image, summary without one.
 */
export function cardPage({ og, shortUrl, url }: CardInput): string {
  const meta = (property: string, content: string) => `<meta property="${property}" content="${escapeHtml(content)}">\n`;
  const title = og.title ?? shortUrl;
  const tags = [
    meta('og:type', 'website'),
    meta('og:url', shortUrl),
    og.title !== undefined ? meta('og:title', og.title) : '',
    og.description !== undefined ? meta('og:description', og.description) : '',
    og.description !== undefined ? `<meta name="description" content="${escapeHtml(og.description)}">\n` : '',
    og.image !== undefined ? meta('og:image', og.image) : '',
    `<meta name="twitter:card" content="${og.image !== undefined ? 'summary_large_image' : 'summary'}">\n`,
    // X falls back to og:* for these; older unfurlers read only the twitter:* names.
    og.title !== undefined ? `<meta name="twitter:title" content="${escapeHtml(og.title)}">\n` : '',
    og.description !== undefined ? `<meta name="twitter:description" content="${escapeHtml(og.description)}">\n` : '',
    og.image !== undefined ? `<meta name="twitter:image" content="${escapeHtml(og.image)}">\n` : '',
  ].join('');
  return htmlPage({
    title: escapeHtml(title), style: STYLE, head: tags,
    main: `${og.description !== undefined ? `<p>${escapeHtml(og.description)}</p>\n` : ''}<p><a href="${escapeHtml(url)}">Continue to ${escapeHtml(url)}</a></p>\n`,
  });
}
