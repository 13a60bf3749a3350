import type { IncomingMessage } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, context, propagation, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { NodeSDK, resources, tracing as sdkTracing } from '@opentelemetry/sdk-node';
import type { RequestHandler, SpanAttributes, SpanKind as Kind, SpanOptions, Tracing, TracingSettings } from './tracing.js';

/*
 * The OpenTelemetry SDK behind the Tracing interface. Imported only by startTracing (tracing.ts), and only
 * when an OTLP endpoint is set. The exporter is the SDK's own OTLP/HTTP one, which reads the standard
 * OTEL_EXPORTER_OTLP_* variables itself; Kurz hands it the values its settings settled (flags included).
 * W3C traceparent/tracestate (and baggage) are the SDK's default propagators.
 */

const KINDS: Record<Kind, SpanKind> = { client: SpanKind.CLIENT, consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL };
/** A batch links at most this many click traces (of up to 5,000 clicks): a span's links are kept in memory until exported. */
const MAX_LINKS = 64;

export function otelTracing(settings: TracingSettings): Tracing {
  // The exporter reads these from the environment; a value given as a `kurz serve --otel-…` flag is put there.
  const env: Record<string, string | undefined> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: settings.endpoint,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: settings.tracesEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: settings.protocol,
    OTEL_RESOURCE_ATTRIBUTES: settings.resourceAttributes || undefined,
  };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;

  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    sampler: samplerOf(settings),
    // Not processDetector: the command line it records may hold --jwt-secret or a DATABASE_URL with a password.
    resourceDetectors: [resources.envDetector, resources.hostDetector],
    // Metrics stay Prometheus's (/metrics) and logs pino's: the SDK would otherwise export both over OTLP too.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const tracer = trace.getTracer('kurz');
  /** The server span of each request in flight, for route() to name. */
  const servers = new WeakMap<IncomingMessage, Span>();

  const run = <T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>, kind: SpanKind, parent: Context, links?: Link[]): Promise<T> =>
    tracer.startActiveSpan(name, { kind, attributes, links }, parent, async (span) => {
      try {
        return await fn();
      } catch (err) {
        // The error's class only: a message may quote a value (a unique violation names the duplicate).
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', (err as Error)?.constructor?.name ?? 'Error');
        throw err;
      } finally {
        span.end();
      }
    });

  return {
    enabled: true,
    span(name, attributes, fn, options: SpanOptions = {}) {
      const parent = options.parent ? contextOf(options.parent) : context.active();
      const links = options.links?.slice(0, MAX_LINKS).flatMap((tp): Link[] => {
        const linked = trace.getSpanContext(contextOf(tp));
        return linked ? [{ context: linked }] : [];
      });
      return run(name, attributes, fn, KINDS[options.kind ?? 'internal'], parent, links);
    },
    child(name, attributes, fn) {
      if (!trace.getActiveSpan()?.isRecording()) return fn();
      return run(name, attributes, fn, SpanKind.CLIENT, context.active());
    },
    traceparent() {
      const sc = trace.getActiveSpan()?.spanContext();
      if (!sc || (sc.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
      return `00-${sc.traceId}-${sc.spanId}-01`;
    },
    serve(handler: RequestHandler): RequestHandler {
      return (req, res) => {
        const parent = propagation.extract(ROOT_CONTEXT, req.headers);
        // Named by method until the route is known (route()); no URL: its query may hold anything.
        const span = tracer.startSpan(req.method ?? 'HTTP', {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': req.method ?? '_OTHER', 'url.scheme': 'http', 'network.protocol.version': req.httpVersion },
        }, parent);
        servers.set(req, span);
        res.once('close', () => {
          span.setAttribute('http.response.status_code', res.statusCode);
          if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          if (!res.writableFinished) span.setAttribute('error.type', 'aborted');
          span.end();
        });
        const active = trace.setSpan(parent, span);
        // A body's 'data' events come from the socket, whose context is not the request's: bind them. Only
        // for a request with a body: binding patches six methods of the emitter, for nothing on a redirect.
        if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) context.bind(active, req);
        context.with(active, handler, undefined, req, res);
      };
    },
    route(req, template) {
      const span = servers.get(req);
      if (!span) return;
      span.updateName(`${req.method} ${template}`);
      span.setAttribute('http.route', template);
    },
    shutdown: () => sdk.shutdown(),
  };
}

/** The context of a remote parent given as a W3C traceparent. */
function contextOf(traceparent: string): Context {
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

function samplerOf({ sampler, samplerArg }: TracingSettings): sdkTracing.Sampler {
  const { AlwaysOnSampler, AlwaysOffSampler, TraceIdRatioBasedSampler, ParentBasedSampler } = sdkTracing;
  const root = sampler.endsWith('always_on') ? new AlwaysOnSampler()
    : sampler.endsWith('always_off') ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(samplerArg);
  return sampler.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}
