/** Draws ranks 0..n-1 with probability ∝ 1/(rank+1)^s: a few codes take most of the traffic, as on real shorteners. */
export function zipfSampler(n: number, s = 1, random = Math.random): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cdf[k] = total += 1 / (k + 1) ** s;
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
