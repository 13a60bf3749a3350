/** `ms` spread uniformly over ±`spread` (10% by default), so entries filled together do not expire together. */
export const jitter = (ms: number, spread = 0.1, random = Math.random): number =>
  Math.round(ms * (1 - spread + 2 * spread * random()));
