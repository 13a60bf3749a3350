/**
 * Headers on every response, the fast redirect's included. nosniff: a browser never guesses another
 * type than the one sent (an SVG or a problem body rendered as HTML). HSTS when BASE_URL is https:
 * one year, the host only (no includeSubDomains: other hosts under the short domain are not Kurz's
 * to force to https), no preload (a list that is slow to leave).
 */
export function securityHeaders(baseUrl: string): Readonly<Record<string, string>> {
  const nosniff = { 'x-content-type-options': 'nosniff' };
  if (!baseUrl.startsWith('https:')) return Object.freeze(nosniff);
  return Object.freeze({ ...nosniff, 'strict-transport-security': 'max-age=31536000' });
}
