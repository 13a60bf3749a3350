import QRCode from 'qrcode';
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Context } from '../../use-cases/context.js';
import { getLink } from '../../use-cases/links.js';
import { bearerSecurity, requireActor } from '../auth.js';
import { IdParams } from '../schemas.js';
import { media, problems, responseHeader, type Api } from './api.js';

const QrQuery = Type.Object({
  size: Type.Optional(Type.Integer({ minimum: 64, maximum: 2048, default: 512, description: 'width and height in pixels (PNG)' })),
}, { additionalProperties: false });

/** A link's short URL as a QR code, SVG or PNG: for print, slides and the dashboard (owner or admin). */
export function linkQrRoutes(app: Api, ctx: Context): void {
  const tags = ['links'];
  const security = bearerSecurity;
  // Error correction M: a printed code still reads with some 15% of it damaged or covered.
  const options = { errorCorrectionLevel: 'M', margin: 2 } as const;
  const shortUrl = async (request: FastifyRequest, id: string) => `${ctx.config.baseUrl}/${(await getLink(ctx, requireActor(request), id)).code}`;
  // The image changes only with the code; a browser may keep it a few minutes, no shared cache at all.
  const cacheControl = 'private, max-age=300';
  const cached = { 'cache-control': responseHeader(Type.String({ description: cacheControl }), true) };

  app.get('/links/:id/qr.svg', {
    schema: {
      tags, security, operationId: 'getLinkQrSvg', summary: "The link's short URL as an SVG QR code", params: IdParams,
      response: { 200: media('image/svg+xml', 'the QR code', cached), ...problems(400, 401, 404) },
    },
  }, async (request, reply) => {
    const svg = await QRCode.toString(await shortUrl(request, request.params.id), { ...options, type: 'svg' });
    return reply.type('image/svg+xml').header('cache-control', cacheControl).send(svg);
  });

  app.get('/links/:id/qr.png', {
    schema: {
      tags, security, operationId: 'getLinkQrPng', summary: "The link's short URL as a PNG QR code", params: IdParams, querystring: QrQuery,
      response: { 200: media('image/png', 'the QR code', cached), ...problems(400, 401, 404) },
    },
  }, async (request, reply) => {
    // qrcode floors width / modules × modules, and for some sizes float error lands it a pixel short.
    const width = (request.query.size ?? 512) + 1e-6;
    const png = await QRCode.toBuffer(await shortUrl(request, request.params.id), { ...options, type: 'png', width });
    return reply.type('image/png').header('cache-control', cacheControl).send(png);
  });
}
