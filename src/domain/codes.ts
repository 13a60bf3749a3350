import { createHash, randomInt } from 'node:crypto';
import { invalid } from './errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A code from the CSPRNG over [0-9A-Za-z]; randomInt is unbiased, so every code is equally likely. */
export function randomCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(62)];
  return code;
}

export const CUSTOM_CODE = /^[A-Za-z0-9_-]{3,64}$/;
export const CUSTOM_CODE_RULE = 'must be 3 to 64 characters of A-Z, a-z, 0-9, "_" or "-"';

/** Paths Kurz serves itself, or may serve, so a short code can never shadow them. Compared case-insensitively. */
export const RESERVED_CODES: ReadonlySet<string> = new Set([
  'api', 'docs', 'healthz', 'readyz', 'metrics', 'openapi.json', 'assets', 'admin', 'static', 'login',
  'logout', 'signin', 'signup', 'register', 'dashboard', 'settings', 'account', 'links', 'users', 'auth',
  'favicon.ico', 'robots.txt', 'sitemap.xml', 'well-known', '.well-known', 'problems', 'status', 'kurz',
]);

/** Throws a 400 naming `code` when a custom code breaks the pattern or takes a reserved word. */
export function assertValidCustomCode(code: string): void {
  if (!CUSTOM_CODE.test(code)) {
    throw invalid('code', CUSTOM_CODE_RULE);
  }
  if (RESERVED_CODES.has(code.toLowerCase())) throw invalid('code', `"${code}" is reserved`);
}

/**
 * A code another shortener served, kept as it was: 1 to 64 characters (YOURLS's first keywords are 1 or
 * 2), so imports accept what the API's custom codes (CUSTOM_CODE) would not.
 */
export const IMPORTED_CODE = /^[A-Za-z0-9_-]{1,64}$/;
export const IMPORTED_CODE_RULE = 'must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"';

/** Cheap shape check for the redirect path: anything else cannot be a code (not even an imported one), so it never reaches the store. */
export const couldBeCode = (s: string): boolean => s.length <= 64 && IMPORTED_CODE.test(s);

/**
 * A code drawn from `parts` rather than at random (7 characters of [0-9A-Za-z] from their SHA-256), so
 * that importing the same row again finds the code it was given the first time. Parts are joined with a
 * NUL, which no part holds (they are plain text), so ("ab", "c") and ("a", "bc") differ.
 */
export function derivedCode(parts: readonly string[]): string {
  let n = createHash('sha256').update(parts.join('\u0000')).digest().readBigUInt64BE(0);
  let code = '';
  for (let i = 0; i < 7; i++) {
    code += ALPHABET[Number(n % 62n)];
    n /= 62n;
  }
  return code;
}
