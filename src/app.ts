import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from './use-cases/context.js';
import { requestId } from './obs/logger.js';
import { registerErrorHandling } from './http/errors.js';
import { validatorCompiler } from './http/validation.js';
import { authenticate } from './http/auth.js';
import { enforce } from './http/rate-limit.js';
import { Problem } from './http/schemas.js';
import { opsRoutes } from './http/ops.js';
import { redirectRoute } from './http/redirect.js';
import { userRoutes } from './http/api/users.js';
import { authRoutes } from './http/api/auth.js';
import { apiKeyRoutes } from './http/api/api-keys.js';
import { linkRoutes } from './http/api/links.js';
import type { Api } from './http/api/api.js';

/** Trusts the nearest `hops` proxies' X-Forwarded-For entries, and no more. */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/** Builds the HTTP app over its dependencies, with every route registered explicitly. Never listens. */
export async function buildApp(ctx: Context): Promise<Api> {
  const { config, metrics } = ctx;
  const app: Api = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    genReqId: requestId,
    // Below 1, the per-request lines are replaced by a sampled one in the onResponse hook below.
    logController: new LogController({ disableRequestLogging: config.logRequests < 1 }),
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const sampled = config.logRequests < 1;
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (sampled && (reply.statusCode >= 500 || Math.random() < config.logRequests)) {
      request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  });
  // The API speaks JSON only: any other body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);
  app.addSchema(Problem);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Kurz', version: '1.0.0', description: 'URL shortener API. Errors are RFC 9457 problem+json.' },
      servers: [{ url: config.baseUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'access token or API key' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(async (v1: Api) => {
    // Every API call: who is calling (401 for a bad credential), then their share of the API.
    v1.addHook('onRequest', async (request, reply) => {
      request.actor = await authenticate(ctx, request);
      const { actor } = request;
      await enforce(ctx, reply, 'api', actor ? (actor.keyId ? `key:${actor.keyId}` : `user:${actor.user.id}`) : `ip:${request.ip}`);
    });
    userRoutes(v1, ctx);
    authRoutes(v1, ctx);
    apiKeyRoutes(v1, ctx);
    linkRoutes(v1, ctx);
  }, { prefix: '/api/v1' });
  opsRoutes(app, ctx);
  redirectRoute(app, ctx);
  return app;
}
