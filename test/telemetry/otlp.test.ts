import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpMetrics, traceExporters } from '../../src/telemetry/setup.js';
import { assertBuilt, CLI } from '../e2e/cli-process.js';
import { eventually, ok, tempDir } from '../harness.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string } }>;
  events?: Array<{ name: string }>;
}

describe('tracing configuration from OTEL_* variables', () => {
  it('is off unless an exporter or endpoint is configured', () => {
    expect(traceExporters({})).toEqual([]);
    expect(traceExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual(['otlp']);
    expect(traceExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual(['otlp']);
    expect(traceExporters({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual(['otlp']);
    expect(traceExporters({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual([]);
    expect(traceExporters({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual([]);
    expect(otlpMetrics({ OTEL_METRICS_EXPORTER: 'otlp' })).toBe(true);
    expect(otlpMetrics({})).toBe(false);
  });
});

/** The built CLI over stdio exporting to an OTLP/HTTP receiver on loopback: what a collector would get. */
describe('OTLP/HTTP export (built CLI)', () => {
  const tmp = tempDir();
  const bodies: Array<{ path: string; type: string; body: string }> = [];
  let receiver: Server;
  let endpoint: string;
  beforeAll(async () => {
    assertBuilt();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        bodies.push({ path: req.url ?? '', type: String(req.headers['content-type']), body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
    tmp.cleanup();
  });

  it('sends the request span, parented on the caller traceparent, with its store events; flushed on exit', async () => {
    const client = new Client({ name: 'agent', version: '3.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, '--db', join(tmp.dir, 'otlp.db')],
        env: {
          ...(process.env as Record<string, string>),
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_SERVICE_NAME: 'taskwire-under-test',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_METRIC_EXPORT_INTERVAL: '60000', // only the shutdown flush: proves nothing is lost on exit
        },
        stderr: 'ignore',
      }),
    );
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const caller = 'b7ad6b7169203331';
    await ok(client, 'create_tasks', { tasks: [{ title: 'exported' }] });
    await client.callTool({ name: 'list_tasks', arguments: {}, _meta: { traceparent: `00-${traceId}-${caller}-01` } });
    await client.close(); // stdin ends: the server flushes its span batch before exiting

    await eventually(() => bodies.some((b) => b.body.includes('tools/call list_tasks')), 10_000, 'the exported span');
    const traces = bodies.filter((b) => b.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]?.type).toContain('application/json');
    const payloads = traces.map(
      (b) =>
        JSON.parse(b.body) as {
          resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        },
    );
    const spans = payloads.flatMap((p) => p.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    const service = payloads[0]?.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
    expect(service).toBe('taskwire-under-test');

    const list = spans.find((s) => s.name === 'tools/call list_tasks');
    expect(list?.traceId).toBe(traceId);
    expect(list?.parentSpanId).toBe(caller);
    expect(list?.kind).toBe(2); // SPAN_KIND_SERVER in OTLP
    const attr = (s: OtlpSpan | undefined, key: string) => s?.attributes.find((a) => a.key === key)?.value.stringValue;
    expect(attr(list, 'mcp.method.name')).toBe('tools/call');
    expect(attr(list, 'gen_ai.tool.name')).toBe('list_tasks');
    expect(attr(list, 'network.transport')).toBe('pipe');
    // Store work rides on the request span as events (--trace-store events, the default): no span of its own.
    expect(spans.filter((s) => s.parentSpanId === list?.spanId)).toEqual([]);
    expect(list?.events?.map((e) => e.name)).toContain('sqlite read');
    // Requests without a caller context are root spans of their own traces.
    const create = spans.find((s) => s.name === 'tools/call create_tasks');
    expect(create?.parentSpanId ?? '').toBe('');
    expect(spans.some((s) => s.name === 'initialize')).toBe(true);

    // Metrics pushed over OTLP too, flushed at exit.
    await eventually(() => bodies.some((b) => b.path === '/v1/metrics'), 10_000, `the exported metrics (got ${bodies.map((b) => b.path)})`);
    const metrics = bodies
      .filter((b) => b.path === '/v1/metrics')
      .map((b) => b.body)
      .join('\n');
    expect(metrics).toContain('mcp.server.operation.duration');
    expect(metrics).toContain('taskwire.tool.calls');
  });
});

/** `OTEL_TRACES_EXPORTER=console` prints spans through `console.dir`: on stdio that must land on stderr, never on the protocol channel. */
describe('console span exporter on stdio (built CLI)', () => {
  const tmp = tempDir();
  beforeAll(() => assertBuilt());
  afterAll(() => tmp.cleanup());

  it('prints spans on stderr; stdout carries only JSON-RPC messages', async () => {
    const child = spawn(process.execPath, [CLI, '--db', join(tmp.dir, 'console.db')], {
      env: { ...process.env, OTEL_TRACES_EXPORTER: 'console', OTEL_BSP_SCHEDULE_DELAY: '50' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'vitest', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await eventually(() => stdout.includes('"id":2'), 10_000, 'the tools/list answer');
    child.stdin.end(); // the server flushes its span batch and exits
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(stderr).toContain("name: 'tools/list'");
  });
});
