import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { enableTracing } from '../../src/telemetry/tracing.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { serveHttp } from '../../src/transport/http.js';
import { ERAS, harness, ok, tempDir, testConfig } from '../harness.js';

// A real SDK tracer provider with an in-memory exporter: the spans the server records, read back.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  provider.register();
  enableTracing(true);
});
afterAll(async () => {
  enableTracing(false);
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});
afterEach(() => exporter.reset());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const traceparent = (span = CALLER_SPAN) => `00-${TRACE_ID}-${span}-01`;

const spans = () => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan => {
  const found = spans().find((s) => s.name === name);
  if (!found)
    throw new Error(
      `no span "${name}" among ${spans()
        .map((s) => s.name)
        .join(', ')}`,
    );
  return found;
};

describe.each(ERAS)('request spans (%s era)', (era) => {
  it('tools/call: one SERVER span parented on _meta.traceparent, with MCP semconv attributes and store child spans', async () => {
    const h = await harness(era);
    try {
      const created = await ok<{ created: Array<{ id: number }> }>(h.client, 'create_tasks', { tasks: [{ title: 'traced' }] });
      exporter.reset();
      const id = created.created[0]?.id;
      await h.client.callTool({ name: 'get_task', arguments: { id }, _meta: { traceparent: traceparent(), tracestate: 'vendor=x' } });

      const server = named('tools/call get_task');
      expect(server.kind).toBe(1); // SpanKind.SERVER
      expect(server.spanContext().traceId).toBe(TRACE_ID);
      expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN);
      expect(server.spanContext().traceState?.get('vendor')).toBe('x');
      expect(server.attributes).toMatchObject({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'get_task',
        'gen_ai.operation.name': 'execute_tool',
        'network.transport': 'pipe',
        'taskwire.principal': 'tester',
        'taskwire.workspace': 'local',
        'taskwire.outcome': 'ok',
      });
      expect(server.attributes['jsonrpc.request.id']).toBeTypeOf('string');
      expect(server.attributes['mcp.protocol.version']).toBe(era === 'modern' ? '2026-07-28' : '2025-11-25');
      expect(server.attributes['error.type']).toBeUndefined();
      // Tool content is opt-in (--trace-content on), as in the OTel GenAI conventions.
      expect(server.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
      expect(server.attributes['gen_ai.tool.call.result']).toBeUndefined();

      // Store work is span events on the request span by default (--trace-store events): no span of its own.
      expect(spans().map((s) => s.name)).toEqual(['tools/call get_task']);
      const read = server.events.find((e) => e.name === 'sqlite read');
      expect(read?.attributes).toMatchObject({ 'db.system.name': 'sqlite', 'db.operation.name': 'read' });
      expect(read?.attributes?.['taskwire.duration_ms']).toBeTypeOf('number');
      const get = server.events.find((e) => e.name === 'sqlite taskDetail');
      expect(get?.attributes).toMatchObject({ 'db.operation.name': 'taskDetail' });
      expect(get?.attributes?.['taskwire.duration_ms']).toBeTypeOf('number');

      // The audit row carries the trace id, linking the trail to the agent's run.
      await h.app.audit?.flush();
      const [row] = await h.app.store.audit.query({ workspace: 'local', tool: 'get_task', limit: 1 });
      expect(row?.trace_id).toBe(TRACE_ID);
    } finally {
      await h.close();
    }
  });

  it('a tool error marks the span with error.type=tool_error and the outcome code', async () => {
    const h = await harness(era);
    try {
      await h.client.callTool({ name: 'get_task', arguments: { id: 999 } });
      const server = named('tools/call get_task');
      expect(server.attributes['error.type']).toBe('tool_error');
      expect(server.attributes['taskwire.outcome']).toBe('not_found');
      expect(server.status.code).toBe(2); // SpanStatusCode.ERROR
      expect(server.parentSpanContext).toBeUndefined(); // no caller context: a root span

      // A store transaction that fails is an event with its error.type.
      exporter.reset();
      await h.client.callTool({ name: 'update_task', arguments: { id: 424242, title: 'nope' } });
      const write = named('tools/call update_task').events.find((e) => e.name === 'sqlite write');
      expect(write?.attributes?.['error.type']).toBeTypeOf('string');
    } finally {
      await h.close();
    }
  });

  it('every method gets a span: tools/list, resources/read (with mcp.resource.uri), prompts/get, and JSON-RPC errors', async () => {
    const h = await harness(era);
    try {
      await h.client.listTools({ _meta: { traceparent: traceparent() } });
      await h.client.readResource({ uri: 'tasks://stats' });
      await h.client.getPrompt({ name: 'daily_standup' }).catch(() => undefined);
      await expect(h.client.readResource({ uri: 'tasks://424242' })).rejects.toThrow();
      const list = named('tools/list');
      expect(list.parentSpanContext?.spanId).toBe(CALLER_SPAN);
      expect(list.attributes['mcp.method.name']).toBe('tools/list');
      expect(named('resources/read').attributes['mcp.resource.uri']).toBe('tasks://stats');
      const failed = spans().filter((s) => s.name === 'resources/read' && s.attributes['mcp.resource.uri'] === 'tasks://424242');
      expect(failed).toHaveLength(1);
      expect(failed[0]?.attributes['error.type']).toMatch(/^-32\d{3}$/);
      expect(spans().some((s) => s.name.startsWith('prompts/get'))).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('--trace-content on', () => {
  it('records the arguments and the result text on the span, each capped', async () => {
    const h = await harness('legacy', { 'trace-content': 'on' });
    try {
      const created = await ok<{ created: Array<{ id: number }> }>(h.client, 'create_tasks', { tasks: [{ title: 'traced', description: 'x'.repeat(6000) }] });
      const id = created.created[0]?.id;
      exporter.reset();
      await h.client.callTool({ name: 'get_task', arguments: { id } });
      const span = named('tools/call get_task');
      expect(JSON.parse(String(span.attributes['gen_ai.tool.call.arguments']))).toEqual({ id });
      const result = String(span.attributes['gen_ai.tool.call.result']);
      expect(result).toContain('traced');
      expect(result).toMatch(/…\(\d+ more\)$/);
      expect(result.length).toBeLessThan(4200);
    } finally {
      await h.close();
    }
  });
});

describe('--trace-store spans', () => {
  it('records each store transaction as a CLIENT child span, its port calls as events on it', async () => {
    const h = await harness('legacy', { 'trace-store': 'spans' });
    try {
      const created = await ok<{ created: Array<{ id: number }> }>(h.client, 'create_tasks', { tasks: [{ title: 'traced' }] });
      exporter.reset();
      await h.client.callTool({ name: 'get_task', arguments: { id: created.created[0]?.id }, _meta: { traceparent: traceparent() } });
      const server = named('tools/call get_task');
      const read = named('sqlite read');
      expect(read.kind).toBe(2); // SpanKind.CLIENT
      expect(read.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(read.spanContext().traceId).toBe(TRACE_ID);
      expect(read.attributes).toMatchObject({ 'db.system.name': 'sqlite', 'db.operation.name': 'read' });
      const get = read.events.find((e) => e.name === 'sqlite taskDetail');
      expect(get?.attributes).toMatchObject({ 'db.operation.name': 'taskDetail' });
      expect(spans().some((s) => s.name === 'sqlite taskDetail')).toBe(false);
      expect(server.events.some((e) => e.name.startsWith('sqlite'))).toBe(false);
    } finally {
      await h.close();
    }
  });

  it('marks a failed write transaction: error.type and ERROR status on its span', async () => {
    const h = await harness('legacy', { 'trace-store': 'spans' });
    try {
      await h.client.callTool({ name: 'update_task', arguments: { id: 424242, title: 'nope' } });
      const write = spans().find((s) => s.name === 'sqlite write' && s.status.code === 2);
      expect(write?.attributes['error.type']).toBeTypeOf('string');
    } finally {
      await h.close();
    }
  });
});

describe('HTTP transport', () => {
  it('parents request spans on the traceparent header; _meta.traceparent wins over it', async () => {
    const tmp = tempDir();
    const app = createApp(TOOLSETS, testConfig({ port: '0' }, tmp.dir), silentLogger, undefined, 'tester');
    const http = await serveHttp(app);
    const headerSpan = 'a1b2c3d4e5f60718';
    const client = new Client({ name: 'vitest', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    const legacy = new Client({ name: 'vitest', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { traceparent: traceparent(headerSpan) } } }));
      exporter.reset();
      await client.listTools();
      const list = named('tools/list');
      expect(list.parentSpanContext?.spanId).toBe(headerSpan);
      expect(list.spanContext().traceId).toBe(TRACE_ID);
      expect(list.attributes['network.transport']).toBe('tcp');

      exporter.reset();
      await client.callTool({ name: 'list_tasks', arguments: {}, _meta: { traceparent: traceparent() } });
      expect(named('tools/call list_tasks').parentSpanContext?.spanId).toBe(CALLER_SPAN);

      // A 2025-era session: the header parents its requests too, and spans carry mcp.session.id.
      const transport = new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { traceparent: traceparent(headerSpan) } } });
      await legacy.connect(transport);
      exporter.reset();
      await legacy.callTool({ name: 'list_tasks', arguments: {} });
      const call = named('tools/call list_tasks');
      expect(call.parentSpanContext?.spanId).toBe(headerSpan);
      expect(call.attributes['mcp.session.id']).toBe(transport.sessionId);
      expect(call.attributes['mcp.protocol.version']).toBe('2025-11-25');
    } finally {
      await legacy.close();
      await client.close();
      await http.close();
      await app.close();
      tmp.cleanup();
    }
  });
});
