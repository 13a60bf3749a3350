/** A position in the primary's WAL and when it was read there. */
export interface LsnSample {
  at: number;
  lsn: bigint;
}

/** PostgreSQL's text form of a WAL position, `16/B374D848`, as one number. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  if (high === undefined || low === undefined || !/^[0-9A-F]+$/i.test(high) || !/^[0-9A-F]+$/i.test(low)) throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/**
 * Until when a replica that has replayed up to `replayed` is complete: the time of the newest sample
 * it has replayed (it has every commit the primary had made by then); -Infinity when it has replayed
 * none of them. Its lag at `now` is `now` minus this. Pure: the samples are in time order.
 */
export function completeUntil(samples: readonly LsnSample[], replayed: bigint): number {
  for (let i = samples.length - 1; i >= 0; i--) {
    if (samples[i]!.lsn <= replayed) return samples[i]!.at;
  }
  return -Infinity;
}
