import { Type } from 'typebox';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey, type ApiKeyDeps } from '../../use-cases/api-keys.js';
import { refuseApiKey, requireActor } from '../auth.js';
import { apiKeyJson, epochMs } from '../present.js';
import { ApiKey, ApiKeyBody, ApiKeyCreated, IdParams } from '../schemas.js';
import { SECURITY } from '../openapi.js';
import { BODY_ERRORS, LOCATION, NO_STORE, empty, json, problems, type Api } from './api.js';

export function apiKeyRoutes(app: Api, deps: ApiKeyDeps): void {
  const tags = ['api-keys'];
  const security = SECURITY.bearer;
  // A key that could make keys would outlive its own revocation: only a signed-in session manages them.
  const onRequest = refuseApiKey;

  app.post('/api-keys', {
    onRequest,
    schema: {
      tags, security, operationId: 'createApiKey', summary: 'Create an API key; the key itself is in this response only', body: ApiKeyBody,
      response: { 201: json(ApiKeyCreated, 'the new key, with its secret', { ...LOCATION, ...NO_STORE }), ...problems(...BODY_ERRORS, 401, 403) },
    },
  }, async (request, reply) => {
    const actor = requireActor(request);
    const { name, scopes } = request.body;
    const expiresAt = epochMs(request.body.expires_at ?? null, 'expires_at');
    const created = await createApiKey(deps, actor, { name, expiresAt, scopes });
    return reply
      .code(201)
      .header('location', `/api/v1/api-keys/${created.id}`)
      .header('cache-control', 'no-store')
      .send({ ...apiKeyJson(created), key: created.key });
  });

  app.get('/api-keys', {
    onRequest,
    schema: {
      tags, security, operationId: 'listApiKeys', summary: 'Your API keys that are not revoked (never the keys themselves)',
      response: { 200: json(Type.Object({ data: Type.Array(ApiKey) }), 'your keys'), ...problems(401, 403) },
    },
  }, async (request) => ({ data: (await listApiKeys(deps, requireActor(request))).map(apiKeyJson) }));

  app.get('/api-keys/:id', {
    onRequest,
    schema: {
      tags, security, operationId: 'getApiKey', summary: 'One of your API keys that is not revoked (never the key itself)', params: IdParams,
      response: { 200: json(ApiKey, 'the key'), ...problems(401, 403, 404) },
    },
  }, async (request) => apiKeyJson(await getApiKey(deps, requireActor(request), request.params.id)));

  app.delete('/api-keys/:id', {
    onRequest,
    schema: {
      tags, security, operationId: 'revokeApiKey', summary: 'Revoke an API key', params: IdParams,
      response: { 204: empty('revoked'), ...problems(...BODY_ERRORS, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await revokeApiKey(deps, requireActor(request), request.params.id);
    return reply.code(204).send(null);
  });
}
