import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { assertSafeUrl, MAX_URL_LENGTH, urlProblems, type UrlPolicy } from '../../src/domain/url-safety.js';
import { AppError } from '../../src/domain/errors.js';

const policy = (over: Partial<UrlPolicy> = {}): UrlPolicy => ({ ownHost: 'kurz.test', blockedDomains: [], ...over });

/** A URL of exactly `length` characters. */
const urlOfLength = (length: number): string => {
  const head = 'https://example.com/';
  return head + 'a'.repeat(length - head.length);
};

const accepts = (url: string, p = policy()) => assert.deepEqual(urlProblems(url, p), [], `accepts ${url}`);
const rejects = (url: string, p = policy()) => assert.notDeepEqual(urlProblems(url, p), [], `rejects ${url}`);

describe('urlProblems', () => {
  test('accepts absolute http and https URLs', () => {
    accepts('http://example.com');
    accepts('https://example.com/path?q=1#frag');
    accepts('https://sub.example.co.uk:8443/a/b');
  });

  test('rejects schemes other than http and https', () => {
    for (const url of ['ftp://example.com/file', 'javascript:alert(1)', 'data:text/html,hi', 'file:///etc/passwd']) {
      assert.ok(urlProblems(url, policy()).includes('must use http or https'), url);
    }
  });

  test('rejects relative URLs and plain words', () => {
    for (const url of ['/relative/path', 'example.com', '', '//example.com/x']) rejects(url);
  });

  test('rejects a URL without a host', () => {
    assert.ok(urlProblems('mailto:someone@example.com', policy()).includes('must have a host'));
  });

  test('accepts exactly 2048 characters and rejects 2049', () => {
    accepts(urlOfLength(MAX_URL_LENGTH));
    assert.deepEqual(urlProblems(urlOfLength(MAX_URL_LENGTH + 1), policy()), ['must be at most 2048 characters']);
  });

  test('rejects credentials in the URL', () => {
    for (const url of ['https://user:pass@example.com/', 'https://user@example.com/', 'https://:pw@example.com/']) {
      assert.ok(urlProblems(url, policy()).includes('must not contain a user name or password'), url);
    }
  });

  test('rejects links to its own host, in any case and scheme', () => {
    for (const url of ['https://kurz.test/abc', 'http://KURZ.test/abc', 'https://kurz.test:443/x', 'http://kurz.test./abc']) {
      assert.ok(urlProblems(url, policy()).some((r) => r.includes('redirect loop')), url);
    }
  });

  test('with a port in ownHost, rejects that port and allows another', () => {
    const p = policy({ ownHost: 'localhost:8080' });
    rejects('http://localhost:8080/abc', p);
    rejects('http://localhost.:8080/abc', p);
    accepts('http://localhost:9090/abc', p);
    accepts('http://localhost/abc', p);
  });

  test('rejects a blocked domain and its subdomains, in any case', () => {
    const p = policy({ blockedDomains: ['evil.com'] });
    for (const url of ['https://evil.com/', 'https://a.evil.com/x', 'https://A.B.EVIL.COM/', 'https://evil.com./']) {
      assert.ok(urlProblems(url, p).some((r) => r.includes('is blocked')), url);
    }
  });

  test('does not block a domain that merely ends with the same letters', () => {
    const p = policy({ blockedDomains: ['evil.com'] });
    accepts('https://notevil.com/', p);
    accepts('https://evil.com.example.org/', p);
  });

  test('lists every reason when several apply', () => {
    const reasons = urlProblems('ftp://u:p@evil.com/', policy({ blockedDomains: ['evil.com'] }));
    assert.equal(reasons.length, 3);
  });
});

describe('assertSafeUrl', () => {
  test('returns the normalized href', () => {
    assert.equal(assertSafeUrl('https://EXAMPLE.com', policy()), 'https://example.com/');
    assert.equal(assertSafeUrl('https://example.com/a/../b', policy()), 'https://example.com/b');
  });

  test('percent-encodes a non-ASCII path and punycodes a non-ASCII host', () => {
    assert.equal(assertSafeUrl('https://example.com/ä', policy()), 'https://example.com/%C3%A4');
    assert.equal(assertSafeUrl('https://bücher.de/x', policy()), 'https://xn--bcher-kva.de/x');
  });

  test('throws a validation AppError listing each reason under the url field', () => {
    const p = policy({ blockedDomains: ['evil.com'] });
    const expected = urlProblems('ftp://u:p@evil.com/', p);
    assert.throws(() => assertSafeUrl('ftp://u:p@evil.com/', p), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.kind, 'validation');
      assert.equal(err.status, 400);
      assert.deepEqual(err.errors, expected.map((message) => ({ field: 'url', message })));
      return true;
    });
  });

  test('names the field it was given', () => {
    assert.throws(() => assertSafeUrl('nope', policy(), 'target'), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.errors?.[0]?.field, 'target');
      return true;
    });
  });
});
