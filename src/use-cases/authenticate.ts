import type { Actor, Context } from './context.js';
import { actorOfApiKey, looksLikeApiKey } from './api-keys.js';

/** The actor behind a bearer credential (access token or API key), or undefined when it is not valid. */
export async function actorOf(ctx: Context, credential: string): Promise<Actor | undefined> {
  if (looksLikeApiKey(credential)) return actorOfApiKey(ctx, credential);
  const userId = await ctx.tokens.verify(credential);
  // Read per request, so a deleted user or a changed role takes effect at once, not at token expiry.
  const user = userId === undefined ? undefined : await ctx.store.findUserById(userId);
  return user && { user, via: 'access-token' };
}
