import type { UserRecord } from '../ports.js';
import type { Scope } from '../domain/scopes.js';

/** Who is calling: the user behind a valid access token or API key. */
export interface Actor {
  user: UserRecord;
  via: 'access-token' | 'api-key';
  /** The API key's id, when the caller used one (its calls are limited apart from the user's). */
  keyId?: string;
  /** The API key's scopes; an access token (a signed-in session) has every right. */
  scopes?: readonly Scope[];
}

/** Whoever acts for a user: an Actor, or the owner an operator names on the command line. */
export type Acting = { user: Pick<UserRecord, 'id' | 'role'> };

export const isAdmin = (actor: Acting | undefined): boolean => actor?.user.role === 'admin';

/** Self or admin: the rule for every per-user resource. */
export const mayActOn = (actor: Actor, userId: string): boolean => actor.user.id === userId || isAdmin(actor);

/** Whether the caller may do what `scope` names: always with a session, with a key only if it was given the scope. */
export const hasScope = (actor: Actor, scope: Scope): boolean => actor.via === 'access-token' || (actor.scopes ?? []).includes(scope);
