/** Whether a link may redirect now. Pure, so the cache and the store apply one rule. */
export type LinkState = 'active' | 'expired' | 'exhausted';

export interface LinkLimits {
  expiresAt: number | null;
  maxClicks: number | null;
  clicks: number;
}

export function linkState(link: LinkLimits, now: number): LinkState {
  if (link.expiresAt !== null && now >= link.expiresAt) return 'expired';
  if (link.maxClicks !== null && link.clicks >= link.maxClicks) return 'exhausted';
  return 'active';
}
