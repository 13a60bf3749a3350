import type { Config } from '../config.js';
import type { StoreLifecycle } from '../ports.js';
import type { Metrics } from '../obs/metrics.js';
import { AppError } from '../domain/errors.js';
import { STORE_RETRY_AFTER_SECONDS, sendProblem } from './errors.js';
import { metricsAccess } from './metrics-access.js';
import type { Api } from './api/api.js';
import { withTimeout } from '../resilience/wait.js';

const READY_TIMEOUT_MS = 2_000;

/** What the ops routes use. */
export interface OpsDeps {
  /** Pinged for readiness. */
  store: Pick<StoreLifecycle, 'ping'>;
  /** Health of optional dependencies (Redis …), reported by /readyz without making Kurz unready. */
  degradable: Record<string, () => 'up' | 'degraded'>;
  /** The token /metrics may ask for. */
  config: Pick<Config, 'metricsToken'>;
  /** What /metrics serves. */
  metrics: Pick<Metrics, 'registry'>;
}

/** Liveness, readiness, metrics and the OpenAPI document. `draining` is true from SIGTERM on. */
export function opsRoutes(app: Api, deps: OpsDeps, draining: () => boolean): void {
  const { metrics } = deps;
  const hide = { hide: true };

  // Liveness: the process answers. Deliberately checks nothing else, so a database outage never
  // gets healthy instances restarted.
  app.get('/healthz', { schema: hide }, async () => ({ status: 'ok' }));

  // Readiness: a load balancer should route here only while the store answers. Redis is reported
  // but never makes Kurz unready: without it, Kurz serves from its in-process cache and the store.
  app.get('/readyz', { schema: hide }, async (request, reply) => {
    // A draining instance still answers what it is sent, but a load balancer should send it nothing new.
    if (draining()) return sendProblem(request, reply, new AppError('unavailable', 'this instance is shutting down'));
    const store = await withTimeout(deps.store.ping(), READY_TIMEOUT_MS).then(() => 'up', () => 'down');
    const checks: Record<string, string> = { store };
    for (const [name, health] of Object.entries(deps.degradable)) checks[name] = health();
    if (store === 'down') {
      reply.header('retry-after', STORE_RETRY_AFTER_SECONDS);
      return sendProblem(request, reply, new AppError('unavailable', 'the store does not answer'), { checks });
    }
    return { status: 'ready', checks };
  });

  const refusal = metricsAccess(deps.config.metricsToken);
  app.get('/metrics', { schema: hide }, async (request, reply) => {
    const refused = refusal(request);
    if (refused) return sendProblem(request, reply, refused);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', { schema: hide }, async () => app.swagger());
}
