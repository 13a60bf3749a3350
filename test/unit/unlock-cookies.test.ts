import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnlockCookies } from '../../src/security/unlock-cookies.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const cookies = new UnlockCookies(SECRET);
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

describe('the unlock cookie', () => {
  test('when it was signed for this link and password and has not expired, then it unlocks', () => {
    const value = cookies.sign('link-1', HASH, NOW + HOUR);
    assert.equal(cookies.verify(value, 'link-1', HASH, NOW), true);
    assert.equal(cookies.verify(value, 'link-1', HASH, NOW + HOUR - 1000), true);
  });

  test('when it has expired, then it does not unlock', () => {
    const value = cookies.sign('link-1', HASH, NOW + HOUR);
    assert.equal(cookies.verify(value, 'link-1', HASH, NOW + HOUR), false);
  });

  test('when it names another link, or the password changed, then it does not unlock', () => {
    const value = cookies.sign('link-1', HASH, NOW + HOUR);
    assert.equal(cookies.verify(value, 'link-2', HASH, NOW), false);
    assert.equal(cookies.verify(value, 'link-1', `${HASH}x`, NOW), false);
  });

  test('when any part was changed, or another secret signed it, then it does not unlock', () => {
    const value = cookies.sign('link-1', HASH, NOW + HOUR);
    const [id, expiry, mac] = value.split('.') as [string, string, string];
    assert.equal(cookies.verify(`${id}.${Number(expiry) + 3600}.${mac}`, 'link-1', HASH, NOW), false, 'a later expiry');
    assert.equal(cookies.verify(`${id}.${expiry}.${mac.slice(0, -2)}AA`, 'link-1', HASH, NOW), false, 'another MAC');
    assert.equal(cookies.verify(`${id}.${expiry}`, 'link-1', HASH, NOW), false, 'no MAC');
    assert.equal(cookies.verify('', 'link-1', HASH, NOW), false);
    const other = new UnlockCookies('another-secret-of-at-least-32-characters').sign('link-1', HASH, NOW + HOUR);
    assert.equal(cookies.verify(other, 'link-1', HASH, NOW), false);
  });
});
