import { Type, type Static } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { createLink, deleteLink, getLink, listLinks, replacement, updateLink, type LinkDeps, type LinkEdit, type LinkInput } from '../../use-cases/links.js';
import { requireActor } from '../auth.js';
import { scoped } from '../openapi.js';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { AppError, invalid } from '../../domain/errors.js';
import { testRules } from '../../use-cases/link-rules.js';
import { LazyVisit } from '../visit-facts.js';
import { enforce, enforceNotEmpty, type RateLimitDeps } from '../rate-limit.js';
import { epochMs, linkJson, paged, rulesFromJson, statsJson } from '../present.js';
import { exportChunks } from '../../use-cases/export-links.js';
import { streamed } from '../streamed.js';
import { statsCsv } from '../stats-csv.js';
import { linkStats, type StatsDeps } from '../../use-cases/link-stats.js';
import {
  IdParams, IdempotencyHeaders, Link, LinkBody, LinkExportQuery, LinkListQuery, LinkPatchBody, Page, RulesTestQuery, RulesTestResult, Stats, StatsQuery,
} from '../schemas.js';
import { idempotent, type IdempotencyDeps } from '../../use-cases/idempotency.js';
import { REPLAYED, sendAnswer } from '../idempotency.js';
import { BODY_ERRORS, LOCATION, alternatives, attachment, empty, json, problems, type Api } from './api.js';

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

  /** Sends a body to be saved as `<name>-YYYY-MM-DD.<format>`, dated by the request's day (UTC). */
  const download = (reply: FastifyReply, format: 'csv' | 'json', name: string, body: string | Readable) => {
    const day = new Date(deps.clock()).toISOString().slice(0, 10);
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}-${day}.${format}"`)
      .send(body);
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

  // A static path: find-my-way tries it before /links/:id whatever the order of registration.
  app.get('/links/export', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'exportLinks', querystring: LinkExportQuery,
      summary: 'Your links as one file, CSV or JSON, streamed (admins: ?owner=all); the listing\'s filters, archived links included unless archived=false',
      description: [
        'CSV (the default): UTF-8, a header row, rows ended by CRLF, cells quoted as RFC 4180 says and otherwise written as they are.',
        'Its columns, in order: url, code, domain, title, tags (joined with |), created_at, expires_at (ISO 8601 UTC, or empty), clicks (the total: counted here and imported),',
        'redirect_type, max_clicks, expired_url (or empty), archived, password_protected (true or false; the password never leaves), rules, destinations, og',
        '(compact JSON as stored, a time condition\'s bounds in epoch milliseconds; empty when none). `kurz import --from csv` reads it back to the same links.',
        'JSON: one array of link objects exactly as GET /links/{id} answers them.',
        'A failure after the first bytes were sent closes the connection without ending the body: a truncated transfer, never a shorter file that looks whole.',
      ].join(' '),
      response: {
        200: alternatives('the links, newest first', {
          'text/csv': Type.String({ contentMediaType: 'text/csv', description: 'a header row, then one row a link' }),
          'application/json': Type.Array(Link),
        }, attachment(true)),
        ...problems(400, 401, 403),
      },
    },
  }, async (request, reply) => {
    const { format = 'csv', q, tag, owner, domain, archived } = request.query;
    const chunks = exportChunks(deps, requireActor(request), { q, tag, owner, domain, archived }, format, present);
    return download(reply, format, 'kurz-links', await streamed(chunks));
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
      summary: 'Clicks of a link over time and by referrer, country, browser, OS, device, destination and rule (bots excluded unless include_bots); ?format=csv: one table to pivot',
      params: IdParams, querystring: StatsQuery,
      response: {
        200: alternatives('the link\'s clicks', {
          'application/json': Stats,
          'text/csv': Type.String({ contentMediaType: 'text/csv', description: 'rows table,value,clicks after a header row' }),
        }, attachment(false)),
        ...problems(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const { from, to, interval, include_bots, format } = request.query;
    const { id } = request.params;
    const stats = statsJson(await linkStats(deps, requireActor(request), id, {
      from: epochMs(from, 'from'), to: epochMs(to, 'to'), interval: interval as 'hour' | 'day', includeBots: include_bots ?? false,
    }));
    if (format !== 'csv') return stats;
    return download(reply, 'csv', `kurz-stats-${id}`, statsCsv(stats));
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
