import { z } from 'zod';
import type { ConfigKey } from '../schema.js';
import { both, onOff } from './helpers.js';

/** Logs, metrics, trace content and the audit trail (README "Observability"). */
export const TELEMETRY_KEYS = {
  logLevel: {
    flag: 'log-level',
    env: 'TASKWIRE_LOG_LEVEL',
    doc: 'Log level for the JSON logs on stderr: trace, debug, info, warn, error, fatal, silent.',
    defaultDoc: 'info',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    commands: both,
  },
  metrics: {
    flag: 'metrics',
    env: 'TASKWIRE_METRICS',
    doc: 'Collect metrics: `GET /metrics` (Prometheus text) on `serve`, and OTLP when `OTEL_METRICS_EXPORTER=otlp`. Tracing is configured by the standard `OTEL_*` variables (see Observability).',
    defaultDoc: 'on',
    schema: onOff('on'),
    commands: both,
  },
  traceContent: {
    flag: 'trace-content',
    env: 'TASKWIRE_TRACE_CONTENT',
    doc: 'Record tool-call arguments and results (each capped at 4096 characters) on trace spans (`gen_ai.tool.call.arguments` / `.result`, opt-in in the OpenTelemetry GenAI conventions: they can hold task text).',
    defaultDoc: 'off',
    schema: onOff('off'),
    commands: both,
  },
  traceStore: {
    flag: 'trace-store',
    env: 'TASKWIRE_TRACE_STORE',
    doc: 'How store work shows on a traced request: `events` (span events on the request span, one per transaction and per store call, each with `taskwire.duration_ms`) or `spans` (a CLIENT span per transaction, `sqlite read` / `postgresql write`, its store calls as events on it).',
    defaultDoc: 'events',
    schema: z.enum(['events', 'spans'], { message: 'must be events or spans' }).default('events'),
    commands: both,
  },
  audit: {
    flag: 'audit',
    env: 'TASKWIRE_AUDIT',
    doc: 'Record every tool call, resource read and prompt get in the audit trail (`taskwire audit`, `tasks://activity`).',
    defaultDoc: 'on',
    schema: onOff('on'),
    commands: both,
  },
} as const satisfies Record<string, ConfigKey>;
