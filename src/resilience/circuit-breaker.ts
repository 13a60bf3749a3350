/**
 * A circuit breaker: after `failureThreshold` consecutive failures it opens and fails every call at
 * once (no network wait) for `openMs`; then it lets one trial call through (half-open). The trial's
 * success closes it, its failure opens it again. So a dead dependency costs a few timeouts, not one per request.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export class BreakerOpenError extends Error {
  constructor(name: string) {
    super(`${name} circuit is open`);
  }
}

export interface BreakerOptions {
  name: string;
  failureThreshold?: number;
  openMs?: number;
  now?: () => number;
  onStateChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: BreakerState = 'closed';
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.threshold = options.failureThreshold ?? 5;
    this.openMs = options.openMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Runs `call` if the breaker lets it through; otherwise throws BreakerOpenError without calling. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.current === 'open' && this.now() - this.openedAt >= this.openMs) this.become('half-open');
    if (this.current === 'open' || (this.current === 'half-open' && this.trialInFlight)) {
      throw new BreakerOpenError(this.options.name);
    }
    const trial = this.current === 'half-open';
    if (trial) this.trialInFlight = true;
    try {
      const result = await call();
      this.failures = 0;
      this.become('closed');
      return result;
    } catch (err) {
      this.failures++;
      if (trial || this.failures >= this.threshold) {
        this.openedAt = this.now();
        this.become('open');
      }
      throw err;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }

  private become(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }
}
