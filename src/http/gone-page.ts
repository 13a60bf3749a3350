import type { GoneReason } from '../domain/redirect-decision.js';
import { htmlPage, strictPageHeaders } from './html.js';

/**
 * The 410 of a link that is over, for a person: a small page that says why, in place of the problem
 * JSON a browser would show raw. No script and nothing from elsewhere; one inline style, allowed by its
 * hash, so the strict policy holds. The dashboard's colours, light and dark; plain headings and text, so
 * it reads the same in a text browser or a screen reader.
 */
const STYLE = ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;'
  + 'background:#fff;color:#1b1f24}main{max-width:36rem;margin:4rem auto;padding:0 1rem}h1{font-size:1.5rem}p{color:#57606a}'
  + '@media (prefers-color-scheme:dark){:root{background:#0f1419;color:#e6edf3}p{color:#9da7b3}}';

/** The page's headers: nothing may load or run but its own style; no framing; never kept (an edit may revive the link). */
export const GONE_PAGE_HEADERS = strictPageHeaders(STYLE);

const TEXT: Record<GoneReason, { title: string; detail: string }> = {
  expired: { title: 'This link has expired', detail: 'The short link you followed was set to stop working after a date, and that date has passed.' },
  exhausted: { title: 'This link has reached its click limit', detail: 'The short link you followed could be opened only a set number of times, and it has been.' },
};

const pages = Object.fromEntries(Object.entries(TEXT).map(([reason, { title, detail }]) => [reason, htmlPage({
  title, style: STYLE, main: `<p>${detail} If someone gave it to you, ask them for a new one.</p>\n`,
})])) as Record<GoneReason, string>;

/** The page for a link that is over, by why. */
export const gonePage = (reason: GoneReason): string => pages[reason];
