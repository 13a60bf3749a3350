import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PASSWORD_PAGE_HEADERS, PASSWORD_PAGE_STYLE, passwordPage, problemMessage } from '../../src/http/link-password-page.js';

/** `--name: value` pairs of a stylesheet's blocks, light (outside any @media) and dark. */
function tokens(css: string): { light: Map<string, string>; dark: Map<string, string> } {
  const dark = /@media\s*\(prefers-color-scheme:\s*dark\)\s*\{([\s\S]*?\})\s*\}/.exec(css)?.[1] ?? '';
  const light = css.replace(dark, '');
  const pairs = (text: string) => new Map([...text.matchAll(/(--[a-z-]+):\s*([^;}]+)/g)].map((m) => [m[1]!, m[2]!.trim()]));
  return { light: pairs(light), dark: pairs(dark) };
}

describe('the password page', () => {
  test('when compared with the dashboard, then every colour and the font it uses are the dashboard\'s', () => {
    const dashboard = readFileSync(new URL('../../web/src/styles.css', import.meta.url), 'utf8');
    const ours = tokens(PASSWORD_PAGE_STYLE);
    const theirs = tokens(dashboard);
    assert.ok(ours.light.size >= 10 && ours.dark.size >= 9, 'the page defines its colours');
    for (const scheme of ['light', 'dark'] as const) {
      for (const [name, value] of ours[scheme]) assert.equal(value, theirs[scheme].get(name), `${scheme} ${name}`);
    }
    const font = (css: string) => /font-family:\s*([^;]+);/.exec(css)?.[1]?.replace(/\s*,\s*/g, ',').trim();
    assert.equal(font(PASSWORD_PAGE_STYLE), font(dashboard));
  });

  test('when served, then the CSP allows exactly its inline stylesheet, by hash, and no script', () => {
    const hash = createHash('sha256').update(PASSWORD_PAGE_STYLE).digest('base64');
    const csp = PASSWORD_PAGE_HEADERS['content-security-policy'];
    assert.match(csp, /^default-src 'none'; /);
    assert.ok(csp.includes(`style-src 'sha256-${hash}'`));
    assert.ok(passwordPage('/abc').includes(`<style>${PASSWORD_PAGE_STYLE}</style>`), 'the stylesheet is served byte for byte as hashed');
    assert.doesNotMatch(csp, /script-src|unsafe/);
  });

  test('when there is a problem, then it is said in words, and the path is escaped into the action', () => {
    assert.equal(problemMessage({ kind: 'wait', seconds: 40 }), 'Too many tries. Try again in 40 seconds.');
    assert.equal(problemMessage({ kind: 'wait', seconds: 1 }), 'Too many tries. Try again in 1 second.');
    assert.equal(problemMessage({ kind: 'wrong' }), 'Wrong password. Please try again.');
    assert.ok(passwordPage('/a"b<c').includes('action="/a&quot;b&lt;c"'));
  });
});
