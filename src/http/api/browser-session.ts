import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { refresh, revoke, signIn, type SessionDeps } from '../../use-cases/sessions.js';
import { AppError } from '../../domain/errors.js';
import { StoreUnavailable } from '../../ports.js';
import { AccessToken, TokenBody } from '../schemas.js';
import { cookie, setCookie } from '../cookies.js';
import { limitPasswordCheck, type RateLimitDeps } from '../rate-limit.js';
import { BODY_ERRORS, NO_STORE, empty, json, noStore, problems, responseHeader, type Api } from './api.js';
import { SECURITY } from '../openapi.js';

/** The browser's session (the dashboard): the refresh token in a cookie no script can read. */
export function browserSessionRoutes(app: Api, deps: SessionDeps & RateLimitDeps & { config: Pick<Config, 'baseUrl'> }): void {
  const tags = ['auth'];
  // The dashboard keeps its access token in memory only; the refresh token lives in an HttpOnly,
  // SameSite=Strict cookie sent to these three routes alone. Against CSRF, each also needs the header
  // x-kurz-csrf, which another site cannot add without a CORS preflight Kurz never grants, and an
  // Origin, when the browser sends one, that is Kurz's own.
  const SESSION = '/api/v1/auth/session';
  const COOKIE = 'kurz_refresh';
  const secure = new URL(deps.config.baseUrl).protocol === 'https:';
  const keep = (reply: FastifyReply, token: string) =>
    reply.header('set-cookie', setCookie(COOKIE, token, { path: SESSION, maxAge: deps.config.refreshTokenTtlSeconds, secure }));
  const forget = (reply: FastifyReply) => reply.header('set-cookie', setCookie(COOKIE, '', { path: SESSION, maxAge: 0, secure }));
  // Kurz's own origin: BASE_URL's, or, when the request was sent to another host (the dashboard
  // opened at 127.0.0.1 while BASE_URL names localhost), that host; a page of another site has neither.
  // Under BASE_URL's own host only BASE_URL's scheme is Kurz (an https BASE_URL refuses its http origin).
  const base = new URL(deps.config.baseUrl);
  const ownOrigin = (request: FastifyRequest, origin: string) => {
    try {
      return origin === base.origin || (request.host !== base.host && new URL(origin).host === request.host);
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
  const cookieSet = { 'set-cookie': responseHeader(Type.String({ description: `${COOKIE}: the refresh token (HttpOnly, SameSite=Strict)` }), true) };
  const accessOnly = ({ refresh_token: _, ...access }: Awaited<ReturnType<typeof signIn>>) => access;

  app.post('/auth/session', {
    onRequest: sameSite,
    schema: {
      tags, operationId: 'openBrowserSession', security: SECURITY.csrf,
      summary: 'Browser sign-in: an access token, and the refresh token in an HttpOnly cookie', body: TokenBody,
      response: { 200: json(AccessToken, 'the access token', { ...NO_STORE, ...cookieSet }), ...problems(...BODY_ERRORS, 401, 403) },
    },
  }, async (request, reply) => {
    const { email, password } = request.body;
    const tokens = await limitPasswordCheck(deps, request, reply, email, () => signIn(deps, email, password));
    return keep(reply, tokens.refresh_token).headers(noStore).send(accessOnly(tokens));
  });

  app.post('/auth/session/refresh', {
    onRequest: sameSite,
    schema: {
      tags, operationId: 'refreshBrowserSession', security: SECURITY.session,
      summary: 'Browser refresh: rotates the cookie, answers a new access token',
      response: { 200: json(AccessToken, 'a new access token', { ...NO_STORE, ...cookieSet }), ...problems(...BODY_ERRORS, 401, 403) },
    },
  }, async (request, reply) => {
    const presented = cookie(request, COOKIE);
    if (!presented) throw new AppError('unauthorized', 'no session');
    const tokens = await refresh(deps, presented).catch((err: unknown) => {
      // A store that is down says nothing about the session: keep the cookie for the retry.
      if (!(err instanceof StoreUnavailable)) forget(reply);
      throw err;
    });
    return keep(reply, tokens.refresh_token).headers(noStore).send(accessOnly(tokens));
  });

  app.delete('/auth/session', {
    onRequest: sameSite,
    schema: {
      tags, operationId: 'closeBrowserSession', security: SECURITY.optionalSession,
      summary: 'Browser sign-out: revokes the session and clears its cookie',
      response: { 204: empty('signed out; the cookie is cleared', cookieSet), ...problems(...BODY_ERRORS, 403) },
    },
  }, async (request, reply) => {
    const presented = cookie(request, COOKIE);
    if (presented) await revoke(deps, presented);
    return forget(reply).code(204).send(null);
  });
}
