import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Decision } from '../domain/token-bucket.js';
import { unlockLink } from '../use-cases/unlock-link.js';
import { problems, responseHeader, type Api } from './api/api.js';
import { PASSWORD_PAGE_HEADERS, passwordPage } from './link-password-page.js';
import { REDIRECT_ROUTE, domainOfRequest, passwordForm, splitCookieOf, visitFactsOf, visitorOf, type RedirectPathDeps } from './redirect.js';
import { enforce, redirectLimit, refuse, setRateLimitFields } from './rate-limit.js';
import { UNLOCK_COOKIE, linkSetCookie } from './link-cookies.js';

const rateFields = {
  'ratelimit-limit': responseHeader(Type.Integer({ minimum: 0, description: 'capacity of the (link, client) bucket of wrong tries' })),
  'ratelimit-remaining': responseHeader(Type.Integer({ minimum: 0, description: 'wrong tries left' })),
  'ratelimit-reset': responseHeader(Type.Integer({ minimum: 0, description: 'seconds until the bucket is full again' })),
};

const tooMany = problems(429)[429] as { headers: Record<string, unknown>; content: Record<string, unknown> };

/** POST /{code} in the OpenAPI document. */
const UNLOCK_SCHEMA = {
  tags: ['redirect'], operationId: 'unlockLink', security: [],
  summary: 'Give a protected link\'s password (the form of GET /{code}): right, a 303 to its target with the unlock cookie, the click counted',
  description: 'A wrong password answers 200 with the form again and its error (a page for the browser, which a 401 without an '
    + 'authentication scheme would not be). Wrong passwords are limited per link and client address (RATE_LINK_PASSWORD); right ones spend nothing. '
    + 'The unlock cookie (HttpOnly, SameSite=Lax, Path=/{code}, one hour) lets GET /{code} through without the form.',
  params: Type.Object({ code: Type.String({ description: 'the short code' }) }),
  consumes: ['application/x-www-form-urlencoded'],
  body: Type.Object({
    password: Type.String({ maxLength: 256, description: 'the password, as typed' }),
  }, { additionalProperties: false }),
  response: {
    303: {
      description: 'the right password: on to the link\'s target (the click is counted)',
      type: 'null',
      headers: {
        location: responseHeader(Type.String({ description: 'the link\'s target URL' }), true),
        'cache-control': responseHeader(Type.String({ description: 'private, no-store' }), true),
        'set-cookie': responseHeader(Type.String({ description: 'kurz_unlock: opens GET /{code} for an hour (absent when the link has no password any more); '
          + 'and kurz_split, when the link has an A/B split and this visitor was drawn an arm' })),
      },
    },
    200: passwordForm('a wrong password: the form again, with the error linked to the input', rateFields),
    ...problems(400, 404, 410, 413, 415),
    429: {
      description: 'too many wrong tries from this client (the form says how long to wait), or too many visits or unknown codes (a problem)',
      headers: tooMany.headers,
      content: { ...passwordForm('').content, ...tooMany.content },
    },
  },
};

/**
 * POST /:code, the password form's target. Its scope reads only form bodies (a JSON body is a 415):
 * browsers post forms as application/x-www-form-urlencoded, and nothing else posts here.
 */
export async function unlockRoute(app: Api, deps: RedirectPathDeps): Promise<void> {
  const visitor = visitorOf(deps);
  const facts = visitFactsOf(deps);
  const splitCookie = splitCookieOf(deps);
  const limit = redirectLimit(deps);
  const domainOf = domainOfRequest(deps);
  const secure = deps.config.baseUrl.startsWith('https:');
  const tally = (tries: Decision | undefined) => {
    if (tries) deps.metrics.rateLimits.inc({ class: 'linkPassword', outcome: tries.allowed ? 'allowed' : 'limited' });
  };
  await app.register(async (scope: Api) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.post<{ Params: { code: string }; Body: { password: string } }>(REDIRECT_ROUTE, { schema: UNLOCK_SCHEMA }, async (request, reply) => {
      const allowed = limit?.(request.ip);
      if (allowed && !allowed.allowed) refuse(reply, 'redirect', allowed);
      const { code } = request.params;
      const domain = domainOf(request.raw);
      const result = await unlockLink(deps, domain, code, request.body.password, { ...visitor(request.headers), facts: facts(request.raw) }, request.ip).catch(async (err) => {
        if (err instanceof AppError && err.kind === 'not-found') await enforce(deps, reply, 'notFound', request.ip, true);
        throw err;
      });
      if (result.kind === 'unlocked') {
        const { redirect, cookie } = result;
        const cookies = [cookie && linkSetCookie(UNLOCK_COOKIE, code, cookie.value, cookie.maxAgeSeconds, secure), splitCookie(redirect, code)];
        const set = cookies.filter((c) => c !== undefined);
        if (set.length > 0) reply.header('set-cookie', set);
        // 303: the browser follows with a GET, whatever the link's own redirect type.
        return reply.code(303).header('location', redirect.location).header('cache-control', 'private, no-store').send();
      }
      tally(result.tries);
      if (result.kind === 'wrong') {
        if (result.tries) setRateLimitFields(reply, result.tries);
        // 200, not 401: a 401 must name an authentication scheme (RFC 9110 §15.5.2), and a form has none.
        return form(reply, 200, passwordPage(`/${code}`, { kind: 'wrong' }));
      }
      const seconds = Math.max(1, Math.ceil(result.tries.retryAfterMs / 1000));
      setRateLimitFields(reply, result.tries);
      reply.header('retry-after', seconds);
      return form(reply, 429, passwordPage(`/${code}`, { kind: 'wait', seconds }));
    });
  });
}

const form = (reply: FastifyReply, status: number, page: string) => reply.code(status).headers(PASSWORD_PAGE_HEADERS).send(page);
