import { Type } from 'typebox';
import type { Context } from '../../use-cases/context.js';
import { refresh, revoke, signIn } from '../../use-cases/sessions.js';
import { AccessToken, RefreshBody, TokenBody, TokenPair } from '../schemas.js';
import { AppError } from '../../domain/errors.js';
import { cookie, setCookie } from '../cookies.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problems, type Api } from './api.js';
import { limitAuthAttempt } from '../rate-limit.js';

export function authRoutes(app: Api, ctx: Context): void {
  const tags = ['auth'];
  // Token responses must never be stored by a cache between client and server (RFC 6749 §5.1).
  const noStore = { 'cache-control': 'no-store' };

  app.post('/auth/token', {
    schema: {
      tags, summary: 'Sign in: an access token and a refresh token', body: TokenBody,
      response: { 200: TokenPair, ...problems(400, 401) },
    },
  }, async (request, reply) => {
    await limitAuthAttempt(ctx, request, reply, request.body.email);
    return reply.headers(noStore).send(await signIn(ctx, request.body.email, request.body.password));
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

  // ── The browser's session: the refresh token in a cookie no script can read ─────────────────
  // The dashboard keeps its access token in memory only; the refresh token lives in an HttpOnly,
  // SameSite=Strict cookie sent to these three routes alone. Against CSRF, each also needs the header
  // x-kurz-csrf, which another site cannot add without a CORS preflight Kurz never grants, and an
  // Origin, when the browser sends one, that is Kurz's own.
  const SESSION = '/api/v1/auth/session';
  const COOKIE = 'kurz_refresh';
  const secure = new URL(ctx.config.baseUrl).protocol === 'https:';
  const keep = (reply: FastifyReply, token: string) =>
    reply.header('set-cookie', setCookie(COOKIE, token, { path: SESSION, maxAge: ctx.config.refreshTokenTtlSeconds, secure }));
  const forget = (reply: FastifyReply) => reply.header('set-cookie', setCookie(COOKIE, '', { path: SESSION, maxAge: 0, secure }));
  // Kurz's own origin: BASE_URL's, or the host the request was sent to (the dashboard opened at
  // 127.0.0.1 while BASE_URL names localhost); a page of another site has neither.
  const ownOrigin = (request: FastifyRequest, origin: string) => {
    try {
      return origin === new URL(ctx.config.baseUrl).origin || new URL(origin).host === request.host;
    } catch {
      return false;
    }
  };
  const sameSite = async (request: FastifyRequest) => {
    const origin = request.headers.origin;
    if (request.headers['x-kurz-csrf'] !== '1' || (origin !== undefined && !ownOrigin(request, origin))) {
      throw new AppError('forbidden', 'a browser session call needs the x-kurz-csrf header, from Kurz\'s own origin');
    }
  };
  const accessOnly = ({ refresh_token: _, ...access }: Awaited<ReturnType<typeof signIn>>) => access;

  app.post('/auth/session', {
    onRequest: sameSite,
    schema: {
      tags, summary: 'Browser sign-in: an access token, and the refresh token in an HttpOnly cookie', body: TokenBody,
      response: { 200: AccessToken, ...problems(400, 401, 403) },
    },
  }, async (request, reply) => {
    await limitAuthAttempt(ctx, request, reply, request.body.email);
    const tokens = await signIn(ctx, request.body.email, request.body.password);
    return keep(reply, tokens.refresh_token).headers(noStore).send(accessOnly(tokens));
  });

  app.post('/auth/session/refresh', {
    onRequest: sameSite,
    schema: { tags, summary: 'Browser refresh: rotates the cookie, answers a new access token', response: { 200: AccessToken, ...problems(401, 403) } },
  }, async (request, reply) => {
    const presented = cookie(request, COOKIE);
    if (!presented) throw new AppError('unauthorized', 'no session');
    const tokens = await refresh(ctx, presented).catch((err: unknown) => {
      forget(reply);
      throw err;
    });
    return keep(reply, tokens.refresh_token).headers(noStore).send(accessOnly(tokens));
  });

  app.delete('/auth/session', {
    onRequest: sameSite,
    schema: { tags, summary: 'Browser sign-out: revokes the session and clears its cookie', response: { 204: Type.Null(), ...problems(403) } },
  }, async (request, reply) => {
    const presented = cookie(request, COOKIE);
    if (presented) await revoke(ctx, presented);
    return forget(reply).code(204).send(null);
  });
}
