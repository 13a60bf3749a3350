import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';

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
