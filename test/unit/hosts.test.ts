import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHostname, normalizeHost } from '../../src/domain/hosts.js';
import { DEFAULT_DOMAIN_ID, keyParts, linkKey } from '../../src/domain/link-key.js';
import { AppError } from '../../src/domain/errors.js';

describe('normalizeHost', () => {
  test('when a Host header carries case, a port, a trailing dot or IPv6 brackets, then they are dropped', () => {
    for (const [raw, host] of [
      ['Go.Example.COM', 'go.example.com'], ['go.example.com:8080', 'go.example.com'], ['go.example.com.', 'go.example.com'],
      ['go.example.com.:443', 'go.example.com'], ['[::1]:8080', '::1'], ['[::1]', '::1'], ['127.0.0.1:80', '127.0.0.1'], ['', ''],
    ]) assert.equal(normalizeHost(raw!), host, raw);
  });
});

describe('assertHostname', () => {
  test('when a DNS name is given, then it comes back lower-case ASCII without a trailing dot; an IDN as punycode', () => {
    assert.equal(assertHostname('Go.Example.com.'), 'go.example.com');
    assert.equal(assertHostname('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(assertHostname('a-b.c-d.example'), 'a-b.c-d.example');
  });

  test('when it is not a plain host name, then a 400 naming the field', () => {
    for (const raw of ['', 'localhost', 'http://x.example', 'x.example:80', 'x.example/p', 'user@x.example', '10.0.0.1', '[::1]', '-a.example', 'a-.example', 'a..example', 'x.123', `${'a'.repeat(64)}.example`, `${'a.'.repeat(127)}example`]) {
      assert.throws(() => assertHostname(raw, 'hostname'), (err: unknown) => err instanceof AppError && err.errors?.[0]?.field === 'hostname', raw);
    }
  });
});

describe('link keys', () => {
  test('when a code is on the default domain, then its key is the bare code; on another, domain/code; keyParts undoes both', () => {
    assert.equal(linkKey(DEFAULT_DOMAIN_ID, 'abc'), 'abc');
    assert.equal(linkKey('d1', 'abc'), 'd1/abc');
    assert.deepEqual(keyParts('abc'), { domainId: DEFAULT_DOMAIN_ID, code: 'abc' });
    assert.deepEqual(keyParts('d1/abc'), { domainId: 'd1', code: 'abc' });
  });
});
