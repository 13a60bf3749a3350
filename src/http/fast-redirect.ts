import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '../use-cases/context.js';
import { redirectOf } from '../use-cases/resolve-code.js';
import { requestId } from '../obs/logger.js';
import { REDIRECT_ROUTE, cacheControl, visitorOf } from './redirect.js';

/**
 * GET /:code of a link this process has cached, answered on the raw node:http request before Fastify
 * sees it: the same answer, headers, click, metrics and log line as the route in redirect.ts, without
 * routing, hooks, request and reply objects, or a promise. Everything else returns false for Fastify
 * to answer: HEAD, a cache miss, an unknown code (404 and its rate limit), a link that expired or has
 * a click limit (counted by the store), and a client over its rate limit (the 429 problem).
 */
export function fastRedirect(ctx: Context, clientIp: (req: IncomingMessage) => string) {
  const { cache, clicks, clock, metrics, log, localLimiter } = ctx;
  const limit = ctx.config.rateLimits.redirect;
  const logRate = ctx.config.logRedirects;
  const visitor = visitorOf(ctx);
  const allowed = metrics.tally(metrics.rateLimits, { class: 'redirect', outcome: 'allowed' });
  const answered = new Map<number, { count: () => void; labels: { method: string; route: string; status: number } }>();
  const record = (status: number, seconds: number) => {
    let m = answered.get(status);
    if (!m) {
      const labels = { method: 'GET', route: REDIRECT_ROUTE, status };
      answered.set(status, (m = { count: metrics.tally(metrics.httpRequests, labels), labels }));
    }
    m.count();
    metrics.httpDuration.observe(m.labels, seconds);
  };

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET') return false;
    const start = performance.now();
    const code = codeOf(req.url!);
    const link = code === undefined ? undefined : cache.cached(code);
    if (!link || link.maxClicks !== null) return false;
    const now = clock();
    if (link.expiresAt !== null && now >= link.expiresAt) return false;
    if (limit && !localLimiter.takeNow(`redirect:${clientIp(req)}`, limit).allowed) return false;
    if (limit) allowed();

    clicks.enqueue({ linkId: link.id, at: now, counted: false, ...visitor(req.headers) });
    const target = redirectOf(link);
    const id = requestId(req);
    res.writeHead(target.status, {
      'x-request-id': id, location: target.location, 'cache-control': cacheControl(target), 'content-length': 0,
    });
    res.end();

    const ms = performance.now() - start;
    record(target.status, ms / 1000);
    if (Math.random() < logRate) {
      const { method, url, headers, socket } = req;
      log.info({
        reqId: id,
        req: { method, url, host: headers.host, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort },
        res: { statusCode: target.status },
        responseTime: ms,
      }, 'request completed');
    }
    return true;
  };
}

/** `/abc` or `/abc?utm=x` → `abc`; any other path is not a code this path serves. */
function codeOf(url: string): string | undefined {
  const end = url.indexOf('?');
  const path = end === -1 ? url : url.slice(0, end);
  return path.lastIndexOf('/') === 0 ? path.slice(1) : undefined;
}
