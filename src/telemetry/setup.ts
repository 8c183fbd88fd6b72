import { context, metrics, propagation, trace } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
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
 * behind `GET /metrics` (no server of its own; only when `prometheus`, i.e. when
 * serving HTTP), plus OTLP when {@link otlpMetrics}; with neither reader no
 * provider is made and recording stays a no-op. Exporter endpoints, headers and
 * timeouts come from the exporters' own `OTEL_EXPORTER_OTLP_*` variables; the
 * resource from `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` (default
 * service name `taskwire`).
 *
 * The OpenTelemetry SDK packages are imported here on first use, not at start-up:
 * a stdio server without `OTEL_*` variables loads none of them (cold start, RSS).
 */
export async function setupTelemetry(options: { metrics: boolean; prometheus?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<Telemetry> {
  const exporters = traceExporters(env);
  const prometheusWanted = options.metrics && (options.prometheus ?? true);
  const otlpMetricsWanted = options.metrics && otlpMetrics(env);
  const stops: Array<() => Promise<void>> = [];
  // Detected once, shared by the tracer and the meter provider.
  let detected: Promise<Resource> | undefined;
  const resource = () => {
    detected ??= import('@opentelemetry/resources').then(({ detectResources, envDetector, resourceFromAttributes }) =>
      resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'taskwire', 'service.version': VERSION }).merge(detectResources({ detectors: [envDetector] })),
    );
    return detected;
  };

  if (exporters.length > 0) {
    const [{ OTLPTraceExporter }, { BatchSpanProcessor, ConsoleSpanExporter }, { NodeTracerProvider }] = await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/sdk-trace-node'),
    ]);
    const spanExporters: SpanExporter[] = exporters.map((e) => (e === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter()));
    const provider = new NodeTracerProvider({ resource: await resource(), spanProcessors: spanExporters.map((e) => new BatchSpanProcessor(e)) });
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
  if (prometheusWanted || otlpMetricsWanted) {
    const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
    // The exporters pin their own patch release of sdk-metrics: same shape, separate declarations.
    const readers: MetricReader[] = [];
    if (prometheusWanted) {
      const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
      prometheus = new PrometheusExporter({ preventServerStart: true });
      readers.push(prometheus as unknown as MetricReader);
    }
    if (otlpMetricsWanted) {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() as never }));
    }
    const provider = new MeterProvider({ resource: await resource(), readers });
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
