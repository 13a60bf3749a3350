import { Type } from 'typebox';
import { AppError } from '../domain/errors.js';
import { previewLink, type PreviewDeps } from '../use-cases/preview-link.js';
import { problems, type Api } from './api/api.js';
import { PREVIEW_PAGE_HEADERS, previewPage } from './preview-page.js';
import { enforce, redirectLimit, refuse } from './rate-limit.js';
import { shortUrl } from './present.js';
import { GONE, answerGone, domainOfRequest, pageAnswer, type RedirectPathDeps } from './redirect.js';

/**
 * GET /{code}+ (Bitly's convention). find-my-way takes `/:code+` for a parameter named "code+", the
 * same route as REDIRECT_ROUTE; a parameter bounded by a pattern may be followed by a literal, so the
 * code is "anything but +" and the + is the literal. `/abc+` comes here, `/abc` and `/ab+c` (no
 * code: a 404) to the redirect. The fast path (fast-redirect.ts) never answers `/abc+`: a + is in no code.
 */
export const PREVIEW_ROUTE = '/:code([^+]+)+';

const PREVIEW_SCHEMA = {
  tags: ['redirect'], operationId: 'previewLink', security: [],
  summary: 'Preview a short URL: a page that says where it goes, with a link on to the short URL itself (counts no click)',
  description: 'The page names the link\'s title and its destination, the host set apart. A link with routing rules or an A/B split '
    + 'lists every place it may send a visitor; a password-protected link shows none (the password guards them); a link that is over '
    + 'shows its expired_url, or is gone. An unknown code is a 404 that counts against the unknown-code limit, as at /{code}.',
  params: Type.Object({ code: Type.String({ description: 'the short code, followed in the path by a +' }) }),
  response: {
    200: pageAnswer('the preview page', 'the preview page, nothing loaded from elsewhere'),
    ...problems(400, 404),
    410: GONE,
  },
};

/** What the preview route uses: the store read, the domain of the request, and the redirect's rate limits. */
export type PreviewRouteDeps = PreviewDeps & Pick<RedirectPathDeps, 'config' | 'domains' | 'limiter' | 'localLimiter' | 'metrics'>;

/**
 * GET (and HEAD) /:code+ : the preview page. Limited as a redirect is (per client IP, and an unknown
 * code counts against the unknown-code limit), since each one reads the store.
 */
export function previewRoute(app: Api, deps: PreviewRouteDeps): void {
  const limit = redirectLimit(deps);
  const domainOf = domainOfRequest(deps);
  const short = shortUrl(deps.config.baseUrl);
  app.get<{ Params: { code: string } }>(PREVIEW_ROUTE, { schema: PREVIEW_SCHEMA, config: { swagger: { exposeHeadRoute: true } } }, async (request, reply) => {
    const decision = limit?.(request.ip);
    if (decision && !decision.allowed) refuse(reply, 'redirect', decision);
    const domain = domainOf(request.raw);
    const { code } = request.params;
    let preview;
    try {
      preview = await previewLink(deps, domain, code);
    } catch (err) {
      // Guessing codes shows up as 404s, here as at /{code}: a client that collects too many gets 429s instead.
      if (err instanceof AppError && err.kind === 'not-found') await enforce(deps, reply, 'notFound', request.ip, true);
      throw err;
    }
    if (preview.kind === 'gone') return answerGone(reply, request.headers.accept, preview.reason);
    return reply.code(200).headers(PREVIEW_PAGE_HEADERS).send(previewPage(preview, short(domain, code), `/${code}`));
  });
}
