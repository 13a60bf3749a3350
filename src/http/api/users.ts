import type { Static } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { deleteUser, getUser, listUsers, signUp, updateUser, type UserDeps } from '../../use-cases/users.js';
import { listLinks, type LinkDeps } from '../../use-cases/links.js';
import { refuseApiKey, requireActor } from '../auth.js';
import { limitPasswordCheck, limitSignUp, type RateLimitDeps } from '../rate-limit.js';
import { linkJson, paged, userJson } from '../present.js';
import { IdParams, Link, Page, PageQuery, SignUpBody, User, UserLinksQuery, UserPatchBody, UserPutBody } from '../schemas.js';
import { BODY_ERRORS, LOCATION, empty, json, problems, type Api } from './api.js';
import { SECURITY } from '../openapi.js';

export function userRoutes(app: Api, deps: UserDeps & Pick<LinkDeps, 'store' | 'domains'> & RateLimitDeps & { config: Pick<Config, 'baseUrl'> }): void {
  const tags = ['users'];
  const security = SECURITY.bearer;
  // Accounts are managed from a signed-in session only: a leaked script key must not take one over.
  const onRequest = refuseApiKey;
  // A change that names current_password checks a password: limited like a sign-in, so that a stolen
  // access token cannot guess the password at the API's rate.
  const update = (request: FastifyRequest, reply: FastifyReply, body: Static<typeof UserPatchBody>, id: string) => {
    const actor = requireActor(request);
    const { current_password: currentPassword, ...fields } = body;
    const run = () => updateUser(deps, actor, id, { ...fields, currentPassword });
    return currentPassword === undefined ? run() : limitPasswordCheck(deps, request, reply, actor.user.email, run);
  };

  app.post('/users', {
    onRequest,
    schema: {
      tags, operationId: 'createUser', security: SECURITY.optionalBearer,
      summary: 'Sign up (or, as an admin, create an account); the first user becomes admin',
      body: SignUpBody, response: { 201: json(User, 'the new account', LOCATION), ...problems(...BODY_ERRORS, 401, 403, 409, 429) },
    },
  }, async (request, reply) => {
    if (!request.actor) await limitSignUp(deps, request, reply, request.body.email);
    const user = await signUp(deps, request.body, request.actor);
    return reply.code(201).header('location', `/api/v1/users/${user.id}`).send(userJson(user));
  });

  app.get('/users/me', {
    onRequest,
    schema: {
      tags, security, operationId: 'getCurrentUser', summary: 'The signed-in user',
      response: { 200: json(User, 'the caller'), ...problems(401, 403) },
    },
  }, async (request) => userJson((requireActor(request)).user));

  app.get('/users', {
    onRequest,
    schema: {
      tags, security, operationId: 'listUsers', summary: 'Every user, newest first (admin)', querystring: PageQuery,
      response: { 200: json(Page(User), 'a page of users'), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const actor = requireActor(request);
    return paged(request.query, (limit, cursor) => listUsers(deps, actor, limit, cursor), userJson);
  });

  app.get('/users/:id', {
    onRequest,
    schema: {
      tags, security, operationId: 'getUser', summary: 'A user (self or admin)', params: IdParams,
      response: { 200: json(User, 'the user'), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => userJson(await getUser(deps, requireActor(request), request.params.id)));

  app.put('/users/:id', {
    onRequest,
    schema: {
      tags, security, operationId: 'replaceUser', summary: 'Replace a user\'s email and name (and password; role: admin only); a new password or email needs current_password',
      params: IdParams, body: UserPutBody, response: { 200: json(User, 'the user as changed'), ...problems(...BODY_ERRORS, 401, 403, 404, 409, 429) },
    },
  }, async (request, reply) => userJson(await update(request, reply, { ...request.body, name: request.body.name ?? null }, request.params.id)));

  app.patch('/users/:id', {
    onRequest,
    schema: {
      tags, security, operationId: 'updateUser', summary: 'Change some of a user\'s fields; a new password or email needs current_password', params: IdParams, body: UserPatchBody,
      response: { 200: json(User, 'the user as changed'), ...problems(...BODY_ERRORS, 401, 403, 404, 409, 429) },
    },
  }, async (request, reply) => userJson(await update(request, reply, request.body, request.params.id)));

  app.delete('/users/:id', {
    onRequest,
    schema: {
      tags, security, operationId: 'deleteUser', summary: 'Delete a user with their links and keys (not the last admin: 409)', params: IdParams,
      response: { 204: empty('deleted'), ...problems(...BODY_ERRORS, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await deleteUser(deps, requireActor(request), request.params.id);
    return reply.code(204).send(null);
  });

  app.get('/users/:id/links', {
    onRequest,
    schema: {
      tags, security, operationId: 'listUserLinks', params: IdParams, querystring: UserLinksQuery,
      summary: 'A user\'s links, newest first (self or admin); archived links only with ?archived=true, which lists them alone',
      response: { 200: json(Page(Link), 'a page of links'), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = requireActor(request);
    const user = await getUser(deps, actor, request.params.id);
    const { archived } = request.query;
    return paged(request.query, (limit, cursor) => listLinks(deps, actor, { limit, cursor, archived, owner: { id: user.id } }), linkJson(deps.config.baseUrl, deps.domains));
  });
}
