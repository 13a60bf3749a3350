import Fastify, { LogController, type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from './http/context.js';
import { requestId } from './obs/logger.js';
import { answerFrameworkError, registerErrorHandling } from './http/errors.js';
import { securityHeaders } from './http/security-headers.js';
import { refuseEncodedBodies } from './http/body-encoding.js';
import { RouteMethods } from './http/route-methods.js';
import { refuseControlCharacters, validatorCompiler } from './http/validation.js';
import { authenticate, declareActor } from './http/auth.js';
import { enforce } from './http/rate-limit.js';
import { Problem } from './http/schemas.js';
import { opsRoutes } from './http/ops.js';
import { REDIRECT_ROUTE, domainRoot, redirectRoute } from './http/redirect.js';
import { previewRoute } from './http/link-preview.js';
import { domainRoutes } from './http/api/domains.js';
import { fastRedirect } from './http/fast-redirect.js';
import { EDGE_NO_STORE } from './http/redirect.js';
import { unlockRoute } from './http/link-unlock.js';
import { answeredRequests } from './http/answered.js';
import { DrainingServer } from './http/draining-server.js';
import { answerClientError } from './http/client-errors.js';
import { dashboardRoutes } from './http/dashboard.js';
import { openapiOptions } from './http/openapi.js';
import { clientIp, proxyTrust } from './http/client-ip.js';
import { userRoutes } from './http/api/users.js';
import { authRoutes } from './http/api/auth.js';
import { browserSessionRoutes } from './http/api/browser-session.js';
import { apiKeyRoutes } from './http/api/api-keys.js';
import { linkRoutes } from './http/api/links.js';
import { linkBulkRoutes } from './http/api/links-bulk.js';
import { linkQrRoutes } from './http/api/link-qr.js';
import { importRoutes } from './http/api/imports.js';
import type { Api } from './http/api/api.js';

const isRedirect = (request: FastifyRequest) => request.routeOptions.url === REDIRECT_ROUTE;

/** Headers of a request must all arrive within this long (REQUEST_TIMEOUT_SECONDS, if shorter, bounds them too). */
const HEADERS_TIMEOUT_MS = 10_000;

/** Builds the HTTP app over its dependencies, with every route registered explicitly. Never listens. */
export async function buildApp(ctx: Context): Promise<Api> {
  const { config, metrics } = ctx;
  // The redirect resolves every host through the directory: it holds the domains before the first request.
  await ctx.domains.reload();
  const trust = proxyTrust(config.trustProxy);
  const answered = answeredRequests(metrics, ctx.log);
  const fast = fastRedirect(ctx, clientIp(trust), answered);
  let server!: DrainingServer;
  const security = securityHeaders(config.baseUrl);
  const app: Api = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    genReqId: requestId,
    // Full request logging (start and end) for the API at LOG_REQUESTS=1; otherwise the sampled line below.
    logController: new LogController({ disableRequestLogging: (request: FastifyRequest) => isRedirect(request) || config.logRequests < 1 }),
    trustProxy: trust,
    bodyLimit: config.bodyLimitBytes,
    // A request that reaches a draining instance (in progress at SIGTERM, or sent on a connection it
    // still holds) is answered as usual, with Connection: close (draining-server.ts), not a 503.
    return503OnClosing: false,
    // node:http's 'clientError' (malformed request, headers too large, REQUEST_TIMEOUT_SECONDS) as a problem.
    clientErrorHandler: answerClientError,
    // Answers Fastify gives before routing, so before any hook: the headers every answer carries are set here.
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id).headers(security);
      answerFrameworkError(err, request, reply);
    },
    // A redirect to a live link is answered before Fastify (fast-redirect.ts); every other request goes
    // on to it. app.inject() bypasses this server, so injected redirects take the Fastify route: the same answer.
    serverFactory: (handler) => {
      server = new DrainingServer((req, res) => fast(req, res, () => handler(req, res)), {
        // A client that sends its request slowly (one byte every few seconds) holds a connection and its
        // buffers: the whole request must arrive within REQUEST_TIMEOUT_SECONDS, its headers within 10 s; checked
        // every second (node's default, 30 s, would let a 1 s limit run to 31 s).
        requestTimeout: config.requestTimeoutMs,
        headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs),
        connectionsCheckingInterval: 1_000,
      });
      server.keepAliveTimeout = 72_000;
      server.maxConnections = config.maxConnections;
      server.on('drop', () => metrics.connectionsDropped.inc());
      return server;
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  declareActor(app);
  app.addHook('preValidation', refuseControlCharacters);
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id).headers(security);
  });
  // With a CDN in front, only fast-redirect.ts's permanent redirects may be kept there (edgeHeaders): every
  // answer of Fastify's (404s, password forms, cards, previews, the API) says no-store to the edge, which
  // would otherwise keep an answer without Cache-Control (Fastly: an hour by default).
  if (config.cdn.maxAgeSeconds > 0) {
    app.addHook('onRequest', async (_request, reply) => {
      reply.headers(EDGE_NO_STORE);
    });
  }
  app.addHook('onRequest', routes.refuseShadowed);
  app.addHook('onRequest', domainRoot(ctx));
  app.addHook('preParsing', refuseEncodedBodies);
  app.addHook('onResponse', async (request, reply) => {
    answered.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    const redirect = isRedirect(request);
    if (!redirect && config.logRequests >= 1) return; // Fastify logged it in full
    if (answered.logged(reply.statusCode, redirect ? config.logRedirects : config.logRequests)) {
      answered.log({
        reqId: request.id, method: request.method, url: request.url, host: request.host, remoteAddress: request.ip,
        remotePort: request.socket.remotePort, statusCode: reply.statusCode, responseTime: reply.elapsedTime,
      });
    }
  });
  // The API speaks JSON only: any other body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app, (path) => routes.allowed(path));
  app.addSchema(Problem);

  await app.register(swagger, openapiOptions(config.baseUrl));
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(async (v1: Api) => {
    // Sign-in, refresh and sign-out carry their own credential (a password, a refresh token, the
    // session cookie): a stale bearer token beside it must not stop them. Their share is per client IP.
    v1.addHook('onRequest', async (request, reply) => enforce(ctx, reply, 'api', `ip:${request.ip}`));
    authRoutes(v1, ctx);
    browserSessionRoutes(v1, ctx);
  }, { prefix: '/api/v1' });
  await app.register(async (v1: Api) => {
    // Every other API call: who is calling (401 for a bad credential), then their share of the API.
    v1.addHook('onRequest', async (request, reply) => {
      request.actor = await authenticate(ctx, request);
      const { actor } = request;
      await enforce(ctx, reply, 'api', actor ? (actor.keyId ? `key:${actor.keyId}` : `user:${actor.user.id}`) : `ip:${request.ip}`);
    });
    userRoutes(v1, ctx);
    apiKeyRoutes(v1, ctx);
    linkRoutes(v1, ctx);
    domainRoutes(v1, ctx);
    linkBulkRoutes(v1, ctx);
    linkQrRoutes(v1, ctx);
    importRoutes(v1, ctx);
  }, { prefix: '/api/v1' });
  opsRoutes(app, ctx, () => server.draining);
  await dashboardRoutes(app, ctx);
  redirectRoute(app, ctx);
  previewRoute(app, ctx);
  await unlockRoute(app, ctx);
  return app;
}
