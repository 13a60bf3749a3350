import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeKeysOf, mayKeepAtEdge } from '../../src/domain/edge-keys.js';
import { purgeRequest } from '../../src/adapters/cdn/purge-request.js';
import type { RedirectLink } from '../../src/domain/redirect-decision.js';

const PERMANENT: RedirectLink = { url: 'https://example.com/', redirectType: 301, expiresAt: null, maxClicks: null, hasPassword: false };

describe('mayKeepAtEdge', () => {
  test('when a link is a plain 301 or 308, then a CDN may keep it', () => {
    assert.equal(mayKeepAtEdge(PERMANENT), true);
    assert.equal(mayKeepAtEdge({ ...PERMANENT, redirectType: 308, rules: null, destinations: null, og: null }), true);
  });

  test('when anything can change its answer between visits, then a CDN may not keep it', () => {
    for (const changed of [
      { redirectType: 302 }, { redirectType: 307 }, { expiresAt: 1 }, { maxClicks: 3 }, { hasPassword: true },
      { rules: [] }, { destinations: [] }, { og: { title: 'card' } },
    ] as Partial<RedirectLink>[]) {
      assert.equal(mayKeepAtEdge({ ...PERMANENT, ...changed }), false, JSON.stringify(changed));
    }
  });
});

describe('edgeKeysOf', () => {
  test('when a link is on the default domain or a custom one, then its keys name it and its domain', () => {
    assert.deepEqual(edgeKeysOf('abc'), ['kurz-link-abc', 'kurz-domain-default']);
    assert.deepEqual(edgeKeysOf('d1/abc'), ['kurz-link-d1/abc', 'kurz-domain-d1']);
  });
});

describe('purgeRequest', () => {
  const purge = { keys: ['kurz-link-a', 'kurz-link-b'], urls: ['https://s.example/a', 'https://s.example/b'] };

  test('when the style is json, then the body names keys and URLs and the token is a bearer', () => {
    const { headers, body } = purgeRequest('json', purge, 'tok');
    assert.deepEqual(JSON.parse(body!), purge);
    assert.equal(headers.authorization, 'Bearer tok');
    assert.equal(headers['content-type'], 'application/json');
  });

  test('when the style is fastly, then the keys go space-separated in Surrogate-Key and the token in Fastly-Key', () => {
    const { headers, body } = purgeRequest('fastly', purge, 'tok');
    assert.equal(body, undefined);
    assert.equal(headers['surrogate-key'], 'kurz-link-a kurz-link-b');
    assert.equal(headers['fastly-key'], 'tok');
    assert.equal(headers.authorization, undefined);
  });

  test('when the style is cloudflare, then the body is its tags and the token a bearer', () => {
    const { headers, body } = purgeRequest('cloudflare', purge, 'tok');
    assert.deepEqual(JSON.parse(body!), { tags: purge.keys });
    assert.equal(headers.authorization, 'Bearer tok');
  });

  test('when there is no token, then no credential header is sent', () => {
    for (const style of ['json', 'fastly', 'cloudflare'] as const) {
      const { headers } = purgeRequest(style, purge, undefined);
      assert.equal(headers.authorization, undefined);
      assert.equal(headers['fastly-key'], undefined);
    }
  });
});
