import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { getLink, type LinkDeps } from '../../use-cases/links.js';
import { AppError } from '../../domain/errors.js';
import { QrBusy, type QrImage, type QrRenderer } from '../../ports.js';
import { linkJson } from '../present.js';
import { requireActor } from '../auth.js';
import { scoped } from '../openapi.js';
import { enforce, type RateLimitDeps } from '../rate-limit.js';
import { IdParams } from '../schemas.js';
import { media, problems, responseHeader, type Api } from './api.js';

const QrQuery = Type.Object({
  size: Type.Optional(Type.Integer({ minimum: 64, maximum: 2048, default: 512, description: 'width and height in pixels (PNG)' })),
}, { additionalProperties: false });

/** Seconds a client is asked to wait when every QR worker is busy and the queue is full. */
const BUSY_RETRY_AFTER_SECONDS = 2;

/** A link's short URL as a QR code, SVG or PNG: for print, slides and the dashboard (owner or admin). */
export function linkQrRoutes(app: Api, deps: Pick<LinkDeps, 'store' | 'domains'> & RateLimitDeps & { config: Pick<Config, 'baseUrl'>; qr: QrRenderer }): void {
  const tags = ['links'];
  const present = linkJson(deps.config.baseUrl, deps.domains);
  // The image changes only with the domain and code; a browser may keep it a few minutes, no shared cache at all.
  const cacheControl = 'private, max-age=300';
  const cached = { 'cache-control': responseHeader(Type.String({ description: cacheControl }), true) };

  /**
   * The image of the link's short URL: a kept one at once; otherwise one render, counted in the `qr`
   * class per user (a 2048-pixel PNG is about 0.6 s of a core), rendered off the event loop.
   */
  const image = async (request: FastifyRequest, reply: FastifyReply, id: string, qr: QrImage): Promise<Buffer> => {
    const actor = requireActor(request);
    const text = present(await getLink(deps, actor, id)).short_url;
    const kept = deps.qr.cached(text, qr);
    if (kept) return kept;
    await enforce(deps, reply, 'qr', `user:${actor.user.id}`);
    try {
      return await deps.qr.render(text, qr);
    } catch (err) {
      if (!(err instanceof QrBusy)) throw err;
      reply.header('retry-after', BUSY_RETRY_AFTER_SECONDS);
      throw new AppError('unavailable', `QR rendering is busy (${err.message}); retry shortly`);
    }
  };

  app.get('/links/:id/qr.svg', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'getLinkQrSvg', summary: "The link's short URL as an SVG QR code", params: IdParams,
      response: { 200: media('image/svg+xml', 'the QR code', cached), ...problems(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const svg = await image(request, reply, request.params.id, { format: 'svg' });
    return reply.type('image/svg+xml').header('cache-control', cacheControl).send(svg);
  });

  app.get('/links/:id/qr.png', {
    schema: {
      tags, security: scoped('links:read'), operationId: 'getLinkQrPng', summary: "The link's short URL as a PNG QR code", params: IdParams, querystring: QrQuery,
      response: { 200: media('image/png', 'the QR code', cached), ...problems(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const png = await image(request, reply, request.params.id, { format: 'png', size: request.query.size ?? 512 });
    return reply.type('image/png').header('cache-control', cacheControl).send(png);
  });
}
