import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import { redirectElsewhere, resolveCode, type Redirect, type RedirectDeps, type Visitor } from '../use-cases/resolve-code.js';
import type { DomainDirectory, KnownDomain } from '../ports.js';
import { DEFAULT_DOMAIN_ID } from '../domain/link-key.js';
import { proxyTrust, requestHost } from './client-ip.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_UA_LENGTH, countryCode, referrerHost } from '../domain/clicks.js';
import type { Api } from './api/api.js';
import { AppError } from '../domain/errors.js';
import { enforce, redirectLimit, refuse, type RateLimitDeps } from './rate-limit.js';
import type { Decision } from '../domain/token-bucket.js';
import { Type } from 'typebox';
import { problems, responseHeader } from './api/api.js';

export const REDIRECT_ROUTE = '/:code';

const UNKNOWN_HOST = new AppError('not-found', 'no short links are served under this host');

/**
 * GET or HEAD / under a custom domain: its root redirect, or a 404 (the dashboard is served under
 * BASE_URL's host, and under any host no domain names). An onRequest hook, ahead of the dashboard's route.
 */
export function domainRoot(deps: Pick<RedirectPathDeps, 'config' | 'domains'>) {
  const domainOf = domainOfRequest({ ...deps, config: { ...deps.config, unknownHosts: 'not-found' } });
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || (request.url !== '/' && !request.url.startsWith('/?'))) return;
    const domain = domainOf(request.raw);
    if (!domain || domain.id === DEFAULT_DOMAIN_ID) return;
    const target = redirectElsewhere(domain.rootRedirect);
    await reply.code(target.status).header('location', target.location).header('cache-control', cacheControl(target)).send();
  };
}

/** What the redirect's two paths (this route and fast-redirect.ts) use. */
export type RedirectPathDeps = RedirectDeps & RateLimitDeps & {
  config: Pick<Config, 'baseUrl' | 'trustProxy' | 'clicks' | 'logRedirects' | 'rateLimits' | 'unknownHosts'>;
  /** The domains, by the host a request names. */
  domains: Pick<DomainDirectory, 'byHost' | 'byId'>;
};

/**
 * The domain a request is for: its host as the directory knows it. With UNKNOWN_HOSTS=default a host
 * no domain names is the default domain (a proxy that does not pass the Host on); otherwise none (404).
 */
export function domainOfRequest(deps: Pick<RedirectPathDeps, 'config' | 'domains'>): (req: IncomingMessage) => KnownDomain | undefined {
  const host = requestHost(proxyTrust(deps.config.trustProxy));
  const unknown = deps.config.unknownHosts === 'default' ? deps.domains.byId(DEFAULT_DOMAIN_ID) : undefined;
  return (req) => deps.domains.byHost(host(req)) ?? unknown;
}

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
    location: responseHeader(Type.String({ description: 'the link\'s target URL' }), true),
    'cache-control': responseHeader(Type.String({ description: 'public, max-age=3600 for a permanent redirect that may be kept; private, no-store otherwise' }), true),
  },
});

/** GET and HEAD /{code} in the OpenAPI document. The code is not checked against a pattern here: anything unknown is a 404 that counts against the unknown-code limit. */
const REDIRECT_SCHEMA = {
  tags: ['redirect'], operationId: 'redirect', security: [],
  summary: 'Visit a short URL: a redirect to its target, with the link\'s redirect type (a GET counts a click, a HEAD does not)',
  params: Type.Object({ code: Type.String({ description: 'the short code (custom codes: 3 to 64 of A-Z a-z 0-9 _ -)' }) }),
  response: {
    301: redirectTo('moved permanently (redirect_type 301)'),
    302: redirectTo('found (redirect_type 302, the default)'),
    307: redirectTo('temporary redirect (redirect_type 307)'),
    308: redirectTo('permanent redirect (redirect_type 308)'),
    ...problems(400, 404, 410),
  },
};

/**
 * GET /:code: resolve (and count) the code, answer with its redirect. HEAD looks without counting.
 * The common case, a GET of a live link, is answered before Fastify by fast-redirect.ts with the same result.
 */
export function redirectRoute(app: Api, deps: RedirectPathDeps): void {
  const visitor = visitorOf(deps);
  const limit = redirectLimit(deps);
  const domainOf = domainOfRequest(deps);
  app.get<{ Params: { code: string } }>(REDIRECT_ROUTE, { schema: REDIRECT_SCHEMA, config: { swagger: { exposeHeadRoute: true } } }, async (request, reply) => {
    const handed = handovers.get(request.raw);
    const decision = handed?.limit ?? limit?.(request.ip);
    if (decision && !decision.allowed) refuse(reply, 'redirect', decision);
    if (handed?.failed !== undefined) throw handed.failed;
    const domain = domainOf(request.raw);
    const target = await (domain ? resolveCode(deps, domain, request.params.code, request.method === 'GET' ? visitor(request.headers) : null) : Promise.reject(UNKNOWN_HOST))
      .catch(async (err) => {
        if (!(err instanceof AppError && err.kind === 'not-found')) throw err;
        // Guessing codes shows up as 404s: a client that collects too many gets 429s instead.
        await enforce(deps, reply, 'notFound', request.ip, true);
        return redirectElsewhere(domain?.notFoundRedirect ?? null);
      });
    return reply.code(target.status).header('location', target.location).header('cache-control', cacheControl(target)).send();
  });
}
