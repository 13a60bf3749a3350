import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { FieldError } from './errors.js';
import { AppError } from './errors.js';

/** Of the URL as sent and as stored (normalized: é becomes %C3%A9, 6 characters), so also of every Location. */
export const MAX_URL_LENGTH = 2048;

export interface UrlPolicy {
  /** The host name of BASE_URL: a link to it, at any port and in any spelling, would redirect to Kurz itself. */
  ownHost: string;
  /** Every domain registered for short links (lower-case ASCII host names): a link to one would loop too. */
  domains?: () => readonly string[];
  blockedDomains: readonly string[];
  /** Allow links to private, loopback, link-local and local-network hosts (an intranet shortener). */
  allowPrivate: boolean;
}

const LOOP = 'must not point at this shortener (redirect loop)';
const PRIVATE = 'must not point at a private, loopback, link-local or local-network address';

/**
 * Addresses no public link needs. A short link to one sends its visitor into their own network (a
 * router's admin page, a cloud's metadata service at 169.254.169.254 or Alibaba's at 100.100.100.200).
 */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598), Alibaba Cloud's metadata service
  ['127.0.0.0', 8], ['169.254.0.0', 16], // loopback, link-local (cloud metadata services)
  ['224.0.0.0', 3], // multicast, reserved and broadcast: never a web page
] as const) NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], // unspecified, loopback
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], // unique local (AWS metadata fd00:ec2::254), link-local, old site-local
  ['ff00::', 8], // multicast
] as const) NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Names that resolve only on the local host or network: RFC 6761 localhost, mDNS .local, .internal, .home.arpa. */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa'];
const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

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
  // Normalization percent-encodes: "https://example.com/" + 2,000 × "é" is 2,020 characters sent, 12,020 stored.
  if (url.href.length > MAX_URL_LENGTH) reasons.push(`must be at most ${MAX_URL_LENGTH} characters once normalized (non-ASCII characters are percent-encoded)`);
  const host = canonicalHost(url.hostname);
  if (host && (namesKurz(host, canonicalHost(policy.ownHost)) || policy.domains?.().includes(host))) reasons.push(LOOP);
  if (host && !policy.allowPrivate && !isPublicHost(host)) reasons.push(PRIVATE);
  if (policy.blockedDomains.some((d) => host === d || host.endsWith(`.${d}`))) {
    reasons.push(`host ${host} is blocked`);
  }
  return reasons;
}

/**
 * One spelling per host, from a WHATWG-parsed hostname (which already turns 2130706433, 0x7f.1 and
 * 0177.0.0.1 into 127.0.0.1, and ｌｏｃａｌｈｏｓｔ into localhost): lower case, no trailing dot (kurz.test.
 * is kurz.test), no IPv6 brackets, and an IPv4 address carried in an IPv6 one (mapped ::ffff:7f00:1,
 * compatible ::7f00:1, NAT64 64:ff9b::7f00:1) as that IPv4 address.
 */
export function canonicalHost(hostname: string): string {
  const host = hostname.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
  if (!isIPv6(host)) return host;
  const g = ipv6Groups(host);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const mapped = zeros(0, 5) && g[5] === 0xffff;
  const compatible = zeros(0, 6) && g[6] !== 0;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6);
  return mapped || compatible || nat64 ? `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}` : host;
}

/** The eight 16-bit groups of an IPv6 address in hexadecimal groups (as WHATWG serializes it). */
function ipv6Groups(address: string): number[] {
  const [head, tail] = address.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((x) => parseInt(x, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

const isLoopback = (host: string) =>
  isLocalhostName(host) || host === '::1' || (isIPv4(host) && host.startsWith('127.'));

/**
 * Whether `host` (canonical) is Kurz's own host, at whatever port. A loopback BASE_URL is also reached
 * as localhost, 127.0.0.1, ::1 and 0.0.0.0 (which Linux routes to the local host), so those are Kurz too.
 */
function namesKurz(host: string, own: string): boolean {
  if (host === own) return true;
  return isLoopback(own) && (isLocalhostName(host) || ['127.0.0.1', '::1', '0.0.0.0', '::'].includes(host));
}

/** Whether a link may point at `host` (canonical) when private targets are not allowed. */
function isPublicHost(host: string): boolean {
  if (isIPv4(host)) return !NOT_PUBLIC.check(host, 'ipv4');
  if (isIPv6(host)) return !NOT_PUBLIC.check(host, 'ipv6');
  // A single-label name (http://router/) resolves only through the local network's search domains.
  if (!host.includes('.')) return false;
  return !LOCAL_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`));
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
