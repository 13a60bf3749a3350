/**
 * What an API key may do. A key is for scripts, so it works on links only; managing accounts,
 * credentials and keys needs a signed-in session (an access token), which has every right.
 */
export const SCOPES = ['links:read', 'links:write', 'stats:read'] as const;

export type Scope = (typeof SCOPES)[number];

const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/** The stored form: space-separated, as in OAuth 2.0 (RFC 6749 §3.3); unknown words are dropped. */
export const formatScopes = (scopes: readonly Scope[]): string => SCOPES.filter((s) => scopes.includes(s)).join(' ');
export const parseScopes = (stored: string): Scope[] => stored.split(' ').filter(isScope);
