import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, PROBLEMS, problemType, type FieldError, type ProblemKind } from '../domain/errors.js';
import { StoreUnavailable } from '../ports.js';
import { methodNotAllowed } from './route-methods.js';
import { PATTERN_MESSAGES, TAG_MESSAGES } from './schemas.js';

export interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Seconds a client is asked to wait after a 503 of a store that is down, hung or overloaded. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Every 4xx and 5xx leaves as RFC 9457 problem+json: ours, Fastify's validation and parser errors, 404s.
 * A path that some route answers with other methods (`allowed`) is a 405 with Allow instead of a 404.
 */
export function registerErrorHandling(app: FastifyInstance, allowed: (path: string) => string[] = () => []): void {
  app.setErrorHandler((err: FastifyError | AppError | StoreUnavailable, request, reply) => {
    // A dependency failure, not a bug: the store logs each outage once, so no stack trace per request.
    if (err instanceof StoreUnavailable) {
      reply.header('retry-after', STORE_RETRY_AFTER_SECONDS);
      return sendProblem(request, reply, new AppError('unavailable', err.message));
    }
    const problem = err instanceof AppError ? err : fromFastify(err as FastifyError);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allow = allowed(path);
    if (allow.length === 0) return sendProblem(request, reply, new AppError('not-found', `no route for ${request.method} ${path}`));
    return sendProblem(request, reply, methodNotAllowed(reply, request.method, path, allow));
  });
}

/**
 * Fastify's answers before routing (its `frameworkErrors`): a path that is not valid percent-encoding
 * (`/%zz`, FST_ERR_BAD_URL) is a 400 naming the path, as a problem like any other.
 */
export function answerFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = err.code === 'FST_ERR_BAD_URL'
    ? new AppError('validation', 'the path is not valid percent-encoding', [{ field: 'path', message: 'is not valid percent-encoding' }])
    : fromFastify(err);
  sendProblem(request, reply, problem);
}

/** Sends a problem; `extensions` are extra members (RFC 9457 §3.2), such as readiness checks. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: AppError,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  if (problem.kind === 'unauthorized') reply.header('www-authenticate', 'Bearer');
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ ...problemJson(problem, request.url.split('?')[0]), ...extensions });
}

/** The RFC 9457 object of a problem (also an item's answer inside a bulk request's 200). */
export function problemJson(problem: AppError, instance?: string) {
  const { title, status } = PROBLEMS[problem.kind];
  return {
    type: problemType(problem.kind),
    title,
    status,
    // An unexpected error's message could carry internals (SQL, paths): clients get the title only.
    detail: problem.kind === 'internal' ? title : problem.detail,
    ...(instance !== undefined && { instance }),
    ...(problem.errors && { errors: problem.errors }),
  };
}

/** Any error as the problem the error handler would answer: a store that cannot answer is a 503, anything unexpected a 500. */
export function problemOf(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof StoreUnavailable) return new AppError('unavailable', err.message);
  return new AppError('internal', 'internal error');
}

/** Ajv's errors for a value validated outside Fastify (a bulk request's item), as the 400 Fastify's would be. */
export const validationError = (issues: readonly AjvIssue[]): AppError => fromValidation(issues, undefined);

function fromValidation(issues: readonly AjvIssue[], context: string | undefined): AppError {
  // One error per field: a nullable field that fails reports its first branch, not every branch of anyOf.
  const byField = new Map<string, FieldError>();
  // A nullable object whose member failed (utm.source too long) also fails its null branch ("utm must
  // be null") and the union ("must match a schema in anyOf"): the member's error says what is wrong.
  // A member that is missing or not allowed is reported at the object's own path, but names the member.
  const namesMember = (other: AjvIssue, issue: AjvIssue) =>
    other.instancePath === issue.instancePath && (other.keyword === 'required' || other.keyword === 'additionalProperties');
  const nested = (issue: AjvIssue) => issues.some((other) => other.instancePath.startsWith(`${issue.instancePath}/`) || namesMember(other, issue));
  const branch = (issue: AjvIssue) => issue.keyword === 'anyOf' || (issue.keyword === 'type' && issue.params.type === 'null');
  for (const issue of issues) {
    if (branch(issue) && nested(issue)) continue;
    const error = fieldError(issue, context);
    if (!byField.has(error.field)) byField.set(error.field, error);
  }
  const errors = [...byField.values()];
  return new AppError('validation', errors.map((e) => `${e.field} ${e.message}`).join('; '), errors);
}

const BY_CODE: Record<string, ProblemKind> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation',
};

function fromFastify(err: FastifyError): AppError {
  if (err.validation) return fromValidation(err.validation as AjvIssue[], err.validationContext);
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
    return new AppError('validation', 'the request body is not valid JSON', [{ field: 'body', message: 'is not valid JSON' }]);
  }
  const kind = BY_CODE[err.code] ?? kindOfStatus(err.statusCode);
  return new AppError(kind, kind === 'internal' ? 'internal error' : err.message);
}

function kindOfStatus(status: number | undefined): ProblemKind {
  if (status === undefined || status >= 500) return 'internal';
  const match = (Object.keys(PROBLEMS) as ProblemKind[]).find((k) => PROBLEMS[k].status === status);
  return match ?? 'validation';
}

/** `/tags/2` → `tags[2]`; a missing or extra property is named by itself. */
function fieldError(issue: AjvIssue, context: string | undefined): FieldError {
  const path = issue.instancePath
    .split('/')
    .slice(1)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
  const join = (name: unknown) => (path ? `${path}.${String(name)}` : String(name));
  switch (issue.keyword) {
    case 'required':
      return { field: join(issue.params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { field: join(issue.params.additionalProperty), message: 'is not allowed' };
    case 'minProperties':
      return { field: path || (context ?? 'body'), message: 'must set at least one field' };
    case 'pattern':
      return { field: path || (context ?? 'body'), message: PATTERN_MESSAGES.get(String(issue.params.pattern)) ?? 'is not in the accepted form' };
    case 'discriminator': // the tag of a tagged union (a condition's `type`) is missing or names no branch
      return { field: join(issue.params.tag), message: TAG_MESSAGES.get(String(issue.params.tag)) ?? 'is not one of the accepted values' };
    case 'enum':
      return { field: path || (context ?? 'body'), message: `must be one of ${(issue.params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { field: path || (context ?? 'body'), message: issue.message ?? 'is invalid' };
  }
}
