import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Api } from './api/api.js';

/** The dashboard's built files (`npm run build` runs vite): web/dist beside src/ and dist/ alike. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * What a browser may do with the dashboard's pages: scripts, styles and requests from this origin
 * only (no inline script, so an injected one cannot run), images also as data: URLs, and no framing.
 */
export const DASHBOARD_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/**
 * The web dashboard: its page at / and /dashboard/… (the client routes them), its assets under
 * /assets/. Without a build the routes are left out and the API works as before.
 */
export async function dashboardRoutes(app: Api, deps: { log: Logger }, root = WEB_DIST): Promise<void> {
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    deps.log.warn({ root }, 'the web dashboard is not built (npm run build); / answers 404');
    return;
  }
  const page = readFileSync(index);
  await app.register(async (web) => {
    web.addHook('onSend', async (_request, reply) => {
      reply.headers(DASHBOARD_HEADERS);
    });
    // Vite names assets by content hash: a file never changes under its name, so it may be kept a year.
    await web.register(fastifyStatic, { root: join(root, 'assets'), prefix: '/assets/', decorateReply: false, immutable: true, maxAge: '365d' });
    const html = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
    web.get('/', { schema: { hide: true } }, html);
    web.get('/dashboard', { schema: { hide: true } }, html);
    web.get('/dashboard/*', { schema: { hide: true } }, html);
  });
}
