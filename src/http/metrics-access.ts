import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { safeEqual, sha256 } from '../security/secrets.js';

/** Headers a reverse proxy adds: a request that carries one came through a proxy, whatever its socket says. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

const isLoopback = (ip: string | undefined) => ip !== undefined && (ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'));

/**
 * Who may read /metrics (routes, statuses, memory, limiter outcomes: a map for an attacker). With
 * METRICS_TOKEN set: whoever sends `Authorization: Bearer <token>`, compared in constant time (both
 * sides hashed, so their lengths do not show either); else 401. Unset: clients on this host only,
 * not through a proxy (a proxy on the same host makes every client look local); else 403.
 * Returns why a request is refused, or undefined.
 */
export function metricsAccess(token: string | undefined): (request: FastifyRequest) => AppError | undefined {
  if (token === undefined) {
    return (request) => isLoopback(request.socket.remoteAddress) && isLoopback(request.ip) && !FORWARDED.some((h) => h in request.headers)
      ? undefined
      : new AppError('forbidden', '/metrics answers clients on this host only; set METRICS_TOKEN to scrape it from elsewhere');
  }
  const expected = sha256(token);
  return (request) => {
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    return safeEqual(sha256(given), expected) ? undefined : new AppError('unauthorized', '/metrics needs Authorization: Bearer <METRICS_TOKEN>');
  };
}
