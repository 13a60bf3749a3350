import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { actorOf, type AuthenticateDeps } from '../use-cases/authenticate.js';
import type { ApiKeyDeps } from '../use-cases/api-keys.js';
import { hasScope, type Actor } from '../use-cases/actor.js';
import type { Scope } from '../domain/scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of an /api/v1 request, set once by its onRequest hook. */
    actor?: Actor;
  }
}

/**
 * Declares request.actor at run time too, undefined until the hook sets it: Fastify then builds every
 * request with the field, so setting it later does not change the object's shape (which would
 * deoptimise every access to requests; see Fastify's Decorators guide).
 */
export function declareActor(app: FastifyInstance): void {
  app.decorateRequest('actor', undefined);
}

/** The caller of a request that may be anonymous: undefined without credentials, 401 with bad ones. */
export async function authenticate(deps: AuthenticateDeps & ApiKeyDeps, request: FastifyRequest): Promise<Actor | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  // The credential is RFC 6750's b64token (JWTs and API keys are base64url): anything else, a control
  // character included, is refused here and never reaches the store.
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(header);
  const actor = match ? await actorOf(deps, match[1]!) : undefined;
  if (!actor) throw new AppError('unauthorized', 'the bearer credential is invalid, expired or revoked');
  return actor;
}

/**
 * The caller of a request that needs one: 401 (with WWW-Authenticate: Bearer) otherwise; and, when
 * the route's documented security names a scope for API keys (`scoped` in openapi.ts), 403 naming it
 * for a key that lacks it. The document is the one place a route's scope is written, so the two agree.
 */
export function requireActor(request: FastifyRequest): Actor {
  const { actor } = request;
  if (!actor) throw new AppError('unauthorized', 'send Authorization: Bearer <access token or API key>');
  const security = (request.routeOptions.schema as { security?: { apiKey?: Scope[] }[] } | undefined)?.security;
  const scope = security?.find((requirement) => requirement.apiKey)?.apiKey?.[0];
  if (scope && !hasScope(actor, scope)) throw new AppError('forbidden', `This API key does not have the scope ${scope}, which this call needs.`);
  return actor;
}

/**
 * onRequest of every route that manages accounts, credentials or keys: a leaked script key must not
 * change a password or mint itself new keys, whatever its scopes.
 */
export async function refuseApiKey(request: FastifyRequest): Promise<void> {
  if (request.actor?.via === 'api-key') {
    throw new AppError('forbidden', 'API keys cannot manage accounts, credentials or keys; use a signed-in session');
  }
}
