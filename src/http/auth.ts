import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { actorOf } from '../use-cases/authenticate.js';
import type { Actor, Context } from '../use-cases/context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of an /api/v1 request, set once by its onRequest hook. */
    actor?: Actor;
  }
}

/** The caller of a request that may be anonymous: undefined without credentials, 401 with bad ones. */
export async function authenticate(ctx: Context, request: FastifyRequest): Promise<Actor | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  // The credential is RFC 6750's b64token (JWTs and API keys are base64url): anything else, a control
  // character included, is refused here and never reaches the store.
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(header);
  const actor = match ? await actorOf(ctx, match[1]!) : undefined;
  if (!actor) throw new AppError('unauthorized', 'the bearer credential is invalid, expired or revoked');
  return actor;
}

/** The caller of a request that needs one: 401 (with WWW-Authenticate: Bearer) otherwise. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthorized', 'send Authorization: Bearer <access token or API key>');
  return request.actor;
}

/** OpenAPI: these routes take a bearer access token or API key. */
export const bearerSecurity = [{ bearer: [] }];
