import type { AccountStore } from '../ports.js';
import type { AccessTokens } from '../security/access-tokens.js';
import type { Actor } from './actor.js';
import { actorOfApiKey, looksLikeApiKey, type ApiKeyDeps } from './api-keys.js';

/** What authenticating an access token uses (an API key is ApiKeyDeps' business). */
export interface AuthenticateDeps {
  /** The user the token names, read per request. */
  store: AccountStore;
  /** Checks an access token's signature and expiry. */
  tokens: Pick<AccessTokens, 'verify'>;
}

/** The actor behind a bearer credential (access token or API key), or undefined when it is not valid. */
export async function actorOf(deps: AuthenticateDeps & ApiKeyDeps, credential: string): Promise<Actor | undefined> {
  if (looksLikeApiKey(credential)) return actorOfApiKey(deps, credential);
  const userId = await deps.tokens.verify(credential);
  // Read per request, so a deleted user or a changed role takes effect at once, not at token expiry.
  const user = userId === undefined ? undefined : await deps.store.findUserById(userId);
  return user && { user, via: 'access-token' };
}
