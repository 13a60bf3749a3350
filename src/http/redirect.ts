import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import { goneProblem, redirectElsewhere, resolveCode, type Card, type Fallback, type Gone, type GoneReason, type Redirect, type Visitor } from '../use-cases/resolve-code.js';
import { openWithCookie, type UnlockDeps } from '../use-cases/unlock-link.js';
import { PASSWORD_PAGE_HEADERS, passwordPage } from './link-password-page.js';
import { SPLIT_COOKIE, UNLOCK_COOKIE, linkSetCookie } from './link-cookies.js';
import { cookie } from './cookies.js';
import type { DomainDirectory, KnownDomain } from '../ports.js';
import { DEFAULT_DOMAIN_ID } from '../domain/link-key.js';
import { clientIp, proxyTrust, requestHost } from './client-ip.js';
import { LazyVisit, searchOf } from './visit-facts.js';
import { SPLIT_COOKIE_MAX_AGE_S } from '../domain/routing.js';
import { CARD_PAGE_HEADERS, cardPage } from './card-page.js';
import { shortUrl } from './present.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_UA_LENGTH, countryCode, referrerHost } from '../domain/clicks.js';
import type { Api } from './api/api.js';
import { AppError } from '../domain/errors.js';
import { enforce, redirectLimit, refuse, type RateLimitDeps } from './rate-limit.js';
import type { Decision } from '../domain/token-bucket.js';
import { Type } from 'typebox';
import { problems, rateLimitFields, responseHeader } from './api/api.js';
import { prefersHtml } from './accept.js';
import { GONE_PAGE_HEADERS, gonePage } from './gone-page.js';
import { edgeKeysOf, mayKeepAtEdge } from '../domain/edge-keys.js';
import type { RedirectLink } from '../domain/redirect-decision.js';

export const REDIRECT_ROUTE = '/:code';

/**
 * GET or HEAD / under a custom domain: its root redirect, or a 404 (the dashboard is served under
 * BASE_URL's host, and under any host no domain names). An onRequest hook, ahead of the dashboard's route.
 */
export function domainRoot(deps: Pick<RedirectPathDeps, 'config' | 'domains'>) {
  const domainOf = domainOfRequest(deps);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || (request.url !== '/' && !request.url.startsWith('/?'))) return;
    const domain = domainOf(request.raw);
    if (!domain || domain.id === DEFAULT_DOMAIN_ID) return;
    const target = redirectElsewhere(domain.rootRedirect);
    await reply.code(target.status).header('location', target.location).header('cache-control', cacheControl(target)).send();
  };
}

/** What the redirect's two paths (this route and fast-redirect.ts) use; the route also opens protected links. */
export type RedirectPathDeps = UnlockDeps & RateLimitDeps & {
  config: Pick<Config, 'baseUrl' | 'trustProxy' | 'clicks' | 'logRedirects' | 'rateLimits' | 'unknownHosts' | 'cdn'>;
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

/** The visitor's country: the trusted proxy's header (COUNTRY_HEADER) as a two-letter code; null without a proxy Kurz trusts. */
function countryOf(deps: { config: Pick<Config, 'trustProxy' | 'clicks'> }): (headers: IncomingHttpHeaders) => string | null {
  const countryHeader = deps.config.trustProxy === false ? null : deps.config.clicks.countryHeader;
  return (headers) => {
    const country = countryHeader ? headers[countryHeader] : undefined;
    return countryCode(typeof country === 'string' ? country : undefined);
  };
}

/** The User-Agent as analytics keeps it: at most MAX_UA_LENGTH characters; null when absent. */
const uaOf = (headers: IncomingHttpHeaders): string | null => {
  const ua = headers['user-agent'];
  return ua ? ua.slice(0, MAX_UA_LENGTH) : null;
};

/** The visitor as analytics sees it; the country only from a proxy Kurz trusts. */
export function visitorOf(deps: { config: Pick<Config, 'trustProxy' | 'clicks'> }): (headers: IncomingHttpHeaders) => Visitor {
  const country = countryOf(deps);
  return (headers) => ({ referrer: referrerHost(headers.referer), ua: uaOf(headers), country: country(headers) });
}

/**
 * What routing may ask of a request's visit (domain/routing.ts), each fact computed on its first ask:
 * built only for a link that routes or has Open Graph fields (asksVisit), so no other pays for it.
 */
export function visitFactsOf(deps: { config: Pick<Config, 'trustProxy' | 'clicks'> }): (req: IncomingMessage) => LazyVisit {
  const country = countryOf(deps);
  const ip = clientIp(proxyTrust(deps.config.trustProxy));
  return (req) => new LazyVisit({
    ua: uaOf(req.headers),
    acceptLanguage: req.headers['accept-language'],
    country: country(req.headers),
    ip: () => ip(req),
    search: searchOf(req.url!),
    cookie: req.headers.cookie,
  });
}

/** The Set-Cookie that keeps a visitor on the arm of a split they were drawn (undefined: nothing drawn). */
export function splitCookieOf(deps: { config: Pick<Config, 'baseUrl'> }): (target: Redirect, code: string) => string | undefined {
  const secure = deps.config.baseUrl.startsWith('https:');
  return (target, code) => {
    const value = target.route?.setSplitCookie;
    return value === undefined ? undefined : linkSetCookie(SPLIT_COOKIE, code, value, SPLIT_COOKIE_MAX_AGE_S, secure);
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

/** What a CDN is told of an answer it must not keep: Fastly reads Surrogate-Control, Cloudflare CDN-Cache-Control (RFC 9213). */
export const EDGE_NO_STORE = Object.freeze({ 'surrogate-control': 'no-store', 'cdn-cache-control': 'no-store' });

/**
 * With CDN_MAX_AGE_SECONDS, what a redirect adds for a CDN: how long the edge may keep it and the names to
 * purge it by (Surrogate-Key for Fastly, Cache-Tag for Cloudflare, which both strip before the browser),
 * or no-store for a link whose answer may change between visits (mayKeepAtEdge). Cache-Control stays the
 * browsers' (an hour), and so does any other shared cache's, which nobody purges. Undefined at 0: the
 * redirect's headers are as they were without a CDN.
 */
export function edgeHeaders(maxAgeSeconds: number): ((headers: string[], link: RedirectLink, key: string) => void) | undefined {
  if (maxAgeSeconds === 0) return undefined;
  const keep = `max-age=${maxAgeSeconds}`;
  return (headers, link, key) => {
    if (!mayKeepAtEdge(link)) {
      headers.push('surrogate-control', 'no-store', 'cdn-cache-control', 'no-store');
      return;
    }
    const [own, domain] = edgeKeysOf(key);
    headers.push('surrogate-control', keep, 'cdn-cache-control', keep, 'surrogate-key', `${own} ${domain}`, 'cache-tag', `${own},${domain}`);
  };
}

const redirectTo = (description: string) => ({
  description,
  type: 'null',
  headers: {
    location: responseHeader(Type.String({ description: 'the link\'s target URL (or its expired_url, when it is over)' }), true),
    'cache-control': responseHeader(Type.String({ description: 'public, max-age=3600 for a permanent redirect that may be kept; private, no-store otherwise (and for every link with rules or a split)' }), true),
    'set-cookie': responseHeader(Type.String({ description: 'kurz_split (Path=/{code}, 30 days): the arm of an A/B split this visitor was drawn, kept so a reload does not flip the test' })),
    'surrogate-control': responseHeader(Type.String({ description: 'with CDN_MAX_AGE_SECONDS only: max-age=<CDN_MAX_AGE_SECONDS> for a permanent redirect a CDN may keep (no expiry, click limit, password, rules, split or og), no-store otherwise; Fastly reads it' })),
    'cdn-cache-control': responseHeader(Type.String({ description: 'with CDN_MAX_AGE_SECONDS only: the same as Surrogate-Control, for Cloudflare (RFC 9213); every other answer of Kurz then says no-store' })),
    'surrogate-key': responseHeader(Type.String({ description: 'with CDN_MAX_AGE_SECONDS, on a redirect a CDN may keep: kurz-link-<key> kurz-domain-<id or default>, space-separated (Fastly); what CDN_PURGE_URL purges' })),
    'cache-tag': responseHeader(Type.String({ description: 'the same names as Surrogate-Key, comma-separated (Cloudflare)' })),
  },
});

/** A page for a person in the OpenAPI document (the password form, the card, the preview): strict, never kept, no script. */
export const pageAnswer = (description: string, page: string, extraHeaders: Record<string, unknown> = {}) => ({
  description,
  headers: {
    'cache-control': responseHeader(Type.String({ description: 'private, no-store' }), true),
    'content-security-policy': responseHeader(Type.String({ description: 'default-src \'none\'; the inline style by its hash; frame-ancestors \'none\'' }), true),
    ...rateLimitFields(false),
    ...extraHeaders,
  },
  content: { 'text/html': { schema: Type.String({ contentMediaType: 'text/html', description: `${page}; no script` }) } },
});

/** The password form's answer in the OpenAPI document (GET, HEAD and POST /{code}). */
export const passwordForm = (description: string, extraHeaders: Record<string, unknown> = {}) =>
  pageAnswer(description, 'a small page with an <h1>, a labelled password input and a form that POSTs to /{code}', extraHeaders);

/** The 410 of a link that is over and has no expired_url: its page for a browser (Accept prefers text/html), the problem otherwise. */
export function answerGone(reply: FastifyReply, accept: string | undefined, reason: GoneReason): FastifyReply {
  if (!prefersHtml(accept)) throw goneProblem(reason);
  return reply.code(410).headers(GONE_PAGE_HEADERS).send(gonePage(reason));
}

/** A link that is over and has no expired_url, in the OpenAPI document: a page for a browser (Accept prefers text/html), the problem otherwise. */
export const GONE = (() => {
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
  description: 'A password-protected link answers 200 with a password form (HEAD: its headers, never a Location), counting nothing, '
    + 'unless a GET carries the unlock cookie its right password set (then it redirects and counts as any link). '
    + 'A link with `rules` sends a GET to the url of the first rule whose conditions all hold; else, with `destinations`, to an arm '
    + 'drawn by weight (kept for the visitor by the kurz_split cookie); else to its url. A HEAD is answered with its url.',
  params: Type.Object({ code: Type.String({ description: 'the short code (custom codes: 3 to 64 of A-Z a-z 0-9 _ -)' }) }),
  response: {
    200: pageAnswer('a password-protected link: the form asking its password; or, for a preview bot (Slackbot, Twitterbot, facebookexternalhit …) '
      + 'visiting a link with `og` fields, a page of its Open Graph and Twitter Card meta tags (the visit counts as a bot\'s click)',
    'the password form (a labelled input, a form that POSTs to /{code}), or the card page of meta tags'),
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
  const facts = visitFactsOf(deps);
  const splitCookie = splitCookieOf(deps);
  const short = shortUrl(deps.config.baseUrl);
  const limit = redirectLimit(deps);
  const domainOf = domainOfRequest(deps);
  app.get<{ Params: { code: string } }>(REDIRECT_ROUTE, { schema: REDIRECT_SCHEMA, config: { swagger: { exposeHeadRoute: true } } }, async (request, reply) => {
    const handed = handovers.get(request.raw);
    const decision = handed?.limit ?? limit?.(request.ip);
    if (decision && !decision.allowed) refuse(reply, 'redirect', decision);
    if (handed?.failed !== undefined) throw handed.failed;
    const domain = domainOf(request.raw);
    const { code } = request.params;
    const seen = request.method === 'GET' ? { ...visitor(request.headers), facts: facts(request.raw) } : null;
    // undefined: a protected link whose visitor has not given its password (the form).
    let target: Redirect | Fallback | Gone | Card | undefined;
    try {
      const resolved = await resolveCode(deps, domain, code, seen);
      // A protected link: a GET with its unlock cookie goes through; anything else (HEAD too) gets the form.
      const unlock = resolved.kind === 'password' && seen ? cookie(request, UNLOCK_COOKIE) : undefined;
      const opened = resolved.kind === 'password' && seen && unlock !== undefined ? await openWithCookie(deps, domain!, code, resolved, seen, unlock) : resolved;
      if (opened.kind !== 'password') target = opened;
    } catch (err) {
      if (!(err instanceof AppError && err.kind === 'not-found')) throw err;
      // Guessing codes shows up as 404s: a client that collects too many gets 429s instead.
      await enforce(deps, reply, 'notFound', request.ip, true);
      target = redirectElsewhere(domain?.notFoundRedirect ?? null);
    }
    if (!target) return reply.code(200).headers(PASSWORD_PAGE_HEADERS).send(passwordPage(`/${code}`));
    if (target.kind === 'card') {
      // A protected link's card leads to its short URL (the form): its destination is the password's to give.
      const shortUrl = short(domain, code);
      return reply.code(200).headers(CARD_PAGE_HEADERS).send(cardPage({ og: target.link.og!, shortUrl, url: target.link.hasPassword ? shortUrl : target.link.url }));
    }
    if (target.kind === 'fallback') return reply.code(302).header('location', target.location).header('cache-control', 'private, no-store').send();
    if (target.kind === 'gone') return answerGone(reply, request.headers.accept, target.reason);
    const drawn = splitCookie(target, code);
    if (drawn) reply.header('set-cookie', drawn);
    return reply.code(target.status).header('location', target.location).header('cache-control', cacheControl(target)).send();
  });
}
