import type { Config } from '../../config.js';
import { createDomain, deleteDomain, getDomain, listDomains, updateDomain, type DomainDeps, type DomainInput } from '../../use-cases/domains.js';
import { requireActor } from '../auth.js';
import { scoped } from '../openapi.js';
import { domainJson, paged } from '../present.js';
import { Domain, DomainBody, DomainPatchBody, IdParams, Page, PageQuery } from '../schemas.js';
import { BODY_ERRORS, LOCATION, empty, json, problems, type Api } from './api.js';

/** The API's snake_case body → the use case's input; absent fields stay absent (PATCH relies on it). */
const domainInput = <B extends { hostname?: string; root_redirect?: string | null; not_found_redirect?: string | null; owner_id?: string | null }>(body: B) => ({
  hostname: body.hostname, rootRedirect: body.root_redirect, notFoundRedirect: body.not_found_redirect, ownerId: body.owner_id,
});

/** Custom domains: admins register and change them; every signed-in user lists the ones they may use. */
export function domainRoutes(app: Api, deps: DomainDeps & { config: Pick<Config, 'baseUrl'> }): void {
  const tags = ['domains'];

  app.post('/domains', {
    schema: {
      tags, security: scoped('links:write'), operationId: 'createDomain', summary: 'Register a domain for short links (admins)', body: DomainBody,
      response: { 201: json(Domain, 'the new domain', LOCATION), ...problems(...BODY_ERRORS, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const domain = await createDomain(deps, requireActor(request), domainInput(request.body) as DomainInput);
    return reply.code(201).header('location', `/api/v1/domains/${domain.id}`).send(domainJson(domain));
  });

  app.get('/domains', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'listDomains',
      summary: 'The domains you may put links on, newest first, BASE_URL\'s host last (admins: every domain)', querystring: PageQuery,
      response: { 200: json(Page(Domain), 'a page of domains'), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const actor = requireActor(request);
    return paged(request.query, (limit, cursor) => listDomains(deps, actor, { limit, cursor }), domainJson);
  });

  app.get('/domains/:id', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'getDomain', summary: 'A domain you may use (admins: any); `default` is BASE_URL\'s host', params: IdParams,
      response: { 200: json(Domain, 'the domain'), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => domainJson(await getDomain(deps, requireActor(request), request.params.id)));

  app.patch('/domains/:id', {
    schema: {
      tags, security: scoped('links:write'), operationId: 'updateDomain', summary: 'Change a domain (admins); null clears a redirect or shares the domain with every user',
      params: IdParams, body: DomainPatchBody, response: { 200: json(Domain, 'the domain as changed'), ...problems(...BODY_ERRORS, 401, 403, 404, 409) },
    },
  }, async (request) => domainJson(await updateDomain(deps, requireActor(request), request.params.id, domainInput(request.body))));

  app.delete('/domains/:id', {
    schema: {
      tags, security: scoped('links:write'), operationId: 'deleteDomain', summary: 'Remove a domain without links (admins); one with links is a 409', params: IdParams,
      response: { 204: empty('deleted'), ...problems(...BODY_ERRORS, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await deleteDomain(deps, requireActor(request), request.params.id);
    return reply.code(204).send(null);
  });
}
