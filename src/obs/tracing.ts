import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';

/*
 * Tracing as the rest of Kurz sees it: a tiny interface, and a no-op when no OTLP endpoint is set.
 * The OpenTelemetry SDK (otel-tracing.ts, @opentelemetry/sdk-node and the modules under it) is
 * imported dynamically by start-tracing.ts, only when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set: a Kurz that does not trace loads none of it
 * (test/e2e/tracing.test.ts checks).
 */

/** Attributes of a span: no query strings, no parameter values, no credentials. */
export type SpanAttributes = Record<string, string | number | boolean>;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Where a span sits: a call to a dependency, the consumer of a message, or work inside the process. */
export type SpanKind = 'client' | 'consumer' | 'internal';

export interface SpanOptions {
  /** The W3C traceparent to continue, instead of the active span. */
  parent?: string;
  /** traceparents of the traces this span's work came from (the clicks of a batch). */
  links?: readonly string[];
  kind?: SpanKind;
}

/** What code paths call; every member is a no-op when tracing is off. */
export interface Tracing {
  /** True when the SDK runs; false when nothing was loaded and every member below does nothing. */
  readonly enabled: boolean;
  /** Runs fn in a span (a child of the active one, or of options.parent), ended when fn settles, errors recorded. */
  span<T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>, options?: SpanOptions): Promise<T>;
  /** As span() with kind client, but only inside a sampled span: a background loop's Redis and store calls start no trace. */
  child<T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>): Promise<T>;
  /** The active span's traceparent when it is sampled, else undefined: what a click carries to the worker. */
  traceparent(): string | undefined;
  /** Wraps node:http's handler: each request runs in a server span, the child of its `traceparent` header. */
  serve(handler: RequestHandler): RequestHandler;
  /** Names a request's server span by its route template (`GET /api/v1/links/:id`). */
  route(req: IncomingMessage, template: string): void;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** Tracing off: nothing recorded, nothing loaded. */
export const noTracing: Tracing = {
  enabled: false,
  span: (_name, _attributes, fn) => fn(),
  child: (_name, _attributes, fn) => fn(),
  traceparent: () => undefined,
  serve: (handler) => handler,
  route: () => {},
  shutdown: async () => {},
};

export type TracingSettings = Config['tracing'];
