import { refresh, revoke, signIn, type SessionDeps } from '../../use-cases/sessions.js';
import { RefreshBody, TokenBody, TokenPair } from '../schemas.js';
import { BODY_ERRORS, NO_STORE, empty, json, noStore, problems, type Api } from './api.js';
import { SECURITY } from '../openapi.js';
import { limitPasswordCheck, type RateLimitDeps } from '../rate-limit.js';

export function authRoutes(app: Api, deps: SessionDeps & RateLimitDeps): void {
  const tags = ['auth'];

  app.post('/auth/token', {
    schema: {
      tags, operationId: 'signIn', security: SECURITY.public, summary: 'Sign in: an access token and a refresh token', body: TokenBody,
      response: { 200: json(TokenPair, 'the tokens', NO_STORE), ...problems(...BODY_ERRORS, 401) },
    },
  }, async (request, reply) => {
    const { email, password } = request.body;
    return reply.headers(noStore).send(await limitPasswordCheck(deps, request, reply, email, () => signIn(deps, email, password)));
  });

  app.post('/auth/refresh', {
    schema: {
      tags, operationId: 'refreshToken', security: SECURITY.public,
      summary: 'Trade a refresh token for a new pair; the old one stops working, and its reuse revokes the family',
      body: RefreshBody, response: { 200: json(TokenPair, 'the new tokens', NO_STORE), ...problems(...BODY_ERRORS, 401) },
    },
  }, async (request, reply) => reply.headers(noStore).send(await refresh(deps, request.body.refresh_token)));

  app.post('/auth/revoke', {
    schema: {
      tags, operationId: 'revokeToken', security: SECURITY.public,
      summary: 'Sign out: revoke a refresh token and every token rotated from the same sign-in',
      body: RefreshBody, response: { 204: empty('revoked (or already unknown)'), ...problems(...BODY_ERRORS) },
    },
  }, async (request, reply) => {
    await revoke(deps, request.body.refresh_token);
    return reply.code(204).send(null);
  });
}
