import { AppError } from '../domain/errors.js';
import { requestDigest } from '../domain/request-digest.js';
import type { IdempotencyStore, StoredAnswer } from '../ports.js';

/** What idempotent requests use. */
export interface IdempotencyDeps {
  /** Where the first answers are kept. */
  store: IdempotencyStore;
  /** Epoch milliseconds: when a key was claimed, and whether it has expired. */
  clock: () => number;
}

/** The same key and body within this long gets the first answer again (the IETF draft's and Stripe's 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A claim with no answer after this long belongs to a request whose process died mid-way: the key may be
 * used again. 5 minutes is far past REQUEST_TIMEOUT_SECONDS (at most a few minutes) and a bulk of 1,000 links (a second or two).
 */
export const ABANDONED_AFTER_MS = 5 * 60 * 1000;

export interface IdempotentRequest {
  /** Keys are scoped per user: two users may use the same key. */
  userId: string;
  /** The Idempotency-Key header; undefined: the request is simply run. */
  key: string | undefined;
  /** Names the operation, so that one key sent to two operations is two different requests. */
  operation: string;
  /** The parsed request body; compared by its canonical JSON. */
  body: unknown;
}

/**
 * Runs `run` once per (user, key): the first request is run and its answer kept; the same key with the
 * same body within 24 h gets that answer again (`replayed`), with another body a 422, and while the
 * first is still running a 409. An answer is kept only when `run` returns one: a request that throws
 * (a 429, a 409 of a taken code, a store outage) created nothing, so its key is released for a retry.
 */
export async function idempotent(
  deps: IdempotencyDeps, request: IdempotentRequest, run: () => Promise<StoredAnswer>,
): Promise<{ answer: StoredAnswer; replayed: boolean }> {
  const { userId, key } = request;
  if (key === undefined) return { answer: await run(), replayed: false };
  const now = deps.clock();
  const hash = requestDigest(request.operation, request.body);
  const claim = await deps.store.claimIdempotencyKey(userId, key, hash, now, now - IDEMPOTENCY_TTL_MS, now - ABANDONED_AFTER_MS);
  if (!claim.claimed) {
    if (claim.requestHash !== hash) {
      throw new AppError('unprocessable', 'this Idempotency-Key was used for a different request in the last 24 hours: send a new key with this one');
    }
    if (!claim.answer) throw new AppError('conflict', 'a request with this Idempotency-Key is still being processed: retry once it has been answered');
    return { answer: claim.answer, replayed: true };
  }
  let answer: StoredAnswer;
  try {
    answer = await run();
  } catch (err) {
    // Best effort: a release that fails (the store down) leaves a claim that is abandoned after 5 minutes.
    await deps.store.releaseIdempotencyKey(userId, key).catch(() => undefined);
    throw err;
  }
  // The work is done: the client gets its answer even if keeping it fails. A retry then meets the
  // unanswered claim (409) until it is abandoned, rather than a 503 for links that were in fact created.
  await deps.store.answerIdempotencyKey(userId, key, answer).catch(() => undefined);
  return { answer, replayed: false };
}
