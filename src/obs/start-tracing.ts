import type { Logger } from 'pino';
import { noTracing, type Tracing, type TracingSettings } from './tracing.js';

/** Starts the SDK when an OTLP endpoint is set (loading it only then); otherwise noTracing. */
export async function startTracing(settings: TracingSettings, log: Logger): Promise<Tracing> {
  if (!settings.endpoint && !settings.tracesEndpoint) return noTracing;
  const { otelTracing } = await import('./otel-tracing.js');
  const tracing = otelTracing(settings);
  log.info({ sampler: settings.sampler, samplerArg: settings.samplerArg, protocol: settings.protocol }, 'tracing on (OpenTelemetry)');
  return tracing;
}
