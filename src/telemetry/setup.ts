import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { VERSION } from '../version.js';
import { bindMeter } from './metrics.js';
import { enableTracing } from './tracing.js';

/** What {@link setupTelemetry} turned on, and how to flush it on shutdown. */
export interface Telemetry {
  tracing: boolean;
  /** The Prometheus reader behind `GET /metrics`; undefined when metrics are off. */
  prometheus?: PrometheusExporter;
  /** Flush pending spans and metrics, then stop the exporters (idempotent). */
  shutdown(): Promise<void>;
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/**
 * Which trace exporters the standard `OTEL_*` variables ask for. Unlike the
 * OTel SDK default, tracing stays off unless configured: `OTEL_TRACES_EXPORTER`
 * names `otlp` (or `console`), or it is unset and an OTLP endpoint is given
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off.
 */
export function traceExporters(env: NodeJS.ProcessEnv): Array<'otlp' | 'console'> {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return [];
  const named = list(env.OTEL_TRACES_EXPORTER);
  if (named.length === 0) return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : [];
  return named.filter((n): n is 'otlp' | 'console' => n === 'otlp' || n === 'console');
}

/** OTLP metric export when `OTEL_METRICS_EXPORTER` names `otlp` (interval: `OTEL_METRIC_EXPORT_INTERVAL`, ms). */
export function otlpMetrics(env: NodeJS.ProcessEnv): boolean {
  return env.OTEL_SDK_DISABLED?.toLowerCase() !== 'true' && list(env.OTEL_METRICS_EXPORTER).includes('otlp');
}

/**
 * Process-wide OpenTelemetry bootstrap, called once by the CLI before the app
 * is built. Tracing: a `NodeTracerProvider` with a batching OTLP/HTTP (JSON)
 * exporter, registered globally with the W3C trace-context propagator and an
 * AsyncLocalStorage context manager — only when {@link traceExporters} finds
 * one; otherwise nothing is registered and spans cost nothing. Metrics (unless
 * `metrics` is false): a `MeterProvider` read by the Prometheus serializer
 * behind `GET /metrics` (no server of its own), plus OTLP when
 * {@link otlpMetrics}. Exporter endpoints, headers and timeouts come from the
 * exporters' own `OTEL_EXPORTER_OTLP_*` variables; the resource from
 * `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` (default service name `taskwire`).
 */
export function setupTelemetry(options: { metrics: boolean }, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const resource = resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'taskwire', 'service.version': VERSION }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const stops: Array<() => Promise<void>> = [];

  const exporters = traceExporters(env);
  if (exporters.length > 0) {
    const spanExporters: SpanExporter[] = exporters.map((e) => (e === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter()));
    const provider = new NodeTracerProvider({ resource, spanProcessors: spanExporters.map((e) => new BatchSpanProcessor(e)) });
    provider.register();
    enableTracing(true);
    stops.push(async () => {
      enableTracing(false);
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    });
  }

  let prometheus: PrometheusExporter | undefined;
  if (options.metrics) {
    prometheus = new PrometheusExporter({ preventServerStart: true });
    // The exporters pin their own patch release of sdk-metrics: same shape, separate declarations.
    const readers = [prometheus as unknown as MetricReader];
    if (otlpMetrics(env)) readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() as never }));
    const provider = new MeterProvider({ resource, readers });
    bindMeter(provider.getMeter('taskwire', VERSION));
    stops.push(async () => {
      await provider.shutdown();
      bindMeter(metrics.getMeter('taskwire')); // back to no-ops
    });
  }

  let stopped: Promise<void> | undefined;
  return {
    tracing: exporters.length > 0,
    prometheus,
    shutdown: () => {
      stopped ??= Promise.allSettled(stops.map((s) => s())).then(() => undefined);
      return stopped;
    },
  };
}
