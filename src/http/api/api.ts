import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** The Fastify instance the routes see: TypeBox schemas type each handler's params, query and body. */
export type Api = FastifyInstance<
  RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider
>;

/**
 * Response schemas of the error statuses a route can answer, all RFC 9457 problems. Every route reads
 * the store, so 503 too; and refuses control characters in any path or query parameter (validation.ts), so 400 too.
 */
export function problems(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries([...statuses, 400, 503].map((s) => [s, { $ref: 'Problem#' }]));
}

/** Token responses must never be stored by a cache between client and server (RFC 6749 §5.1). */
export const noStore = { 'cache-control': 'no-store' };
