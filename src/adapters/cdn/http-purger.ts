import type { Logger } from 'pino';
import type { EdgePurger } from '../../ports.js';
import type { Metrics } from '../../obs/metrics.js';
import { linkEdgeKey } from '../../domain/edge-keys.js';
import type { Backoff } from '../../resilience/backoff.js';
import { retry } from '../../resilience/retry.js';
import { CircuitBreaker, type BreakerState } from '../../resilience/circuit-breaker.js';
import { KEYS_PER_REQUEST, purgeRequest, type PurgeStyle } from './purge-request.js';

/**
 * Between the attempts of one purge: 0.5 s doubling to 8 s, so 6 attempts span about 15 s, enough for a
 * CDN API's brief 5xx or a proxy's restart; past that the CDN keeps its copy at most CDN_MAX_AGE_SECONDS.
 */
const PURGE_RETRY: Backoff = { firstMs: 500, maxMs: 8_000 };
const ATTEMPTS = 6;
/** Links queued at most: 100,000 keys are a few MB; past it a purge is dropped (and counted). */
const MAX_PENDING = 100_000;
/**
 * Edits of one link within this window are one purge, and it leaves the other instances time to hear of
 * the edit (pub/sub: a few ms) before the CDN asks them again.
 */
const COALESCE_MS = 200;
/** On shutdown, what is queued gets this long, then its waits are cut short (SHUTDOWN_TIMEOUT_SECONDS is 10 s). */
const CLOSE_MS = 3_000;
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface HttpPurgerOptions {
  /** CDN_PURGE_URL: where each purge is POSTed. */
  url: string;
  /** The shape of the request (purge-request.ts). */
  style: PurgeStyle;
  /** CDN_PURGE_TOKEN: sent in a header, never logged. */
  token?: string;
  /** Each attempt fails after this long. */
  timeoutMs: number;
  /** A link's short URL, by its cache key. */
  urlOf: (key: string) => string;
  metrics: Pick<Metrics, 'cdnPurges' | 'breakerState'>;
  log: Logger;
}

/**
 * Purges by HTTP, after the edit has answered: a set of link keys (an edit repeated within COALESCE_MS
 * is one purge), sent in batches one at a time, each retried with backoff under a circuit breaker (5
 * failed attempts in a row: 30 s without trying, then one trial), so a dead CDN API costs a log line per
 * batch, not a wait per edit.
 */
export class HttpEdgePurger implements EdgePurger {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closing = false;
  private readonly stop = new AbortController();
  private readonly breaker: CircuitBreaker;
  /** Logged instead of the URL, whose path or query may hold a credential. */
  private readonly host: string;

  constructor(private readonly options: HttpPurgerOptions) {
    this.host = new URL(options.url).host;
    this.breaker = new CircuitBreaker({
      name: 'cdn', failureThreshold: 5, openMs: 30_000,
      onStateChange: (state) => {
        options.metrics.breakerState.set({ name: 'cdn' }, STATE_VALUE[state]);
        options.log[state === 'open' ? 'warn' : 'info']({ breaker: 'cdn', state }, `cdn purge circuit ${state}`);
      },
    });
    // Every outcome from 0, so that rate() and the KurzCdnPurgesFailing alert see a failure's first increase.
    for (const outcome of ['purged', 'retried', 'failed', 'dropped'] as const) options.metrics.cdnPurges.inc({ outcome }, 0);
  }

  purge(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.pending.size >= MAX_PENDING && !this.pending.has(key)) this.options.metrics.cdnPurges.inc({ outcome: 'dropped' });
      else this.pending.add(key);
    }
    this.schedule();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const deadline = setTimeout(() => this.stop.abort(), CLOSE_MS);
    try {
      await this.sending;
      await this.sendPending();
    } finally {
      clearTimeout(deadline);
      this.stop.abort();
    }
  }

  private schedule(): void {
    if (this.timer || this.sending || this.closing || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sending = this.sendPending().finally(() => {
        this.sending = undefined;
        this.schedule();
      });
    }, COALESCE_MS);
    this.timer.unref();
  }

  /** Sends every queued key, a batch at a time; never rejects. */
  private async sendPending(): Promise<void> {
    const size = KEYS_PER_REQUEST[this.options.style];
    while (this.pending.size > 0) {
      const batch: string[] = [];
      for (const key of this.pending) {
        batch.push(key);
        this.pending.delete(key);
        if (batch.length === size) break;
      }
      await this.send(batch);
    }
  }

  private async send(keys: string[]): Promise<void> {
    const { style, token, urlOf, metrics, log } = this.options;
    const { headers, body } = purgeRequest(style, { keys: keys.map(linkEdgeKey), urls: keys.map(urlOf) }, token);
    try {
      await retry(() => this.breaker.run(() => this.post(headers, body)), PURGE_RETRY, {
        signal: this.stop.signal,
        retryIf: (_err, attempt) => attempt < ATTEMPTS,
        onFailure: (err, attempt, retryInMs) => {
          if (retryInMs === undefined) return;
          metrics.cdnPurges.inc({ outcome: 'retried' });
          log.debug({ purgeHost: this.host, links: keys.length, attempt, retryInMs, reason: (err as Error).message }, 'cdn purge attempt failed');
        },
      });
      metrics.cdnPurges.inc({ outcome: 'purged' });
    } catch (err) {
      metrics.cdnPurges.inc({ outcome: 'failed' });
      log.warn({ purgeHost: this.host, links: keys.length, reason: (err as Error).message }, 'cdn purge failed: the CDN may keep these links up to CDN_MAX_AGE_SECONDS');
    }
  }

  private async post(headers: Record<string, string>, body: string | undefined): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.stop.signal]);
    const res = await fetch(this.options.url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    await res.body?.cancel();
    // Only the status: an error page may echo the request's headers, the token among them.
    if (!res.ok) throw new Error(`answered ${res.status}`);
  }
}

/** No CDN_PURGE_URL: nothing to tell. */
export const noEdgePurger: EdgePurger = { purge() {}, close: async () => {} };
