/** The preview page (GET /{code}+) and the card page of preview bots: what they show, escaped, under a strict CSP. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PREVIEW_PAGE_HEADERS, PREVIEW_PAGE_STYLE, previewPage, splitUrl } from '../../src/http/preview-page.js';
import { CARD_PAGE_HEADERS, CARD_PAGE_STYLE, cardPage } from '../../src/http/card-page.js';
import { escapeHtml } from '../../src/http/html.js';

const HOSTILE = '"><script>alert(1)</script>&\'';
const SHORT = 'http://kurz.test/abc';

const live = (fields: Partial<{ title: string | null; url: string; rules: { conditions: object[]; url: string }[]; destinations: { url: string; weight: number }[] }> = {}) =>
  previewPage({ kind: 'live', title: null, url: 'https://example.com/a', rules: [], destinations: [], ...fields } as never, SHORT, '/abc');

/** The <meta> tags of a page: property or name → content (as written, still escaped). */
const metaOf = (html: string) => new Map([...html.matchAll(/<meta (?:property|name)="([^"]+)" content="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));

function assertStrict(headers: Readonly<Record<string, string>>, style: string, html: string): void {
  const csp = headers['content-security-policy']!;
  const hash = createHash('sha256').update(style).digest('base64');
  assert.match(csp, /^default-src 'none'; /);
  assert.ok(csp.includes(`style-src 'sha256-${hash}'`), csp);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /form-action 'none'/);
  assert.doesNotMatch(csp, /script-src|unsafe/);
  assert.equal(headers['cache-control'], 'private, no-store');
  assert.equal(headers['content-type'], 'text/html; charset=utf-8');
  assert.ok(html.includes(`<style>${style}</style>`), 'the stylesheet is served byte for byte as hashed');
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /<html lang="en">/);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(html, /<main[^>]*>[\s\S]*<h1[^>]*>[^<]+<\/h1>/);
  assert.match(style, /prefers-color-scheme:dark/);
}

describe('the preview page', () => {
  test('when a plain link is previewed, then its title and full URL are shown, the host in bold, and Continue leads to the short URL, naming the host', () => {
    const html = live({ title: 'Spring sale', url: 'https://shop.example.com/spring?utm_source=mail#top' });
    assertStrict(PREVIEW_PAGE_HEADERS, PREVIEW_PAGE_STYLE, html);
    assert.match(html, /<dt>Title<\/dt>\n<dd>Spring sale<\/dd>/);
    assert.ok(html.includes('<span class="url">https://<strong>shop.example.com</strong>/spring?utm_source=mail#top</span>'), html);
    assert.match(html, /<a class="continue" href="\/abc">Continue to shop\.example\.com<\/a>/);
    assert.ok(html.includes(`<span class="url">${SHORT}</span>`));
    assert.doesNotMatch(html, /different places/);
  });

  test('when a link has no title, then no title is shown', () => {
    assert.doesNotMatch(live({ title: null }), /<dt>Title/);
  });

  test('when the title or URL holds markup, quotes or &, then every one is escaped', () => {
    const url = `https://example.com/?q=${HOSTILE}`;
    const html = live({ title: HOSTILE, url, rules: [{ conditions: [{ type: 'device', value: 'ios' }], url: `https://x.example/${HOSTILE}` }], destinations: [] });
    assert.ok(!html.includes(HOSTILE));
    assert.doesNotMatch(html, /<script/i);
    assert.ok(html.includes(`<dd>${escapeHtml(HOSTILE)}</dd>`));
    assert.ok(html.includes(escapeHtml(`/?q=${HOSTILE}`)));
    assert.equal(escapeHtml(HOSTILE), '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;');
  });

  test('when a link has rules and a split, then it says it sends visitors to different places and why, and lists every destination with its share', () => {
    const html = live({
      url: 'https://main.example/',
      rules: [
        { conditions: [{ type: 'device', value: 'ios' }, { type: 'language', value: 'de' }], url: 'https://ios.example/' },
        { conditions: [{ type: 'query', name: 'secret', value: 'token-123' }], url: 'https://query.example/' },
      ],
      destinations: [{ url: 'https://a.example/', weight: 2 }, { url: 'https://b.example/', weight: 1 }],
    });
    assert.match(html, /sends visitors to different places, by device, language, link parameters and an A\/B split/);
    for (const host of ['ios.example', 'query.example', 'a.example', 'b.example', 'main.example']) assert.ok(html.includes(`<strong>${host}</strong>`), host);
    assert.match(html, /Rule 1: some visitors, by device and language/);
    assert.match(html, /66\.7% of the other visitors/);
    assert.match(html, /33\.3% of the other visitors/);
    assert.match(html, /The link's own address, where link checkers are sent/);
    assert.doesNotMatch(html, /token-123/, 'a condition\'s values are not shown: a query value may be a secret');
    assert.match(html, />Continue to where this link sends you</);
  });

  test('when a link has rules only, then the link\'s URL is listed for everyone else', () => {
    const html = live({ rules: [{ conditions: [{ type: 'country', value: 'DE' }], url: 'https://de.example/' }] });
    assert.match(html, /by country\./);
    assert.match(html, /Everyone else<\/span><span class="url">https:\/\/<strong>example\.com<\/strong>\/a/);
  });

  test('when a link is protected, then no destination is shown and Continue leads to the password form', () => {
    const html = previewPage({ kind: 'protected' }, SHORT, '/abc');
    assert.match(html, /protected by a password/);
    assert.match(html, /Hidden until the password is given/);
    assert.match(html, /<a class="continue" href="\/abc">Continue to the password form<\/a>/);
    assert.doesNotMatch(html, /<strong>/);
  });

  test('when a link is over and has an expired_url, then the page says so and shows where it now goes', () => {
    const html = previewPage({ kind: 'fallback', reason: 'exhausted', location: 'https://later.example/x' }, SHORT, '/abc');
    assert.match(html, /reached its click limit; it now sends its visitors elsewhere/);
    assert.match(html, /<dt>Now goes to<\/dt>\n<dd><span class="url">https:\/\/<strong>later\.example<\/strong>\/x/);
    assert.match(html, />Continue to later\.example</);
  });

  test('when a URL has a user name that looks like a host, then the real host is the bold one', () => {
    assert.deepEqual(splitUrl('https://bank.example@evil.example/login?a=@b'), { before: 'https://bank.example@', host: 'evil.example', after: '/login?a=@b' });
    assert.deepEqual(splitUrl('http://example.com'), { before: 'http://', host: 'example.com', after: '' });
    assert.deepEqual(splitUrl('https://example.com:8443?x'), { before: 'https://', host: 'example.com:8443', after: '?x' });
  });
});

describe('the card page', () => {
  const URL_ = 'https://example.com/post?id=1&x=2';

  test('when the link has every Open Graph field, then each is a meta tag, og:url is the short URL, and twitter:card is the large image', () => {
    const html = cardPage({ og: { title: 'Hello', description: 'A post', image: 'https://img.example/a.png' }, shortUrl: SHORT, url: URL_ });
    assertStrict(CARD_PAGE_HEADERS, CARD_PAGE_STYLE, html);
    const meta = metaOf(html);
    assert.equal(meta.get('og:title'), 'Hello');
    assert.equal(meta.get('og:description'), 'A post');
    assert.equal(meta.get('og:image'), 'https://img.example/a.png');
    assert.equal(meta.get('og:url'), SHORT);
    assert.equal(meta.get('og:type'), 'website');
    assert.equal(meta.get('twitter:card'), 'summary_large_image');
    assert.deepEqual([meta.get('twitter:title'), meta.get('twitter:description'), meta.get('twitter:image')], ['Hello', 'A post', 'https://img.example/a.png']);
    assert.match(html, /<title>Hello<\/title>/);
    assert.ok(html.includes(`<a href="${escapeHtml(URL_)}">Continue to ${escapeHtml(URL_)}</a>`));
  });

  test('when the link has no image, then there is no og:image tag and twitter:card is summary', () => {
    const meta = metaOf(cardPage({ og: { title: 'Hello' }, shortUrl: SHORT, url: URL_ }));
    assert.equal(meta.has('og:image'), false);
    assert.equal(meta.has('twitter:image'), false);
    assert.equal(meta.has('og:description'), false);
    assert.equal(meta.get('twitter:card'), 'summary');
  });

  test('when the link has no title, then there is no og:title tag and the page is titled by the short URL', () => {
    const html = cardPage({ og: { description: 'Only this' }, shortUrl: SHORT, url: URL_ });
    assert.equal(metaOf(html).has('og:title'), false);
    assert.match(html, new RegExp(`<title>${SHORT}</title>`));
    assert.equal(metaOf(html).get('og:description'), 'Only this');
  });

  test('when a field holds markup, quotes or &, then it is escaped in the tags and in the text', () => {
    const html = cardPage({ og: { title: HOSTILE, description: HOSTILE, image: `https://img.example/?a=1&b="2"` }, shortUrl: SHORT, url: `https://example.com/?q=${HOSTILE}` });
    assert.ok(!html.includes(HOSTILE));
    assert.doesNotMatch(html, /<script/i);
    const meta = metaOf(html);
    assert.equal(meta.get('og:title'), escapeHtml(HOSTILE));
    assert.equal(meta.get('og:image'), 'https://img.example/?a=1&amp;b=&quot;2&quot;');
    assert.ok(html.includes(`<h1 id="page-title">${escapeHtml(HOSTILE)}</h1>`));
  });
});
