import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideCounted, decideRedirect, decideUnlocked, decideVisit, type RedirectLink } from '../../src/domain/redirect-decision.js';

const NOW = 1_700_000_000_000;
const link = (over: Partial<RedirectLink> = {}): RedirectLink =>
  ({ url: 'https://example.com/a', redirectType: 302, expiresAt: null, maxClicks: null, hasPassword: false, expiredUrl: null, ...over });

describe('the redirect decision', () => {
  test('when the link is live, then it redirects with its type and target, cacheable only if permanent and unlimited', () => {
    assert.deepEqual(decideRedirect(link(), NOW), { kind: 'redirect', status: 302, location: 'https://example.com/a', cacheable: false });
    assert.equal((decideRedirect(link({ redirectType: 301 }), NOW) as { cacheable: boolean }).cacheable, true);
    assert.equal((decideRedirect(link({ redirectType: 308, expiresAt: NOW + 1 }), NOW) as { cacheable: boolean }).cacheable, false);
  });

  test('when there is no link, then not found; when it has expired (at its expiry exactly too), then gone', () => {
    assert.deepEqual(decideRedirect(null, NOW), { kind: 'not-found' });
    assert.deepEqual(decideRedirect(link({ expiresAt: NOW }), NOW), { kind: 'gone', reason: 'expired' });
    assert.equal(decideRedirect(link({ expiresAt: NOW + 1 }), NOW).kind, 'redirect');
  });

  test('when the link has a click limit, then only the store may let the visit through', () => {
    assert.deepEqual(decideRedirect(link({ maxClicks: 5 }), NOW), { kind: 'count' });
    assert.deepEqual(decideRedirect(link({ maxClicks: 5, expiresAt: NOW - 1 }), NOW), { kind: 'gone', reason: 'expired' }, 'expiry first');
  });

  test('when the store counted or read a limited link, then its outcome decides', () => {
    const limited = link({ maxClicks: 2 });
    assert.equal(decideVisit({ outcome: 'live', link: limited }, 0).kind, 'redirect');
    assert.deepEqual(decideVisit({ outcome: 'exhausted', link: limited }, 0), { kind: 'gone', reason: 'exhausted' });
    assert.deepEqual(decideVisit({ outcome: 'missing' }, 0), { kind: 'not-found' });
    assert.deepEqual(decideCounted({ ...limited, clicks: 2 }, NOW), { kind: 'gone', reason: 'exhausted' });
    assert.equal(decideCounted({ ...limited, clicks: 1 }, NOW).kind, 'redirect');
    assert.deepEqual(decideCounted(undefined, NOW), { kind: 'not-found' });
  });

  test('when the link has a password, then the visitor gets the form, after expiry and before the click limit', () => {
    assert.deepEqual(decideRedirect(link({ hasPassword: true }), NOW), { kind: 'password' });
    assert.deepEqual(decideRedirect(link({ hasPassword: true, maxClicks: 5 }), NOW), { kind: 'password' }, 'no count before the password');
    assert.deepEqual(decideRedirect(link({ hasPassword: true, expiresAt: NOW }), NOW), { kind: 'gone', reason: 'expired' }, 'an expired link is gone, form or not');
  });

  test('when the password was proved, then the link redirects (or counts) like one without, and its redirect is never kept by browsers', () => {
    const protectedLink = link({ hasPassword: true, redirectType: 301 });
    assert.deepEqual(decideUnlocked(protectedLink, NOW), { kind: 'redirect', status: 301, location: 'https://example.com/a', cacheable: false });
    assert.deepEqual(decideUnlocked(link({ hasPassword: true, maxClicks: 2 }), NOW), { kind: 'count' });
    assert.deepEqual(decideUnlocked(link({ hasPassword: true, expiresAt: NOW - 1 }), NOW), { kind: 'gone', reason: 'expired' });
    assert.deepEqual(decideUnlocked(null, NOW), { kind: 'not-found' });
    assert.equal((decideVisit({ outcome: 'live', link: link({ hasPassword: true, redirectType: 308 }) }, 0) as { cacheable: boolean }).cacheable, false);
  });
});

describe('the fallback of a link that is over (expired_url)', () => {
  const withFallback = (over: Partial<RedirectLink> = {}) => link({ expiredUrl: 'https://example.com/over', ...over });

  test('when a link with an expired_url has expired, then the cache alone decides the fallback', () => {
    assert.deepEqual(decideRedirect(withFallback({ expiresAt: NOW }), NOW), { kind: 'fallback', reason: 'expired', location: 'https://example.com/over' });
    assert.deepEqual(decideRedirect(withFallback({ expiresAt: NOW, maxClicks: 3 }), NOW), { kind: 'fallback', reason: 'expired', location: 'https://example.com/over' });
    assert.equal(decideRedirect(withFallback({ expiresAt: NOW + 1 }), NOW).kind, 'redirect', 'not before its expiry');
  });

  test('when a limited link with an expired_url is used up, then the store\'s outcome decides the fallback', () => {
    const limited = withFallback({ maxClicks: 2 });
    assert.deepEqual(decideRedirect(limited, NOW), { kind: 'count' }, 'the cache cannot know the clicks');
    assert.deepEqual(decideVisit({ outcome: 'exhausted', link: limited }, 0), { kind: 'fallback', reason: 'exhausted', location: 'https://example.com/over' });
    assert.deepEqual(decideVisit({ outcome: 'expired', link: limited }, 0), { kind: 'fallback', reason: 'expired', location: 'https://example.com/over' });
    assert.deepEqual(decideCounted({ ...limited, clicks: 2 }, NOW), { kind: 'fallback', reason: 'exhausted', location: 'https://example.com/over' });
    assert.equal(decideVisit({ outcome: 'live', link: limited }, 0).kind, 'redirect', 'a live visit goes to the target');
  });

  test('when expired_url is null or absent (a cache entry from before it existed), then the link is gone', () => {
    assert.deepEqual(decideRedirect(link({ expiresAt: NOW, expiredUrl: null }), NOW), { kind: 'gone', reason: 'expired' });
    const old = { url: 'https://example.com/a', redirectType: 302 as const, expiresAt: NOW, maxClicks: null, hasPassword: false };
    assert.deepEqual(decideRedirect(old, NOW), { kind: 'gone', reason: 'expired' });
    assert.deepEqual(decideVisit({ outcome: 'exhausted', link: link({ maxClicks: 1 }) }, 0), { kind: 'gone', reason: 'exhausted' });
  });
});
