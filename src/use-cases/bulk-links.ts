import { AppError } from '../domain/errors.js';
import type { LinkRecord } from '../ports.js';
import type { Actor } from './actor.js';
import { createLink, type LinkDeps, type LinkInput } from './links.js';

/** Tokens of one rate-limit bucket, taken several at a time. */
export interface Allowance {
  /** Whole tokens left, taking none (Infinity when the class is off); with none left, the 429 to answer. */
  look(): Promise<{ tokens: number; refusal?: AppError }>;
  /** Takes as many of `n` tokens as are left: how many it got and, when fewer than `n`, the 429 for the rest. */
  takeUpTo(n: number): Promise<{ granted: number; refusal?: AppError }>;
}

/** The buckets a bulk creation spends. */
export interface BulkAllowances {
  /** Links created by the user (the createLink class): one token per item that is tried. */
  creation: Allowance;
  /** Code lookups by the client (the unknown-code class): what an item that sets a code may probe. */
  probing: Allowance;
}

/** One item's outcome, in the request's order: the link created, or why not (an AppError, or any failure of the store). */
export type BulkOutcome = { link: LinkRecord } | { error: unknown };

/**
 * Creates the items that are valid (an item given as an Error is answered with it), each through
 * createLink, at once: concurrent inserts share the store's group commit, so 1,000 links take a few
 * transactions, not 1,000. Every item that is tried takes a creation token, in order; the items past
 * the bucket answer 429. An item that sets a code probes whether it exists, which POST /links allows
 * only while the client's unknown-code bucket is not empty and charges when the code is taken: here the
 * coded items go in waves no larger than the tokens left, each taken code is charged after its wave, so
 * a bulk can probe no more codes than as many single requests could. Two items with one code never
 * (on one domain) share a wave: the earlier one is tried first, and the later one gets the 409.
 */
export async function createLinksInBulk(
  deps: LinkDeps, actor: Actor, items: readonly (LinkInput | Error)[], allowances: BulkAllowances,
): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = new Array(items.length);
  const valid: number[] = [];
  items.forEach((item, i) => {
    if (item instanceof Error) outcomes[i] = { error: item };
    else valid.push(i);
  });
  const input = (i: number) => items[i] as LinkInput;

  const creation = await allowances.creation.takeUpTo(valid.length);
  for (const i of valid.slice(creation.granted)) outcomes[i] = { error: creation.refusal };
  const tried = valid.slice(0, creation.granted);

  const create = (i: number) => createLink(deps, actor, input(i)).then(
    (link) => { outcomes[i] = { link }; },
    (error: unknown) => { outcomes[i] = { error }; },
  );
  const randomCodes = Promise.all(tried.filter((i) => input(i).code === undefined).map(create));
  let coded = tried.filter((i) => input(i).code !== undefined);
  while (coded.length > 0) {
    const room = await allowances.probing.look();
    if (room.tokens < 1) {
      for (const i of coded) outcomes[i] = { error: room.refusal };
      break;
    }
    const wave: number[] = [];
    const later: number[] = [];
    const codes = new Set<string>();
    for (const i of coded) {
      // Codes are unique per domain. Two spellings of one domain that slip past this (a case, the default's
      // name) still go in order: the group commit inserts a wave's links in the order they were added.
      const code = `${input(i).domain?.toLowerCase() ?? ''}/${input(i).code!}`;
      if (wave.length < room.tokens && !codes.has(code)) {
        wave.push(i);
        codes.add(code);
      } else {
        later.push(i);
      }
    }
    await Promise.all(wave.map(create));
    const taken = wave.filter((i) => isConflict(outcomes[i]!));
    if (taken.length > 0) {
      // A taken code costs a token, as on POST /links; one the bucket cannot pay for any more answers 429, not 409.
      const charge = await allowances.probing.takeUpTo(taken.length);
      for (const i of taken.slice(charge.granted)) outcomes[i] = { error: charge.refusal };
    }
    coded = later;
  }
  await randomCodes;
  return outcomes;
}

const isConflict = (outcome: BulkOutcome): boolean =>
  'error' in outcome && outcome.error instanceof AppError && outcome.error.kind === 'conflict';
