import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import { goneProblem, resolveCode, type Redirect, type RedirectDeps, type Visitor } from '../use-cases/resolve-code.js';
import { MAX_UA_LENGTH, countryCode, referrerHost } from '../domain/clicks.js';
import type { Api } from './api/api.js';
import { AppError } from '../domain/errors.js';
import { enforce, redirectLimit, refuse, type RateLimitDeps } from './rate-limit.js';
import type { Decision } from '../domain/token-bucket.js';
import { Type } from 'typebox';
import { problems, responseHeader } from './api/api.js';
import { prefersHtml } from './accept.js';
import { GONE_PAGE_HEADERS, gonePage } from './gone-page.js';

export const REDIRECT_ROUTE = '/:code';

/** What the redirect's two paths (this route and fast-redirect.ts) use. */
export type RedirectPathDeps = RedirectDeps & RateLimitDeps & {
  config: Pick<Config, 'baseUrl' | 'trustProxy' | 'clicks' | 'logRedirects' | 'rateLimits'>;
};

/** The visitor as analytics sees it; the country only from a proxy Kurz trusts. */
export function visitorOf(deps: { config: Pick<Config, 'trustProxy' | 'clicks'> }): (headers: IncomingHttpHeaders) => Visitor {
  const countryHeader = deps.config.trustProxy === false ? null : deps.config.clicks.countryHeader;
  return (headers) => {
    const ua = headers['user-agent'];
    const country = countryHeader ? headers[countryHeader] : undefined;
    return {
      referrer: referrerHost(headers.referer),
      ua: ua ? ua.slice(0, MAX_UA_LENGTH) : null,
      country: countryCode(typeof country === 'string' ? country : undefined),
    };
  };
}

/**
 * What fast-redirect.ts learned before it handed a request to the route: the route answers from it
 * instead of asking again. A failed lookup (the route answers that 503 rather than ask the store again,
 * which would double the wait on a hung store); the redirect limit's decision, taken once per request.
 */
export interface Handover {
  failed?: unknown;
  limit?: Decision;
}
export const handovers = new WeakMap<IncomingMessage, Handover>();

/** Browsers keep permanent redirects: bound that to an hour, so an edit still reaches them. */
export const cacheControl = (target: Redirect) => (target.cacheable ? 'public, max-age=3600' : 'private, no-store');

const redirectTo = (description: string) => ({
  description,
  type: 'null',
  headers: {
    location: responseHeader(Type.String({ description: 'the link\'s target URL (or its expired_url, when it is over)' }), true),
    'cache-control': responseHeader(Type.String({ description: 'public, max-age=3600 for a permanent redirect that may be kept; private, no-store otherwise' }), true),
  },
});

/** A link that is over and has no expired_url: a page for a browser (Accept prefers text/html), the problem otherwise. */
const GONE = (() => {
  const problem = problems(410)[410] as { headers: object; content: object };
  return {
    ...problem,
    description: 'gone: the link has expired or reached its max_clicks, and has no expired_url. A short HTML page that says which, when '
      + 'Accept prefers text/html to JSON (a browser); otherwise the problem',
    content: { ...problem.content, 'text/html': { schema: Type.String({ contentMediaType: 'text/html' }) } },
  };
})();

/** GET and HEAD /{code} in the OpenAPI document. The code is not checked against a pattern here: anything unknown is a 404 that counts against the unknown-code limit. */
const REDIRECT_SCHEMA = {
  tags: ['redirect'], operationId: 'redirect', security: [],
  summary: 'Visit a short URL: a redirect to its target, with the link\'s redirect type (a GET counts a click, a HEAD does not)',
  params: Type.Object({ code: Type.String({ description: 'the short code (custom codes: 3 to 64 of A-Z a-z 0-9 _ -)' }) }),
  response: {
    301: redirectTo('moved permanently (redirect_type 301)'),
    302: redirectTo('found (redirect_type 302, the default); also the answer of a link that has expired or reached its max_clicks and has an '
      + 'expired_url: a redirect there, never kept by browsers (private, no-store), and no click is counted, since the link is over'),
    307: redirectTo('temporary redirect (redirect_type 307)'),
    308: redirectTo('permanent redirect (redirect_type 308)'),
    ...problems(400, 404),
    410: GONE,
  },
};

/**
 * GET /:code: resolve (and count) the code, answer with its redirect. HEAD looks without counting.
 * The common case, a GET of a live link, is answered before Fastify by fast-redirect.ts with the same result.
 */
export function redirectRoute(app: Api, deps: RedirectPathDeps): void {
  const visitor = visitorOf(deps);
  const limit = redirectLimit(deps);
  app.get<{ Params: { code: string } }>(REDIRECT_ROUTE, { schema: REDIRECT_SCHEMA, config: { swagger: { exposeHeadRoute: true } } }, async (request, reply) => {
    const handed = handovers.get(request.raw);
    const decision = handed?.limit ?? limit?.(request.ip);
    if (decision && !decision.allowed) refuse(reply, 'redirect', decision);
    if (handed?.failed !== undefined) throw handed.failed;
    const target = await resolveCode(deps, request.params.code, request.method === 'GET' ? visitor(request.headers) : null).catch(async (err) => {
      // Guessing codes shows up as 404s: a client that collects too many gets 429s instead.
      if (err instanceof AppError && err.kind === 'not-found') await enforce(deps, reply, 'notFound', request.ip, true);
      throw err;
    });
    if (target.kind === 'fallback') return reply.code(302).header('location', target.location).header('cache-control', 'private, no-store').send();
    if (target.kind === 'gone') {
      if (!prefersHtml(request.headers.accept)) throw goneProblem(target.reason);
      return reply.code(410).headers(GONE_PAGE_HEADERS).send(gonePage(target.reason));
    }
    return reply.code(target.status).header('location', target.location).header('cache-control', cacheControl(target)).send();
  });
}
