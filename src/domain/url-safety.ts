import type { FieldError } from './errors.js';
import { AppError } from './errors.js';

export const MAX_URL_LENGTH = 2048;

export interface UrlPolicy {
  /** host[:port] of Kurz's own short links: a link there would redirect to itself. */
  ownHost: string;
  blockedDomains: readonly string[];
}

/** Every reason the URL is not acceptable as a link target; empty when it is. */
export function urlProblems(raw: string, policy: UrlPolicy): string[] {
  if (raw.length > MAX_URL_LENGTH) return [`must be at most ${MAX_URL_LENGTH} characters`];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return ['must be an absolute URL such as https://example.com/page'];
  }
  const reasons: string[] = [];
  if (url.protocol !== 'http:' && url.protocol !== 'https:') reasons.push('must use http or https');
  if (!url.hostname) reasons.push('must have a host');
  if (url.username || url.password) reasons.push('must not contain a user name or password');
  // A trailing dot names the same host (kurz.test. is kurz.test), so compare without it.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if ((url.port ? `${host}:${url.port}` : host) === policy.ownHost) {
    reasons.push('must not point at this shortener (redirect loop)');
  }
  if (policy.blockedDomains.some((d) => host === d || host.endsWith(`.${d}`))) {
    reasons.push(`host ${host} is blocked`);
  }
  return reasons;
}

/**
 * Returns the URL in its normalized form (WHATWG serialization: punycode host, percent-encoded path),
 * which is always a valid Location header; throws a 400 with every reason it is not acceptable.
 */
export function assertSafeUrl(raw: string, policy: UrlPolicy, field = 'url'): string {
  const reasons = urlProblems(raw, policy);
  if (reasons.length === 0) return new URL(raw).href;
  const errors: FieldError[] = reasons.map((message) => ({ field, message }));
  throw new AppError('validation', `${field} ${reasons.join('; ')}`, errors);
}
