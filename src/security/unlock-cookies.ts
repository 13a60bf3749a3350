import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The unlock cookie of a password-protected link: proof that this browser gave the link's password,
 * so a reload does not ask again. `<link id>.<expiry, epoch seconds>.<MAC>`, the MAC an HMAC-SHA256
 * over the id, the expiry and a fingerprint of the link's stored password hash: a changed (or removed
 * and set again) password voids every cookie given for the old one, and a cookie of another link
 * names another id. The key is derived from the JWT secret under its own label (HKDF), so a MAC of
 * one never verifies as the other, and every instance that shares the secret accepts the cookie.
 */
export class UnlockCookies {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, '', 'kurz link unlock cookie v1', 32));
  }

  /** The cookie's value for a link whose password was just given, valid until `expiresAt` (epoch ms). */
  sign(linkId: string, passwordHash: string, expiresAt: number): string {
    const expiry = Math.floor(expiresAt / 1000);
    return `${linkId}.${expiry}.${this.mac(linkId, expiry, passwordHash).toString('base64url')}`;
  }

  /** Whether `value` unlocks the link with this id and password hash at `now` (epoch ms). */
  verify(value: string, linkId: string, passwordHash: string, now: number): boolean {
    const parts = value.split('.');
    if (parts.length !== 3) return false;
    const [id, expiryText, macText] = parts as [string, string, string];
    if (id !== linkId || !/^\d{1,12}$/.test(expiryText)) return false;
    const expiry = Number(expiryText);
    if (expiry * 1000 <= now) return false;
    const given = Buffer.from(macText, 'base64url');
    const expected = this.mac(id, expiry, passwordHash);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(linkId: string, expiry: number, passwordHash: string): Buffer {
    // The fingerprint, not the hash itself: the MAC's input never needs to hold the hash.
    const fingerprint = createHash('sha256').update(passwordHash).digest('base64url');
    return createHmac('sha256', this.key).update(`${linkId}.${expiry}.${fingerprint}`).digest();
  }
}
