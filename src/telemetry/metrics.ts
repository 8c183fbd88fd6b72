import { type Attributes, type Counter, type Histogram, type Meter, metrics, type UpDownCounter } from '@opentelemetry/api';

/**
 * Taskwire's metric instruments, by name, in one place. Middleware and
 * transports call the `record*` functions below; nothing else creates
 * instruments. Until {@link bindMeter} is called (by `telemetry/setup.ts` at
 * start-up, or a test), every instrument is the OpenTelemetry API's no-op,
 * so recording costs a function call.
 *
 * Exposed at `GET /metrics` (Prometheus text: dots become underscores,
 * counters end in `_total`, e.g. `mcp_server_operation_duration_bucket`) and over OTLP when `OTEL_METRICS_EXPORTER=otlp`.
 *
 * | Instrument | Kind | Unit | Attributes |
 * |---|---|---|---|
 * | `mcp.server.operation.duration` | histogram | s | `mcp.method.name`, `gen_ai.tool.name`, `error.type`, `mcp.protocol.version`, `network.transport` (OTel MCP semconv) |
 * | `taskwire.tool.calls` | counter | {call} | `gen_ai.tool.name`, `taskwire.outcome` (`ok` or the error code) |
 * | `taskwire.rate_limit.rejections` | counter | {call} | `taskwire.principal`, `gen_ai.tool.name` |
 * | `taskwire.result.truncations` | counter | {result} | `gen_ai.tool.name` |
 * | `taskwire.idempotent.replays` | counter | {call} | `gen_ai.tool.name` |
 * | `taskwire.timeouts` | counter | {call} | `gen_ai.tool.name` |
 * | `taskwire.loop.detections` | counter | {call} | `gen_ai.tool.name` |
 * | `taskwire.sessions.active` | up-down counter | {session} | `network.transport` |
 * | `mcp.server.session.duration` | histogram | s | `network.transport` (OTel MCP semconv) |
 * | `taskwire.streams.active` | up-down counter | {stream} | (none) |
 * | `taskwire.audit.dropped` | counter | {row} | (none) |
 */

/** Bucket boundaries (seconds) the OTel MCP semantic conventions recommend for `mcp.server.operation.duration`. */
export const DURATION_BUCKETS_S = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

interface Instruments {
  operationDuration: Histogram;
  toolCalls: Counter;
  rateLimited: Counter;
  truncations: Counter;
  replays: Counter;
  timeouts: Counter;
  loops: Counter;
  sessions: UpDownCounter;
  sessionDuration: Histogram;
  streams: UpDownCounter;
  auditDropped: Counter;
}

function create(meter: Meter): Instruments {
  return {
    operationDuration: meter.createHistogram('mcp.server.operation.duration', {
      description: 'Duration of one MCP request as seen by the server, from receipt to response.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    }),
    toolCalls: meter.createCounter('taskwire.tool.calls', { description: 'Tool calls by tool and outcome (ok or the error code).', unit: '{call}' }),
    rateLimited: meter.createCounter('taskwire.rate_limit.rejections', { description: 'Calls rejected by a rate limit.', unit: '{call}' }),
    truncations: meter.createCounter('taskwire.result.truncations', { description: 'Tool results cut to the result budget.', unit: '{result}' }),
    replays: meter.createCounter('taskwire.idempotent.replays', { description: 'Calls answered from a stored idempotency record.', unit: '{call}' }),
    timeouts: meter.createCounter('taskwire.timeouts', { description: 'Tool calls stopped by their time limit.', unit: '{call}' }),
    loops: meter.createCounter('taskwire.loop.detections', { description: 'Calls flagged as an agent repeating itself.', unit: '{call}' }),
    sessions: meter.createUpDownCounter('taskwire.sessions.active', { description: 'Open MCP sessions (stdio connections, 2025-era HTTP sessions).', unit: '{session}' }),
    sessionDuration: meter.createHistogram('mcp.server.session.duration', {
      description: 'How long an MCP session (stdio connection, 2025-era HTTP session) lasted.',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 14400] },
    }),
    streams: meter.createUpDownCounter('taskwire.streams.active', {
      description: 'Open server-to-client streams (subscriptions/listen, 2025 GET streams).',
      unit: '{stream}',
    }),
    auditDropped: meter.createCounter('taskwire.audit.dropped', { description: 'Audit rows that could not be written.', unit: '{row}' }),
  };
}

let instruments: Instruments = create(metrics.getMeter('taskwire'));

/** Create every instrument on `meter` (an SDK `MeterProvider`'s). Later `record*` calls go there. */
export function bindMeter(meter: Meter): void {
  instruments = create(meter);
}

/** Attributes of `mcp.server.operation.duration` (OTel MCP semconv names). */
export interface OperationAttributes {
  method: string;
  tool?: string;
  /** Absent on success; `tool_error` for an `isError` result, else the JSON-RPC error code. */
  errorType?: string;
  protocolVersion?: string;
  transport?: 'pipe' | 'tcp';
}

/**
 * Attribute sets by their values, built once: a call records the same few
 * combinations over and over. At most {@link MAX_CACHED} sets are kept (the
 * values are bounded already: served names, error codes, protocol versions);
 * past that a set is built per record.
 */
const MAX_CACHED = 2048;
const attributeSets = new Map<string, Attributes>();
function cachedAttributes(key: string, build: () => Attributes): Attributes {
  let attrs = attributeSets.get(key);
  if (!attrs) {
    attrs = build();
    if (attributeSets.size < MAX_CACHED) attributeSets.set(key, attrs);
  }
  return attrs;
}

/** `{gen_ai.tool.name: tool}`, one object per tool. */
const toolAttributes = (tool: string): Attributes => cachedAttributes(`tool\n${tool}`, () => ({ 'gen_ai.tool.name': tool }));

/** One MCP request finished after `seconds`. */
export function recordOperation(a: OperationAttributes, seconds: number): void {
  const key = `op\n${a.method}\n${a.tool ?? ''}\n${a.errorType ?? ''}\n${a.protocolVersion ?? ''}\n${a.transport ?? ''}`;
  const attrs = cachedAttributes(key, () => {
    const built: Attributes = { 'mcp.method.name': a.method };
    if (a.tool) built['gen_ai.tool.name'] = a.tool;
    if (a.errorType) built['error.type'] = a.errorType;
    if (a.protocolVersion) built['mcp.protocol.version'] = a.protocolVersion;
    if (a.transport) built['network.transport'] = a.transport;
    return built;
  });
  instruments.operationDuration.record(seconds, attrs);
}

/** A tool call ended with `outcome`: `ok` or the structured error code (`not_found`, `rate_limited`, ...). */
export function recordToolCall(tool: string, outcome: string): void {
  instruments.toolCalls.add(
    1,
    cachedAttributes(`call\n${tool}\n${outcome}`, () => ({ 'gen_ai.tool.name': tool, 'taskwire.outcome': outcome })),
  );
}

/** A call by `principal` was rejected by a rate limit. */
export function recordRateLimited(principal: string, tool?: string): void {
  instruments.rateLimited.add(1, tool ? { 'taskwire.principal': principal, 'gen_ai.tool.name': tool } : { 'taskwire.principal': principal });
}

/** A result of `tool` was truncated to the result budget. */
export function recordTruncation(tool: string): void {
  instruments.truncations.add(1, toolAttributes(tool));
}

/** A call of `tool` was answered by replaying its idempotency record. */
export function recordReplay(tool: string): void {
  instruments.replays.add(1, toolAttributes(tool));
}

/** A call of `tool` hit its time limit. */
export function recordTimeout(tool: string): void {
  instruments.timeouts.add(1, toolAttributes(tool));
}

/** A call of `tool` was flagged by loop detection. */
export function recordLoopDetected(tool: string): void {
  instruments.loops.add(1, toolAttributes(tool));
}

/** A session opened: counts it active; the returned function (idempotent) closes it and records its duration. */
export function openSession(transport: 'pipe' | 'tcp'): () => void {
  const attrs = { 'network.transport': transport };
  const started = performance.now();
  instruments.sessions.add(1, attrs);
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    instruments.sessions.add(-1, attrs);
    instruments.sessionDuration.record((performance.now() - started) / 1000, attrs);
  };
}

/** A server-to-client stream opened (+1) or closed (-1). */
export function recordStream(delta: 1 | -1): void {
  instruments.streams.add(delta);
}

/** `rows` audit rows were lost (the store refused them). */
export function recordAuditDropped(rows: number): void {
  instruments.auditDropped.add(rows);
}
