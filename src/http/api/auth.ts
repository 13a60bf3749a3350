import { Type } from 'typebox';
import type { Context } from '../../use-cases/context.js';
import { refresh, revoke, signIn } from '../../use-cases/sessions.js';
import { RefreshBody, TokenBody, TokenPair } from '../schemas.js';
import { noStore, problems, type Api } from './api.js';
import { limitPasswordCheck } from '../rate-limit.js';

export function authRoutes(app: Api, ctx: Context): void {
  const tags = ['auth'];

  app.post('/auth/token', {
    schema: {
      tags, summary: 'Sign in: an access token and a refresh token', body: TokenBody,
      response: { 200: TokenPair, ...problems(400, 401, 429) },
    },
  }, async (request, reply) => {
    const { email, password } = request.body;
    return reply.headers(noStore).send(await limitPasswordCheck(ctx, request, reply, email, () => signIn(ctx, email, password)));
  });

  app.post('/auth/refresh', {
    schema: {
      tags, summary: 'Trade a refresh token for a new pair; the old one stops working, and its reuse revokes the family',
      body: RefreshBody, response: { 200: TokenPair, ...problems(400, 401) },
    },
  }, async (request, reply) => reply.headers(noStore).send(await refresh(ctx, request.body.refresh_token)));

  app.post('/auth/revoke', {
    schema: {
      tags, summary: 'Sign out: revoke a refresh token and every token rotated from the same sign-in',
      body: RefreshBody, response: { 204: Type.Null(), ...problems(400) },
    },
  }, async (request, reply) => {
    await revoke(ctx, request.body.refresh_token);
    return reply.code(204).send(null);
  });
}
