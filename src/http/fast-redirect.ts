import type { IncomingMessage, ServerResponse } from 'node:http';
import { asksVisit, decideRedirect } from '../domain/redirect-decision.js';
import { couldBeCode } from '../domain/codes.js';
import type { CacheEntry } from '../ports.js';
import { requestId } from '../obs/logger.js';
import { REDIRECT_ROUTE, cacheControl, domainOfRequest, edgeHeaders, handovers, splitCookieOf, visitFactsOf, visitorOf, type RedirectPathDeps } from './redirect.js';
import { linkKey } from '../domain/link-key.js';
import { clickOf } from '../use-cases/resolve-code.js';
import { redirectLimit } from './rate-limit.js';
import { securityHeaders } from './security-headers.js';
import type { AnsweredRequests } from './answered.js';

/**
 * GET /:code of a live link on the domain its host names, answered on the raw node:http request before Fastify sees it: the same
 * answer, headers, click, metrics and log line as the route in redirect.ts, without routing, hooks or
 * request and reply objects. Everything else goes on to Fastify: HEAD, an unknown code (404 and its
 * rate limit), a link that expired or has a click limit (counted by the store), a client over its rate
 * limit (the 429 problem), and a store that failed (the 503 problem, from the failure seen here).
 */
export function fastRedirect(deps: RedirectPathDeps, clientIp: (req: IncomingMessage) => string, answered: AnsweredRequests) {
  const { cache, clicks, clock } = deps;
  const limit = redirectLimit(deps);
  const logShare = deps.config.logRedirects;
  const visitor = visitorOf(deps);
  const facts = visitFactsOf(deps);
  const splitCookie = splitCookieOf(deps);
  const domainOf = domainOfRequest(deps);
  // Headers as node:http's flat [name, value, …] list: a literal that spreads the security headers
  // into an object went through V8's slow path for every answer (DefineKeyedOwnPropertyInLiteral and
  // map transitions in a callgrind profile).
  const security = Object.entries(securityHeaders(deps.config.baseUrl)).flat();
  // Undefined without a CDN (CDN_MAX_AGE_SECONDS=0): one test of a constant per redirect, nothing built.
  const edge = edgeHeaders(deps.config.cdn.maxAgeSeconds);

  /** Answers with the link's redirect when this path may; false leaves the request to Fastify. */
  const answer = (link: CacheEntry, req: IncomingMessage, res: ServerResponse, code: string, key: string, start: number): boolean => {
    const now = clock();
    // Only a link with rules, a split or a card asks anything of the visit: the others build nothing for it.
    const target = decideRedirect(link, now, link && asksVisit(link) ? facts(req) : undefined);
    // Anything but a plain redirect (a 404, a 410, a card, a link the store must count) is the route's to answer.
    if (target.kind !== 'redirect') return false;
    const decision = limit?.(clientIp(req));
    if (decision && !decision.allowed) {
      handovers.set(req, { limit: decision }); // the route answers with the 429 problem
      return false;
    }

    clicks.enqueue(clickOf(link!.id, now, false, visitor(req.headers), target));
    const id = requestId(req);
    const headers = [...security, 'x-request-id', id, 'location', target.location, 'cache-control', cacheControl(target), 'content-length', '0'];
    if (edge !== undefined) edge(headers, link!, key);
    const drawn = target.route && splitCookie(target, code);
    if (drawn) headers.push('set-cookie', drawn);
    res.writeHead(target.status, headers);
    res.end();

    const ms = performance.now() - start;
    answered.record('GET', REDIRECT_ROUTE, target.status, ms / 1000);
    if (answered.logged(target.status, logShare)) {
      answered.log({
        reqId: id, method: 'GET', url: req.url!, host: req.headers.host, remoteAddress: clientIp(req), remotePort: req.socket.remotePort,
        statusCode: target.status, responseTime: ms,
      });
    }
    return true;
  };

  // A cached link is answered in the same tick; a miss after the cache has loaded it (one store read,
  // shared by concurrent misses). `next` hands the request to Fastify: so does a host no domain names.
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const code = req.method === 'GET' ? codeOf(req.url!) : undefined;
    if (code === undefined || !couldBeCode(code)) return next();
    const domain = domainOf(req);
    if (!domain) return next();
    const start = performance.now();
    const key = linkKey(domain.id, code);
    const found = cache.lookup(key);
    if (found instanceof Promise) {
      found.then((link) => answer(link, req, res, code, key, start) || next(), (failed: unknown) => {
        handovers.set(req, { failed });
        next();
      });
    }
    else if (!answer(found, req, res, code, key, start)) next();
  };
}

/** `/abc` or `/abc?utm=x` → `abc`; any other path is not a code this path serves. */
function codeOf(url: string): string | undefined {
  const end = url.indexOf('?');
  const path = end === -1 ? url : url.slice(0, end);
  return path.lastIndexOf('/') === 0 ? path.slice(1) : undefined;
}
