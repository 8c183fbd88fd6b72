import { type McpServer, PROTOCOL_VERSION_META_KEY, type ServerContext } from '@modelcontextprotocol/server';
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { recordOperation } from '../telemetry/metrics.js';
import { isTracing, parentContext, tracer } from '../telemetry/tracing.js';

type RawHandler = (request: { method: string; id: string | number; params?: Record<string, unknown> }, ctx: ServerContext) => Promise<unknown>;

/**
 * One OpenTelemetry server span and one `mcp.server.operation.duration`
 * sample per MCP request, for every method the instance answers (`initialize`,
 * `server/discover`, `tools/list`, `tools/call`, `resources/read`, ...),
 * following the OTel MCP semantic conventions:
 * - span name `{mcp.method.name} {target}` where the target is the tool or
 *   prompt name (`tools/call get_task`), else `{mcp.method.name}`;
 * - kind SERVER, parented on `params._meta.traceparent`/`tracestate`, else on
 *   the active context (the HTTP transport's `traceparent` header);
 * - attributes `mcp.method.name`, `jsonrpc.request.id`, `mcp.session.id` (2025
 *   HTTP sessions), `mcp.protocol.version`, `network.transport`,
 *   `gen_ai.tool.name` + `gen_ai.operation.name=execute_tool`, `gen_ai.prompt.name`,
 *   `mcp.resource.uri`; on failure `error.type` (`tool_error` for an `isError`
 *   tool result, else the JSON-RPC error code) and `rpc.response.status_code`.
 *
 * The seam: the SDK stores every request handler (its own and ours) in the
 * protocol instance's handler map, then looks it up per request; replacing
 * that map with one that wraps on lookup covers handlers registered before and
 * after this call. Requests the SDK rejects before any handler runs (unknown
 * method, bad envelope) are not timed. When tracing is off, only the metric
 * is recorded.
 *
 * Tool and prompt names come from the client: a name Taskwire does not serve is
 * recorded as `(unknown)`, so callers cannot grow the metric series without bound.
 */
export function instrumentRequests(server: McpServer, transport: 'pipe' | 'tcp', known: KnownNames): void {
  const protocol = server.server as unknown as { _requestHandlers: Map<string, RawHandler> };
  activity.set(server, { running: 0 });
  const wrapped = new InstrumentedHandlers(server, transport, known);
  for (const [method, handler] of protocol._requestHandlers) wrapped.set(method, handler);
  protocol._requestHandlers = wrapped;
}

/** Handlers of an instance running now, and who waits for none to run (server/pool.ts). */
interface Activity {
  running: number;
  idle?: () => void;
}
const activity = new WeakMap<McpServer, Activity>();

/** How many of `server`'s request handlers are running now (only instances passed to {@link instrumentRequests}). */
export const handlersRunning = Object.assign((server: McpServer): number => activity.get(server)?.running ?? 0, {
  /** Call `then` once, when the last running handler of `server` has finished. */
  whenIdle(server: McpServer, then: () => void): void {
    const a = activity.get(server);
    if (!a || a.running === 0) then();
    else a.idle = then;
  },
});

/** Every tool and prompt name the app serves (precomputed once). */
export interface KnownNames {
  tools: ReadonlySet<string>;
  prompts: ReadonlySet<string>;
}

/** Handlers this module has wrapped (so a wrapped one is never wrapped again). */
const wrappedHandlers = new WeakSet<RawHandler>();

/**
 * The instance's handler map, wrapping each handler on its first lookup rather
 * than when it is set: an idle 2025 session answered only `initialize`, so it
 * holds one wrapper instead of one per method (server/pool.ts, issue 17: RSS
 * per idle session). The SDK dispatches every request through `get`.
 */
class InstrumentedHandlers extends Map<string, RawHandler> {
  constructor(
    private readonly server: McpServer,
    private readonly transport: 'pipe' | 'tcp',
    private readonly known: KnownNames,
  ) {
    super();
  }

  override get(method: string): RawHandler | undefined {
    const handler = super.get(method);
    if (handler === undefined || wrappedHandlers.has(handler)) return handler;
    const wrapped = instrument(method, handler, this.server, this.transport, this.known);
    wrappedHandlers.add(wrapped);
    super.set(method, wrapped);
    return wrapped;
  }
}

function instrument(method: string, handler: RawHandler, server: McpServer, transport: 'pipe' | 'tcp', known: KnownNames): RawHandler {
  const counted = activity.get(server) as Activity;
  const measured = measure(method, handler, server, transport, known);
  return async (request, ctx) => {
    counted.running++;
    try {
      return await measured(request, ctx);
    } finally {
      if (--counted.running === 0 && counted.idle) {
        const then = counted.idle;
        counted.idle = undefined;
        then();
      }
    }
  };
}

function measure(method: string, handler: RawHandler, server: McpServer, transport: 'pipe' | 'tcp', known: KnownNames): RawHandler {
  return async (request, ctx) => {
    const started = performance.now();
    const params = request.params ?? {};
    const tool = method === 'tools/call' && typeof params.name === 'string' ? servedName(params.name, known.tools) : undefined;
    let errorType: string | undefined;
    // Read at the end: `initialize` is what sets the negotiated version.
    const finish = () => recordOperation({ method, tool, errorType, protocolVersion: protocolVersion(server, ctx), transport }, (performance.now() - started) / 1000);

    if (!isTracing()) {
      try {
        const result = await handler(request, ctx);
        if (tool && (result as { isError?: boolean } | undefined)?.isError) errorType = 'tool_error';
        return result;
      } catch (error) {
        errorType = jsonRpcCode(error);
        throw error;
      } finally {
        finish();
      }
    }

    const prompt = method === 'prompts/get' && typeof params.name === 'string' ? servedName(params.name, known.prompts) : undefined;
    const attributes: Attributes = { 'mcp.method.name': method, 'jsonrpc.request.id': String(request.id), 'network.transport': transport };
    if (transport === 'tcp') attributes['network.protocol.name'] = 'http';
    if (ctx.sessionId) attributes['mcp.session.id'] = ctx.sessionId;
    if (tool) {
      attributes['gen_ai.tool.name'] = tool;
      attributes['gen_ai.operation.name'] = 'execute_tool';
    }
    if (prompt) attributes['gen_ai.prompt.name'] = prompt;
    if (typeof params.uri === 'string') attributes['mcp.resource.uri'] = params.uri;
    const target = tool ?? prompt;
    const name = target ? `${method} ${target}` : method;
    return tracer().startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parentContext(params._meta), async (span) => {
      try {
        const result = await handler(request, ctx);
        if (tool && (result as { isError?: boolean } | undefined)?.isError) {
          errorType = 'tool_error';
          span.setAttribute('error.type', errorType);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return result;
      } catch (error) {
        errorType = jsonRpcCode(error);
        span.setAttributes({ 'error.type': errorType, 'rpc.response.status_code': errorType });
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        const version = protocolVersion(server, ctx);
        if (version) span.setAttribute('mcp.protocol.version', version);
        finish();
        span.end();
      }
    });
  };
}

const servedName = (name: string, served: ReadonlySet<string>): string => (served.has(name) ? name : '(unknown)');

function protocolVersion(server: McpServer, ctx: ServerContext): string | undefined {
  const modern = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_META_KEY];
  return typeof modern === 'string' ? modern : server.server.getNegotiatedProtocolVersion();
}

/** The JSON-RPC error code a thrown error becomes (the SDK's rule: its integer `code`, else -32603). */
function jsonRpcCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return String(Number.isSafeInteger(code) ? code : -32603);
}
