import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import { normalizeHost } from '../domain/hosts.js';

export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * Which X-Forwarded-For hops to believe (TRUST_PROXY): none, the nearest `n`, or those from listed
 * addresses. One function, given to Fastify and to the fast redirect, so both see the same client.
 */
export function proxyTrust(setting: Config['trustProxy']): ProxyTrust | false {
  if (setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting.split(','));
}

/** The client's address as Fastify's request.ip gives it, for a raw node:http request. */
export function clientIp(trust: ProxyTrust | false): (req: IncomingMessage) => string {
  return trust ? (req) => proxyAddr(req, trust) : (req) => req.socket.remoteAddress ?? '';
}

/**
 * The host a raw node:http request was sent to, normalised (domain/hosts.ts): its Host header, or the
 * last X-Forwarded-Host when the nearest peer is a proxy TRUST_PROXY trusts (as Fastify's request.host).
 */
export function requestHost(trust: ProxyTrust | false): (req: IncomingMessage) => string {
  const own = (req: IncomingMessage) => normalizeHost(req.headers.host ?? '');
  if (!trust) return own;
  return (req) => {
    const forwarded = req.headers['x-forwarded-host'];
    if (typeof forwarded !== 'string' || !trust(req.socket.remoteAddress ?? '', 0)) return own(req);
    return normalizeHost(forwarded.slice(forwarded.lastIndexOf(',') + 1));
  };
}
