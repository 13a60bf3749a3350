/**
 * The cookies a short link sets on its visitors: the unlock cookie of a protected link (its value is
 * security/unlock-cookies.ts's) and the arm of an A/B split a visitor was given. Host-only (no Domain
 * attribute) and Path=/<code>: the browser sends each to that short URL on that host alone, never to
 * another code (a path match needs the path itself or a '/' after it). HttpOnly: no script reads them.
 * SameSite=Lax, not Strict: a visitor arriving from a link on another site is a top-level navigation,
 * and should neither be asked again nor drawn again. Secure when BASE_URL is https.
 */
export const UNLOCK_COOKIE = 'kurz_unlock';
export const SPLIT_COOKIE = 'kurz_split';

export function linkSetCookie(name: string, code: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${name}=${encodeURIComponent(value)}; Path=/${code}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
