import { matchRule, type Destination, type VisitFacts } from '../domain/routing.js';
import type { Actor } from './actor.js';
import { getLink, type LinkDeps } from './links.js';

/** Where a visit of a link would go by its rules, before the split's draw. */
export interface RuleTest {
  /** The index of the first rule whose conditions all hold; null: none does. */
  rule: number | null;
  /** The rule's url, or the link's when no rule matches and it has no split; null: the split decides. */
  url: string | null;
  /** The split a visit no rule takes draws from; empty when a rule matched or there is no split. */
  destinations: Destination[];
}

/**
 * Which of a link's rules a visit (described by the caller) would match at `at` (default: now), and
 * where it would go, so that rules can be checked before a link is shared. Owner or admin, as getLink.
 */
export async function testRules(
  deps: Pick<LinkDeps, 'store' | 'clock'>, actor: Actor, id: string, visit: VisitFacts, at?: number,
): Promise<RuleTest> {
  const link = await getLink(deps, actor, id);
  const rule = link.rules ? matchRule(link.rules, visit, at ?? deps.clock()) : null;
  if (rule !== null) return { rule, url: link.rules![rule]!.url, destinations: [] };
  if (link.destinations) return { rule: null, url: null, destinations: link.destinations };
  return { rule: null, url: link.url, destinations: [] };
}
