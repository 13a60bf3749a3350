import type { Condition } from '../domain/routing.js';
import type { LinkPreview } from '../use-cases/preview-link.js';
import { escapeHtml, htmlPage, strictPageHeaders } from './html.js';

/**
 * The preview of a short link (GET /{code}+): where it goes, before anyone follows it. No script and
 * nothing from elsewhere; the dashboard's colours (light and dark) in one inline stylesheet allowed by
 * its hash. A URL wraps anywhere rather than widen the page (a phone at 320 px never scrolls sideways),
 * and its host is set in bold: the part that says whose site it is (after any user@ that could pose as one).
 */
const STYLE = ':root{color-scheme:light dark;--bg:#ffffff;--surface:#f5f6f8;--text:#1b1f24;--muted:#57606a;--border:#d0d7de;'
  + '--accent:#1d4ed8;--accent-text:#ffffff;--focus:#e36209;--radius:6px;'
  + 'font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:1.5;'
  + 'background:var(--bg);color:var(--text)}'
  + '@media (prefers-color-scheme:dark){:root{--bg:#0f1419;--surface:#1a2129;--text:#e6edf3;--muted:#9da7b3;--border:#3a444f;'
  + '--accent:#6ea8fe;--accent-text:#0f1419;--focus:#ffa657}}'
  + '*,*::before,*::after{box-sizing:border-box}body{margin:0}'
  + 'main{max-width:40rem;margin:2rem auto;padding:1rem}'
  + 'h1{font-size:1.5rem;margin:0 0 1rem}p{margin:0 0 1rem}'
  + 'dl{margin:0 0 1.5rem;padding:1rem;border:1px solid var(--border);background:var(--surface);border-radius:var(--radius)}'
  + 'dt{font-weight:600;color:var(--muted)}dd{margin:0 0 .75rem}dd:last-child{margin-bottom:0}'
  + 'ul{margin:.25rem 0 0;padding-left:1.25rem}li{margin-bottom:.5rem}'
  + '.url{overflow-wrap:anywhere;word-break:break-all}.why{display:block;color:var(--muted)}'
  + 'a{color:var(--accent)}'
  + '.continue{display:inline-block;padding:.5rem 1rem;border-radius:var(--radius);background:var(--accent);color:var(--accent-text);'
  + 'text-decoration:none;font-weight:600;overflow-wrap:anywhere}'
  + ':focus-visible{outline:3px solid var(--focus);outline-offset:2px}';

/** The stylesheet as served (the CSP names its hash). */
export const PREVIEW_PAGE_STYLE = STYLE;

/** Nothing but the inline stylesheet may load; no script, no form, no framing; never kept. */
export const PREVIEW_PAGE_HEADERS = strictPageHeaders(STYLE);

/** What the preview page shows: a link that is live, protected, or over with somewhere else to go. */
export type ShownPreview = Exclude<LinkPreview, { kind: 'gone' }>;

/** How the page names what a rule looks at. */
const ASPECTS: Record<Condition['type'], string> = {
  device: 'device', os: 'operating system', browser: 'browser', language: 'language', country: 'country',
  query: 'link parameters', ip: 'network address', time: 'time',
};

/** ['a', 'b', 'c'] → 'a, b and c'. */
const listed = (words: readonly string[]): string =>
  words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}`;

/** The distinct aspects some conditions look at, in the order of ASPECTS. */
function aspectsOf(conditions: readonly Condition[]): string[] {
  const types = new Set(conditions.map((c) => c.type));
  return (Object.keys(ASPECTS) as Condition['type'][]).filter((t) => types.has(t)).map((t) => ASPECTS[t]);
}

/**
 * Where a URL's host is, to set it apart: the authority runs from after `//` to the first / ? or #,
 * and its host is what follows the last @ (https://bank.example@evil.example goes to evil.example).
 */
export function splitUrl(url: string): { before: string; host: string; after: string } {
  const scheme = url.indexOf('//');
  if (scheme === -1) return { before: '', host: '', after: url };
  const start = scheme + 2;
  const ends = ['/', '?', '#'].map((c) => url.indexOf(c, start)).filter((i) => i !== -1);
  const end = ends.length > 0 ? Math.min(...ends) : url.length;
  const at = url.lastIndexOf('@', end - 1);
  const hostStart = at >= start ? at + 1 : start;
  return { before: url.slice(0, hostStart), host: url.slice(hostStart, end), after: url.slice(end) };
}

/** A URL in full, escaped, its host in bold. */
function urlHtml(url: string): string {
  const { before, host, after } = splitUrl(url);
  return `<span class="url">${escapeHtml(before)}<strong>${escapeHtml(host)}</strong>${escapeHtml(after)}</span>`;
}

/** The host a URL goes to, for the Continue link's words; the URL itself when it names none. */
const hostOf = (url: string): string => splitUrl(url).host || url;

/** A share of a split as a percentage, to a tenth at most: 1 of 3 → 33.3%. */
const share = (weight: number, total: number): string => `${Math.round((weight * 1000) / total) / 10}%`;

/** The destination entries of a live link (dt + dd), and the words of its Continue link. */
function destinationOf(preview: Extract<ShownPreview, { kind: 'live' }>): { html: string; intro: string; continueTo: string } {
  const { url, rules, destinations } = preview;
  if (rules.length === 0 && destinations.length === 0) {
    return { html: `<dt>Goes to</dt>\n<dd>${urlHtml(url)}</dd>`, intro: '', continueTo: `Continue to ${escapeHtml(hostOf(url))}` };
  }
  const items: string[] = [];
  rules.forEach((rule, i) => {
    items.push(`<li><span class="why">Rule ${i + 1}: some visitors, by ${escapeHtml(listed(aspectsOf(rule.conditions)))}</span>${urlHtml(rule.url)}</li>`);
  });
  const total = destinations.reduce((sum, d) => sum + d.weight, 0);
  for (const d of destinations) {
    items.push(`<li><span class="why">${share(d.weight, total)} of ${rules.length > 0 ? 'the other visitors' : 'visitors'} (an A/B split)</span>${urlHtml(d.url)}</li>`);
  }
  const main = destinations.length > 0 ? 'The link\'s own address, where link checkers are sent' : rules.length > 0 ? 'Everyone else' : 'Everyone';
  items.push(`<li><span class="why">${main}</span>${urlHtml(url)}</li>`);
  const aspects = aspectsOf(rules.flatMap((r) => r.conditions));
  const by = [...aspects, ...(destinations.length > 0 ? ['an A/B split'] : [])];
  return {
    html: `<dt>Goes to one of</dt>\n<dd><ul>\n${items.join('\n')}\n</ul></dd>`,
    intro: `<p>This link sends visitors to different places, by ${escapeHtml(listed(by))}. Every place it may send you is listed below.</p>\n`,
    continueTo: 'Continue to where this link sends you',
  };
}

/**
 * The page for `preview` of the link at `shortUrl`, whose Continue link is `path` (/abc123): the short
 * URL itself, so the visit counts and its routing (or password form) applies.
 */
export function previewPage(preview: ShownPreview, shortUrl: string, path: string): string {
  let intro = '';
  let details: string;
  let continueTo: string;
  if (preview.kind === 'live') {
    const destination = destinationOf(preview);
    intro = destination.intro;
    details = `${preview.title ? `<dt>Title</dt>\n<dd>${escapeHtml(preview.title)}</dd>\n` : ''}${destination.html}`;
    continueTo = destination.continueTo;
  } else if (preview.kind === 'protected') {
    intro = '<p>This link is protected by a password: where it goes is shown only to those who know it.</p>\n';
    details = '<dt>Goes to</dt>\n<dd>Hidden until the password is given</dd>';
    continueTo = 'Continue to the password form';
  } else {
    intro = `<p>${preview.reason === 'expired' ? 'This link has expired' : 'This link has reached its click limit'}; it now sends its visitors elsewhere.</p>\n`;
    details = `<dt>Now goes to</dt>\n<dd>${urlHtml(preview.location)}</dd>`;
    continueTo = `Continue to ${escapeHtml(hostOf(preview.location))}`;
  }
  return htmlPage({
    title: 'Where this short link goes', style: STYLE, head: '<meta name="robots" content="noindex">\n',
    main: `${intro}<dl>
<dt>Short link</dt>
<dd><span class="url">${escapeHtml(shortUrl)}</span></dd>
${details}
</dl>
<p><a class="continue" href="${escapeHtml(path)}">${continueTo}</a></p>
<p>Continue only if you trust where it goes.</p>
`,
  });
}
