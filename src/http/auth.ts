import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { actorOf } from '../use-cases/authenticate.js';
import type { Actor, Context } from '../use-cases/context.js';

/** The caller of a request that may be anonymous: undefined without credentials, 401 with bad ones. */
export async function optionalActor(ctx: Context, request: FastifyRequest): Promise<Actor | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  const actor = match ? await actorOf(ctx, match[1]!) : undefined;
  if (!actor) throw new AppError('unauthorized', 'the bearer credential is invalid, expired or revoked');
  return actor;
}

/** The caller of a request that needs one: 401 (with WWW-Authenticate: Bearer) otherwise. */
export async function requireActor(ctx: Context, request: FastifyRequest): Promise<Actor> {
  const actor = await optionalActor(ctx, request);
  if (!actor) throw new AppError('unauthorized', 'send Authorization: Bearer <access token or API key>');
  return actor;
}

/** OpenAPI: these routes take a bearer access token or API key. */
export const bearerSecurity = [{ bearer: [] }];
