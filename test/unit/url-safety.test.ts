import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { assertSafeUrl, canonicalHost, MAX_URL_LENGTH, urlProblems, type UrlPolicy } from '../../src/domain/url-safety.js';
import { AppError } from '../../src/domain/errors.js';

const policy = (over: Partial<UrlPolicy> = {}): UrlPolicy => ({ ownHost: 'kurz.test', blockedDomains: [], allowPrivate: false, ...over });

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

  test('when the URL names the own host at any port, then it is a redirect loop', () => {
    const p = policy({ ownHost: 'kurz.test' });
    for (const url of ['http://kurz.test:8080/abc', 'http://kurz.test.:9090/abc', 'https://KURZ.TEST:1/x']) {
      assert.ok(urlProblems(url, p).includes('must not point at this shortener (redirect loop)'), url);
    }
    accepts('http://kurz.test.example.com/abc', p);
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

const LOOP = 'must not point at this shortener (redirect loop)';
const PRIVATE = 'must not point at a private, loopback, link-local or local-network address';

describe('loop guard: every spelling of Kurz\'s own host', () => {
  // Private targets allowed, so the loop guard alone is what refuses them.
  const loopback = policy({ ownHost: '127.0.0.1', allowPrivate: true });
  const loops = (url: string, p: UrlPolicy) => assert.ok(urlProblems(url, p).includes(LOOP), `${url} is a loop: ${urlProblems(url, p)}`);

  test('when BASE_URL is 127.0.0.1, then localhost, IPv4-mapped, integer, hex, octal, short and trailing-dot spellings at any port are loops', () => {
    for (const url of [
      'http://127.0.0.1:8080/code', 'http://localhost:8080/code', 'http://[::ffff:127.0.0.1]:8080/code',
      'http://[::ffff:7f00:1]/code', 'http://[0:0:0:0:0:ffff:7f00:1]:1/x', 'http://[::127.0.0.1]/x', 'http://[64:ff9b::127.0.0.1]/x',
      'http://2130706433/x', 'http://0x7f000001/x', 'http://0x7f.1/x', 'http://0177.0.0.1/x', 'http://127.1/x',
      'http://127.0.0.1./x', 'http://localhost./x', 'http://LOCALHOST/x', 'http://app.localhost:3000/x',
      'http://%6c%6fcalhost/x', 'http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/x',
      'http://[::1]:8080/x', 'http://0.0.0.0:8080/x', 'http://0/x', 'http://[::]/x',
    ]) loops(url, loopback);
  });

  test('when BASE_URL is localhost or ::1, then 127.0.0.1 and the mapped forms are loops too', () => {
    for (const ownHost of ['localhost', '[::1]', 'kurz.localhost']) {
      for (const url of ['http://127.0.0.1/x', 'http://[::ffff:127.0.0.1]/x', 'http://localhost:1/x', 'http://[::1]/x']) loops(url, policy({ ownHost, allowPrivate: true }));
    }
  });

  test('when BASE_URL is a public address, then its IPv4-mapped IPv6 spelling is a loop', () => {
    const p = policy({ ownHost: '203.0.113.5' });
    for (const url of ['http://203.0.113.5:81/x', 'http://[::ffff:203.0.113.5]/x', 'http://[::ffff:cb00:7105]/x', 'http://3405803781/x']) loops(url, p);
    accepts('http://203.0.113.6/x', p);
  });

  test('when private targets are allowed, then another loopback or private address is not Kurz', () => {
    for (const url of ['http://127.0.0.2:8080/x', 'http://10.0.0.1/x', 'http://printer.local/x', 'http://router/x']) accepts(url, loopback);
  });

  test('canonicalHost gives one spelling per address', () => {
    assert.equal(canonicalHost('[::ffff:7f00:1]'), '127.0.0.1');
    assert.equal(canonicalHost('[::7f00:1]'), '127.0.0.1');
    assert.equal(canonicalHost('[64:ff9b::a00:1]'), '10.0.0.1');
    assert.equal(canonicalHost('[::1]'), '::1');
    assert.equal(canonicalHost('[2001:db8::ffff:7f00:1]'), '2001:db8::ffff:7f00:1');
    assert.equal(canonicalHost('Kurz.Test.'), 'kurz.test');
  });
});

describe('private, loopback, link-local and local-network targets', () => {
  const refused = [
    'http://127.0.0.1/', 'http://127.255.255.254/', 'http://10.0.0.1/', 'http://10.255.255.255/', 'http://172.16.0.1/',
    'http://172.31.255.255/', 'http://192.168.1.1/', 'http://169.254.169.254/latest/meta-data/', 'http://100.64.0.1/',
    'http://100.100.100.200/', 'http://0.0.0.0/', 'http://0/', 'http://224.0.0.1/', 'http://255.255.255.255/',
    'http://167772161/', 'http://0xa9fea9fe/', 'http://0300.0250.0.1/', 'http://192.168.1/',
    'http://[::1]/', 'http://[::]/', 'http://[fc00::1]/', 'http://[fd00:ec2::254]/', 'http://[fe80::1]/', 'http://[febf::1]/',
    'http://[::ffff:10.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://[::ffff:192.168.0.1]/', 'http://[64:ff9b::a9fe:a9fe]/',
    'http://localhost/', 'http://a.localhost/', 'http://printer.local/', 'http://metadata.google.internal/', 'http://nas.home.arpa/',
    'http://router/', 'http://router./',
  ];
  const allowed = [
    'http://8.8.8.8/', 'http://11.0.0.1/', 'http://172.15.255.255/', 'http://172.32.0.1/', 'http://192.169.0.1/',
    'http://100.63.255.255/', 'http://100.128.0.1/', 'http://169.253.0.1/', 'http://223.255.255.255/', 'http://1.0.0.0/',
    'http://[2606:4700:4700::1111]/', 'http://[fbff::1]/', 'http://[fe7f::1]/', 'http://[::ffff:8.8.8.8]/',
    'https://example.com/', 'https://localhost.example.com/', 'https://local.example/', 'https://internal.example.org/',
  ];

  test('when private targets are not allowed (the default), then each is refused with its reason', () => {
    for (const url of refused) assert.ok(urlProblems(url, policy()).includes(PRIVATE), `${url}: ${urlProblems(url, policy())}`);
  });

  test('when private targets are not allowed, then public addresses next to the ranges are accepted', () => {
    for (const url of allowed) accepts(url);
  });

  test('when private targets are allowed, then each is accepted (Kurz\'s own host aside)', () => {
    for (const url of refused) accepts(url, policy({ allowPrivate: true }));
  });
});

describe('length once normalized', () => {
  test('when non-ASCII characters make the stored form longer than 2048, then the URL is refused', () => {
    const url = `https://example.com/${'é'.repeat(2000)}`;
    assert.equal(url.length, 2020);
    assert.ok(urlProblems(url, policy()).some((r) => r.includes('once normalized')), String(urlProblems(url, policy())));
  });

  test('when the stored form is exactly 2048 characters, then it is accepted; one more is refused', () => {
    // "https://example.com/" is 20 characters; each é is stored as %C3%A9, 6 characters: 20 + 6 × 338 = 2048.
    assert.equal(assertSafeUrl(`https://example.com/${'é'.repeat(338)}`, policy()).length, 2048);
    rejects(`https://example.com/${'é'.repeat(338)}a`);
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
