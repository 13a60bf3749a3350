import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { StoredAnswer } from '../ports.js';
import { responseHeader } from './api/api.js';

/** The header of an answer sent again for an Idempotency-Key (the IETF draft's and Stripe's name). */
export const REPLAYED = {
  'idempotent-replayed': responseHeader(Type.Literal('true', { description: 'present when this is the answer to an earlier request with the same Idempotency-Key, sent again' })),
};

/** Sends an answer of `idempotent` (use-cases/idempotency.ts): the same status, headers and body, the second time marked replayed. */
export function sendAnswer(reply: FastifyReply, { answer, replayed }: { answer: StoredAnswer; replayed: boolean }): FastifyReply {
  if (replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
