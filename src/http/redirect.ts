import type { Context } from '../use-cases/context.js';
import { resolveCode } from '../use-cases/resolve-code.js';
import type { Api } from './api/api.js';
import { AppError } from '../domain/errors.js';
import { enforce } from './rate-limit.js';

/** GET /:code, the hot path: resolve (and count) the code, answer with its redirect. HEAD looks without counting. */
export function redirectRoute(app: Api, ctx: Context): void {
  app.get<{ Params: { code: string } }>('/:code', { schema: { hide: true } }, async (request, reply) => {
    await enforce(ctx, reply, 'redirect', request.ip, true);
    const target = await resolveCode(ctx, request.params.code, request.method === 'GET').catch(async (err) => {
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
