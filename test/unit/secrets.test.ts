import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { newSecret, safeEqual, sha256 } from '../../src/security/secrets.js';
import { hashPassword, verifyPassword, verifyDecoy } from '../../src/security/passwords.js';
import { AccessTokens } from '../../src/security/access-tokens.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const USER_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const key = (secret: string) => new TextEncoder().encode(secret);

describe('safeEqual', () => {
  test('is true for equal strings', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('', ''), true);
  });

  test('is false for different strings of the same length', () => {
    assert.equal(safeEqual('abc', 'abd'), false);
  });

  test('is false, without throwing, for strings of different lengths', () => {
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('abc', ''), false);
  });
});

describe('sha256 and newSecret', () => {
  test('sha256 is deterministic, base64url, and differs for different input', () => {
    assert.equal(sha256('hello'), sha256('hello'));
    assert.equal(sha256('hello'), 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ');
    assert.notEqual(sha256('hello'), sha256('hello!'));
  });

  test('newSecret is 43 base64url characters (32 bytes) by default and fresh each time', () => {
    const secrets = Array.from({ length: 100 }, () => newSecret());
    for (const s of secrets) assert.match(s, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(new Set(secrets).size, secrets.length);
  });

  test('newSecret honours the byte count', () => {
    assert.equal(Buffer.from(newSecret(12), 'base64url').length, 12);
  });
});

describe('passwords', () => {
  test('hashPassword produces an argon2id hash that verifies the password and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.ok(hash.startsWith('$argon2id$'), hash);
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(hash, 'Correct horse battery staple'), false);
  });

  test('hashing the same password twice gives different hashes (salted)', async () => {
    assert.notEqual(await hashPassword('pw'), await hashPassword('pw'));
  });

  test('verifyPassword on a malformed hash returns false instead of throwing', async () => {
    assert.equal(await verifyPassword('not a hash', 'pw'), false);
    assert.equal(await verifyPassword('', 'pw'), false);
  });

  test('verifyDecoy is always false', async () => {
    assert.equal(await verifyDecoy('decoy password that matches nothing'), false);
  });
});

describe('AccessTokens', () => {
  const tokens = new AccessTokens(SECRET, 900);

  test('verify gives back the user id a token was signed for', async () => {
    assert.equal(await tokens.verify(await tokens.sign(USER_ID)), USER_ID);
  });

  test('a token signed with another secret gives undefined', async () => {
    const other = new AccessTokens('another-secret-of-at-least-32-characters', 900);
    assert.equal(await tokens.verify(await other.sign(USER_ID)), undefined);
  });

  test('a tampered token gives undefined', async () => {
    const [header, , signature] = (await tokens.sign(USER_ID)).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'someone-else', iss: 'kurz', exp: 9_999_999_999 })).toString('base64url');
    assert.equal(await tokens.verify(`${header}.${forged}.${signature}`), undefined);
  });

  test('garbage gives undefined', async () => {
    for (const t of ['', 'abc', 'a.b.c']) assert.equal(await tokens.verify(t), undefined);
  });

  test('an expired token gives undefined', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('kurz')
      .setSubject(USER_ID)
      .setIssuedAt(now - 120)
      .setExpirationTime(now - 60)
      .sign(key(SECRET));
    assert.equal(await tokens.verify(expired), undefined);
  });

  test('a token from another issuer gives undefined', async () => {
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('not-kurz')
      .setSubject(USER_ID)
      .setExpirationTime('5m')
      .sign(key(SECRET));
    assert.equal(await tokens.verify(foreign), undefined);
  });

  test('a token without a subject gives undefined', async () => {
    const anonymous = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('kurz')
      .setExpirationTime('5m')
      .sign(key(SECRET));
    assert.equal(await tokens.verify(anonymous), undefined);
  });

  test('an unsigned (alg none) token gives undefined', async () => {
    const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: USER_ID, iss: 'kurz', exp: 9_999_999_999 })}.`;
    assert.equal(await tokens.verify(unsigned), undefined);
  });
});
