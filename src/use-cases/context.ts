import type { Config } from '../config.js';
import type { Store, UserRecord } from '../ports.js';
import type { AccessTokens } from '../security/access-tokens.js';
import type { UrlPolicy } from '../domain/url-safety.js';

/** What every use case may touch. Built once by the composition root; tests build their own. */
export interface Context {
  config: Readonly<Config>;
  store: Store;
  tokens: AccessTokens;
  urlPolicy: UrlPolicy;
  /** Epoch milliseconds; a parameter so tests can move time. */
  clock: () => number;
  /** Source of random link codes; a parameter so a test can force a collision. */
  randomCode: () => string;
}

/** Who is calling: the user behind a valid access token or API key. */
export interface Actor {
  user: UserRecord;
  via: 'access-token' | 'api-key';
}

export const isAdmin = (actor: Actor | undefined): boolean => actor?.user.role === 'admin';

/** Self or admin: the rule for every per-user resource. */
export const mayActOn = (actor: Actor, userId: string): boolean => actor.user.id === userId || isAdmin(actor);
