/**
 * The Set-Cookie of a protected link's unlock cookie (the value is security/unlock-cookies.ts's).
 * Host-only (no Domain attribute) and Path=/<code>: the browser sends it to that short URL on that
 * host alone, never to another code (a path match needs the path itself or a '/' after it). HttpOnly:
 * no script reads it. SameSite=Lax, not Strict: a visitor arriving from a link on another site is a
 * top-level navigation, and should not be asked again within the hour. Secure when BASE_URL is https.
 */
export const UNLOCK_COOKIE = 'kurz_unlock';

export function unlockSetCookie(code: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${UNLOCK_COOKIE}=${encodeURIComponent(value)}; Path=/${code}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
