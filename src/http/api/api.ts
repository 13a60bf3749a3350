import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { PROBLEMS } from '../../domain/errors.js';

/** The Fastify instance the routes see: TypeBox schemas type each handler's params, query and body. */
export type Api = FastifyInstance<
  RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider
>;

/**
 * A response header as the OpenAPI document states it. `x-required` marks a header every such
 * answer carries: @fastify/swagger copies a header's keywords into its schema, so src/http/openapi.ts
 * lifts the mark to the header object's `required`.
 */
const header = (schema: TSchema, required = false) => (required ? { ...schema, 'x-required': true } : schema);
const seconds = (description: string) => Type.Integer({ minimum: 0, description });

/** The IETF draft's fields on every answer of a rate-limited operation (src/http/rate-limit.ts), when its class is on. */
export const rateLimitFields = (required: boolean) => ({
  'ratelimit-limit': header(Type.Integer({ minimum: 0, description: 'capacity of the caller\'s bucket' }), required),
  'ratelimit-remaining': header(Type.Integer({ minimum: 0, description: 'whole requests left in the bucket' }), required),
  'ratelimit-reset': header(seconds('seconds until the bucket is full again'), required),
});
const retryAfter = (required: boolean) => ({ 'retry-after': header(seconds('seconds to wait before trying again'), required) });

/** Headers each error status carries besides the rate-limit fields. */
const ERROR_HEADERS: Record<number, Record<string, TSchema>> = {
  401: { 'www-authenticate': header(Type.String({ description: 'Bearer' }), true) },
  429: { ...rateLimitFields(true), ...retryAfter(true) },
  503: retryAfter(false),
};

/** Every operation takes a body a client may send (POST, PUT, PATCH, and DELETE with a Content-Type): malformed JSON, too large, not JSON. */
export const BODY_ERRORS = [400, 413, 415] as const;

const problemDescription = (status: number) =>
  Object.values(PROBLEMS).find((p) => p.status === status)?.title ?? `status ${status}`;

/**
 * Response objects of the error statuses a route can answer, all RFC 9457 problems served as
 * application/problem+json (Fastify serializes by that content type). Every operation is rate-limited
 * and reads the store, so 429 and 503 are always there; and refuses control characters in any path or
 * query parameter (validation.ts), so 400 too.
 */
export function problems(...statuses: number[]): Record<number, object> {
  const all = [...new Set([...statuses, 400, 429, 503])].sort((a, b) => a - b);
  return Object.fromEntries(all.map((s) => [s, {
    description: problemDescription(s),
    headers: { ...rateLimitFields(false), ...ERROR_HEADERS[s] },
    content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
  }]));
}

/** A successful JSON answer; `headers` are the ones it always carries (Location …). */
export function json(schema: TSchema, description: string, headers: Record<string, TSchema> = {}): object {
  return { description, headers: { ...rateLimitFields(false), ...headers }, content: { 'application/json': { schema } } };
}

/** A successful answer in one of several media types (the request chooses which), each with its schema. */
export function alternatives(description: string, content: Record<string, TSchema>, headers: Record<string, TSchema> = {}): object {
  const media = Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }]));
  return { description, headers: { ...rateLimitFields(false), ...headers }, content: media };
}

/** A successful answer of another media type, such as an image. */
export function media(type: string, description: string, headers: Record<string, TSchema> = {}): object {
  return { description, headers: { ...rateLimitFields(false), ...headers }, content: { [type]: { schema: Type.String({ contentMediaType: type }) } } };
}

/** A 204 (or any answer without a body). */
export function empty(description: string, headers: Record<string, TSchema> = {}): object {
  return { description, type: 'null', headers: { ...rateLimitFields(false), ...headers } };
}

/** Headers a route's success states; required ones are on every such answer. */
export const responseHeader = header;
export const LOCATION = { location: header(Type.String({ description: 'the new resource' }), true) };
/** An answer meant to be saved as a file: Content-Disposition names it. */
export const attachment = (required: boolean) => ({
  'content-disposition': header(Type.String({ description: 'attachment; filename="…": the file name to save the answer as' }), required),
});
export const NO_STORE = { 'cache-control': header(Type.String({ description: 'no-store' }), true) };

/** Token responses must never be stored by a cache between client and server (RFC 6749 §5.1). */
export const noStore = { 'cache-control': 'no-store' };
