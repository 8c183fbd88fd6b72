import { type Context, context, propagation, ROOT_CONTEXT, type Span, type Tracer, trace } from '@opentelemetry/api';

/**
 * Tracing switch and helpers. Off by default: unless `telemetry/setup.ts`
 * registered a tracer provider (because `OTEL_*` variables configure an
 * exporter) or a test called {@link enableTracing}, {@link isTracing} is false
 * and callers skip every span-related step, so the cost is one boolean check.
 */
let active = false;

/** Spans are being recorded: a provider, propagator and context manager are registered globally. */
export function isTracing(): boolean {
  return active;
}

/** Mark tracing on or off (the caller registered or disabled the global provider). */
export function enableTracing(on = true): void {
  active = on;
}

/** The tracer for Taskwire's own spans (the API's proxy: follows whatever provider is registered). */
export function tracer(): Tracer {
  return trace.getTracer('taskwire');
}

/**
 * The parent of an MCP request's span: the W3C trace context in
 * `params._meta.traceparent` / `tracestate` (OTel MCP semconv, "Context
 * propagation") when present, else the active context (which the HTTP
 * transport sets from a `traceparent` header), else none.
 */
export function parentContext(meta: unknown): Context {
  if (meta && typeof meta === 'object' && typeof (meta as Record<string, unknown>).traceparent === 'string') {
    return propagation.extract(ROOT_CONTEXT, meta as Record<string, unknown>);
  }
  return context.active();
}

/** The context carried by HTTP headers (`traceparent`, `tracestate`, `baggage`). */
export function headerContext(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** The active span's trace id, or null when nothing is traced. */
export function currentTraceId(): string | null {
  if (!active) return null;
  const span = trace.getActiveSpan();
  const id = span?.spanContext().traceId;
  return id && id !== '00000000000000000000000000000000' ? id : null;
}

/** The span of the current request (set by the request instrumentation), if any. */
export function activeSpan(): Span | undefined {
  return active ? trace.getActiveSpan() : undefined;
}

/** Cap a value recorded on a span (arguments, results): at most `max` characters. */
export function capped(text: string, max = 4096): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more)`;
}
