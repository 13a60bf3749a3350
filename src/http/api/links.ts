import type { Static } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { createLink, deleteLink, getLink, listLinks, replacement, updateLink, type LinkDeps, type LinkEdit, type LinkInput } from '../../use-cases/links.js';
import { requireActor } from '../auth.js';
import { scoped } from '../openapi.js';
import { isIP } from 'node:net';
import { AppError, invalid } from '../../domain/errors.js';
import { testRules } from '../../use-cases/link-rules.js';
import { LazyVisit } from '../visit-facts.js';
import { enforce, enforceNotEmpty, type RateLimitDeps } from '../rate-limit.js';
import { epochMs, iso, linkJson, paged, rulesFromJson } from '../present.js';
import { linkStats, type StatsDeps } from '../../use-cases/link-stats.js';
import {
  IdParams, IdempotencyHeaders, Link, LinkBody, LinkListQuery, LinkPatchBody, Page, RulesTestQuery, RulesTestResult, Stats, StatsQuery,
} from '../schemas.js';
import { idempotent, type IdempotencyDeps } from '../../use-cases/idempotency.js';
import { REPLAYED, sendAnswer } from '../idempotency.js';
import { BODY_ERRORS, LOCATION, empty, json, problems, type Api } from './api.js';

export function linkRoutes(app: Api, deps: LinkDeps & StatsDeps & IdempotencyDeps & RateLimitDeps & { config: Pick<Config, 'baseUrl'> }): void {
  const tags = ['links'];
  const present = linkJson(deps.config.baseUrl, deps.domains);
  /**
   * A write that sets a code answers 409 when the code is taken: a code lookup, charged like the
   * redirect's 404s to the unknown-code class of the client IP, so probing codes here is no faster
   * than by redirect. A conflict takes a token; an empty bucket refuses every write that sets a code,
   * before it is tried, so the 429 says nothing about the code either.
   */
  const settingCode = async <T>(request: FastifyRequest, reply: FastifyReply, code: string | undefined, write: () => Promise<T>): Promise<T> => {
    if (code === undefined) return write();
    await enforceNotEmpty(deps, reply, 'notFound', request.ip);
    try {
      return await write();
    } catch (err) {
      if (err instanceof AppError && err.kind === 'conflict') await enforce(deps, reply, 'notFound', request.ip, true);
      throw err;
    }
  };

  app.post('/links', {
    schema: {
      tags, security: scoped('links:write'), operationId: 'createLink', summary: 'Shorten a URL', headers: IdempotencyHeaders, body: LinkBody,
      // 500: every random code drawn was taken (the code space is near full), which no input causes.
      // 409 and 422 also answer an Idempotency-Key still in progress, or sent before with another body.
      response: { 201: json(Link, 'the new link', { ...LOCATION, ...REPLAYED }), ...problems(...BODY_ERRORS, 401, 403, 409, 422, 500) },
    },
  }, async (request, reply) => {
    const actor = requireActor(request);
    const { body } = request;
    // Only a created link is kept for the key: a refusal (429, 409 …) created nothing and may be retried with the same key.
    const result = await idempotent(deps, { userId: actor.user.id, key: request.headers['idempotency-key'], operation: 'createLink', body }, async () => {
      await enforce(deps, reply, 'createLink', actor.user.id);
      const link = await settingCode(request, reply, body.code, () => createLink(deps, actor, linkInput(body)));
      return { status: 201, headers: { location: `/api/v1/links/${link.id}` }, body: present(link) };
    });
    return sendAnswer(reply, result);
  });

  app.get('/links', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'listLinks', querystring: LinkListQuery,
      summary: 'Your links, newest first (admins: ?owner=all); archived links only with ?archived=true, which lists them alone',
      response: { 200: json(Page(Link), 'a page of links'), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const actor = requireActor(request);
    const { q, tag, owner, domain, archived } = request.query;
    return paged(request.query, (limit, cursor) => listLinks(deps, actor, { limit, cursor, q, tag, owner, domain, archived }), present);
  });

  app.get('/links/:id', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'getLink', summary: 'A link (owner or admin)', params: IdParams,
      response: { 200: json(Link, 'the link'), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => present(await getLink(deps, requireActor(request), request.params.id)));

  app.put('/links/:id', {
    schema: {
      tags, security: scoped('links:write'), operationId: 'replaceLink', summary: 'Replace a link: fields left out return to their defaults; the code stays unless given',
      params: IdParams, body: LinkBody, response: { 200: json(Link, 'the link as changed'), ...problems(...BODY_ERRORS, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const actor = requireActor(request);
    const { body, params } = request;
    return present(await settingCode(request, reply, body.code, () => updateLink(deps, actor, params.id, replacement(linkInput(body)))));
  });

  app.patch('/links/:id', {
    schema: {
      tags, security: scoped('links:write'), operationId: 'updateLink', summary: 'Change some fields of a link; null clears title, expires_at, max_clicks, expired_url, utm, rules, destinations or og',
      params: IdParams, body: LinkPatchBody, response: { 200: json(Link, 'the link as changed'), ...problems(...BODY_ERRORS, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const actor = requireActor(request);
    const { body, params } = request;
    return present(await settingCode(request, reply, body.code, () => updateLink(deps, actor, params.id, linkInput(body))));
  });

  app.get('/links/:id/rules/test', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'testLinkRules', params: IdParams, querystring: RulesTestQuery,
      summary: 'Which rule a visit would match and where it would go (owner or admin): check rules before sharing a link',
      response: { 200: json(RulesTestResult, 'the rule that matches and the destination'), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { ua, lang, country, ip, query, at } = request.query;
    if (ip !== undefined && isIP(ip) === 0) throw invalid('ip', 'must be an IPv4 or IPv6 address');
    const visit = new LazyVisit({
      ua, acceptLanguage: lang, country: country?.toUpperCase() ?? null, ip: () => ip ?? '', search: query ?? '', cookie: undefined,
    });
    return testRules(deps, requireActor(request), request.params.id, visit, epochMs(at, 'at'));
  });

  app.get('/links/:id/stats', {
    schema: {
      tags, security: scoped('stats:read'), operationId: 'getLinkStats',
      summary: 'Clicks of a link over time and by referrer, country, browser, OS, device, destination and rule (bots excluded unless include_bots)',
      params: IdParams, querystring: StatsQuery, response: { 200: json(Stats, 'the link\'s clicks'), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { from, to, interval, include_bots } = request.query;
    const stats = await linkStats(deps, requireActor(request), request.params.id, {
      from: epochMs(from, 'from'), to: epochMs(to, 'to'), interval: interval as 'hour' | 'day', includeBots: include_bots ?? false,
    });
    const { referrer, country, browser, os, device } = stats.breakdown;
    return {
      total: stats.total,
      series: stats.series.map((p) => ({ t: iso(p.t), clicks: p.clicks })),
      referrers: referrer, countries: country, browsers: browser, os, devices: device,
      destinations: stats.destinations, rules: stats.rules,
    };
  });

  app.delete('/links/:id', {
    schema: {
      tags, security: scoped('links:write'), operationId: 'deleteLink', summary: 'Delete a link', params: IdParams,
      response: { 204: empty('deleted'), ...problems(...BODY_ERRORS, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await deleteLink(deps, requireActor(request), request.params.id);
    return reply.code(204).send(null);
  });
}

/** The API's snake_case body → the use case's input; absent fields stay absent (PATCH relies on it). */
export function linkInput<B extends Partial<LinkBody>>(body: B): B extends LinkBody ? LinkInput : LinkEdit;
export function linkInput(body: Partial<Static<typeof LinkBody>>): LinkEdit {
  return {
    url: body.url,
    domain: body.domain,
    code: body.code,
    title: body.title,
    tags: body.tags,
    redirectType: body.redirect_type,
    expiresAt: epochMs(body.expires_at, 'expires_at'),
    maxClicks: body.max_clicks,
    password: body.password,
    expiredUrl: body.expired_url,
    archived: body.archived,
    utm: body.utm,
    rules: rulesFromJson(body.rules),
    destinations: body.destinations,
    og: body.og,
  };
}
