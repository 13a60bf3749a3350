import { domainToASCII } from 'node:url';
import { isIPv4, isIPv6 } from 'node:net';
import { invalid } from './errors.js';

/**
 * A Host header as the domain directory compares it: lower case, without its port and trailing dot
 * (`Go.Example.com.:8080` → `go.example.com`); an IPv6 literal keeps its brackets off (`[::1]:80` → `::1`).
 */
export function normalizeHost(raw: string): string {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host.slice(1) : host.slice(1, end);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** DNS: 1 to 63 letters, digits or hyphens a label, not starting or ending with a hyphen; at most 253 in all. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The host name a domain is registered as: a DNS name with at least two labels, in ASCII (an
 * internationalised name as its punycode, `bücher.example` → `xn--bcher-kva.example`), lower case,
 * without port or trailing dot. An IP address is not a domain: links on it would break when it changes.
 */
export function assertHostname(raw: string, field = 'hostname'): string {
  const trimmed = raw.trim().replace(/\.$/, '');
  if (/[/:@?#\s]/.test(trimmed)) throw invalid(field, 'must be a host name only, such as go.example.com (no scheme, port or path)');
  const host = domainToASCII(trimmed);
  if (host === '' || isIPv4(host) || isIPv6(host)) throw invalid(field, 'must be a host name such as go.example.com, not an address');
  const labels = host.split('.');
  if (host.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw invalid(field, 'must be a host name such as go.example.com');
  }
  return host;
}
