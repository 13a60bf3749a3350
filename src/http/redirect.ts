import type { Context } from '../use-cases/context.js';
import { resolveCode, type Visitor } from '../use-cases/resolve-code.js';
import type { FastifyRequest } from 'fastify';
import { MAX_UA_LENGTH, countryCode, referrerHost } from '../analytics/click-event.js';
import type { Api } from './api/api.js';
import { AppError } from '../domain/errors.js';
import { enforce } from './rate-limit.js';

/** The visitor as analytics sees it; the country only from a proxy Kurz trusts. */
function visitorOf(countryHeader: string | null) {
  return (request: FastifyRequest): Visitor => {
    const ua = request.headers['user-agent'];
    const country = countryHeader ? request.headers[countryHeader] : undefined;
    return {
      referrer: referrerHost(request.headers.referer),
      ua: ua ? ua.slice(0, MAX_UA_LENGTH) : null,
      country: countryCode(typeof country === 'string' ? country : undefined),
    };
  };
}

/** GET /:code, the hot path: resolve (and count) the code, answer with its redirect. HEAD looks without counting. */
export function redirectRoute(app: Api, ctx: Context): void {
  const visitor = visitorOf(ctx.config.trustProxy === false ? null : ctx.config.clicks.countryHeader);
  app.get<{ Params: { code: string } }>('/:code', { schema: { hide: true } }, async (request, reply) => {
    await enforce(ctx, reply, 'redirect', request.ip, true);
    const target = await resolveCode(ctx, request.params.code, request.method === 'GET' ? visitor(request) : null).catch(async (err) => {
      // Guessing codes shows up as 404s: a client that collects too many gets 429s instead.
      if (err instanceof AppError && err.kind === 'not-found') await enforce(ctx, reply, 'notFound', request.ip, true);
      throw err;
    });
    return reply
      .code(target.status)
      .header('location', target.location)
      // Browsers keep permanent redirects: bound that to an hour, so an edit still reaches them.
      .header('cache-control', target.cacheable ? 'public, max-age=3600' : 'private, no-store')
      .send();
  });
}
