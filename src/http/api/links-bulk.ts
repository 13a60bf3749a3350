import type { Static } from 'typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { Config } from '../../config.js';
import { createLinksInBulk, type BulkOutcome } from '../../use-cases/bulk-links.js';
import { idempotent, type IdempotencyDeps } from '../../use-cases/idempotency.js';
import type { LinkDeps, LinkInput } from '../../use-cases/links.js';
import { requireActor } from '../auth.js';
import { scoped } from '../openapi.js';
import { AppError } from '../../domain/errors.js';
import { allowance, type RateLimitDeps } from '../rate-limit.js';
import { linkJson } from '../present.js';
import { problemJson, problemOf, validationError, type AjvIssue } from '../errors.js';
import { bodyValidator, itemNotPlain, itemsCheckedByHandler, validatorCompiler } from '../validation.js';
import { BulkLinksBody, BulkLinksEnvelope, BulkLinksResults, IdempotencyHeaders, LinkBody } from '../schemas.js';
import { REPLAYED, sendAnswer } from '../idempotency.js';
import { linkInput } from './links.js';
import { BODY_ERRORS, json, problems, type Api } from './api.js';

/**
 * 1,000 items of the largest valid link (a 2,048-character URL, a 200-character title, 20 tags of 32,
 * a 64-character code: about 3.3 KB of JSON) are 3.3 MB; 4 MiB holds them. BODY_LIMIT_BYTES, if larger, wins.
 */
const BULK_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

const checkItem = bodyValidator(LinkBody);

/**
 * The document states the body as {links: [LinkBody …]}; what is validated before the handler is only
 * the envelope (an object with 1 to 1,000 items), so one bad item does not refuse the whole request.
 */
const envelopeOnly: FastifySchemaCompiler<object> = (route) =>
  route.httpPart === 'body' ? bodyValidator(BulkLinksEnvelope) : validatorCompiler(route);

/** An item as POST /api/v1/links would take it alone: the input, or the 400 it would answer. */
function itemInput(item: unknown): LinkInput | AppError {
  const notPlain = itemNotPlain(item);
  if (notPlain) return notPlain;
  if (!checkItem(item)) return validationError((checkItem.errors ?? []) as AjvIssue[]);
  try {
    return linkInput(item as Static<typeof LinkBody>);
  } catch (err) {
    return problemOf(err);
  }
}

export function linkBulkRoutes(app: Api, deps: LinkDeps & IdempotencyDeps & RateLimitDeps & { config: Pick<Config, 'baseUrl' | 'bodyLimitBytes'> }): void {
  const present = linkJson(deps.config.baseUrl, deps.domains);

  app.post('/links/bulk', {
    bodyLimit: Math.max(deps.config.bodyLimitBytes, BULK_BODY_LIMIT_BYTES),
    validatorCompiler: envelopeOnly,
    config: itemsCheckedByHandler('links'),
    schema: {
      tags: ['links'], security: scoped('links:write'), operationId: 'createLinks', summary: 'Shorten up to 1,000 URLs at once',
      description: [
        'Each item of `links` is created as POST /api/v1/links would create it alone; the valid ones are created even when others fail.',
        'The answer is a 200 with one result per item, in order: `status` 201 with the `link`, or the status POST /api/v1/links would have answered for that item with its `problem`.',
        'A problem\'s field names are relative to its item (`url`, `tags[1]`), as POST /api/v1/links names them; the item is the one at the same index.',
        'Each item counts against the link-creation rate limit: the items past it answer 429 in their slot, the time to wait in the problem\'s detail.',
        'Items that set a code are limited like single requests that do (a taken code counts against the unknown-code limit of the client); two items with one code on one domain: the later one gets the 409.',
        'A body that is not `{links: [...]}` with 1 to 1,000 items, or a bad Idempotency-Key, is a 400 for the whole request, and nothing is created.',
      ].join(' '),
      headers: IdempotencyHeaders, body: BulkLinksBody,
      response: { 200: json(BulkLinksResults, 'one result per item, in order', REPLAYED), ...problems(...BODY_ERRORS, 401, 403, 409, 422) },
    },
  }, async (request, reply) => {
    const actor = requireActor(request);
    const body = request.body as unknown as Static<typeof BulkLinksEnvelope>;
    const result = await idempotent(deps, { userId: actor.user.id, key: request.headers['idempotency-key'], operation: 'createLinks', body }, async () => {
      const outcomes = await createLinksInBulk(deps, actor, body.links.map(itemInput), {
        creation: allowance(deps, 'createLink', actor.user.id),
        probing: allowance(deps, 'notFound', request.ip),
      });
      const results = outcomes.map((outcome: BulkOutcome) => {
        if ('link' in outcome) return { status: 201, link: present(outcome.link) };
        const problem = problemOf(outcome.error);
        if (problem.status >= 500) request.log.error({ err: outcome.error }, 'a bulk item failed');
        return { status: problem.status, problem: problemJson(problem) };
      });
      return { status: 200, headers: {}, body: { results } };
    });
    return sendAnswer(reply, result);
  });
}
