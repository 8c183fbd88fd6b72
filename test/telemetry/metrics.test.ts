import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { recordReplay } from '../../src/telemetry/metrics.js';
import { setupTelemetry, type Telemetry } from '../../src/telemetry/setup.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { call, ok, tempDir, testConfig } from '../harness.js';

/** The value of one Prometheus sample line whose name and labels all match, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  const tmp = tempDir();
  let telemetry: Telemetry;
  let app: App;
  let http: HttpServing;
  beforeAll(async () => {
    telemetry = await setupTelemetry({ metrics: true }, {});
    expect(telemetry.tracing).toBe(false); // no OTEL_* exporter configured: no tracer provider
    // A write budget of 3 per minute, so the fourth write below is refused by the real rate limiter.
    app = createApp(TOOLSETS, testConfig({ port: '0', 'rate-limit-writes': '3' }, tmp.dir), silentLogger, undefined, 'tester');
    app.telemetry = telemetry;
    http = await serveHttp(app);
  });
  afterAll(async () => {
    await http.close();
    await app.close();
    await telemetry.shutdown();
    tmp.cleanup();
  });
  const scrape = async () => {
    const res = await fetch(http.url.replace(/\/mcp$/, '/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  it('exposes request durations by method and tool, tool calls by outcome, sessions and guardrail counters', async () => {
    const legacy = new Client({ name: 'vitest', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    const transport = new StreamableHTTPClientTransport(new URL(http.url));
    await legacy.connect(transport);
    await ok(legacy, 'create_tasks', { tasks: [{ title: 'measured' }], idempotency_key: 'measure-once-key' });
    await ok(legacy, 'create_tasks', { tasks: [{ title: 'measured' }], idempotency_key: 'measure-once-key' }); // replayed
    await call(legacy, 'get_task', { id: 1 });
    await call(legacy, 'get_task', { id: 999 });
    await legacy.listTools();
    // The guardrails themselves feed the counters: a page cut by its token budget, a refused write, a loop hint.
    const long = 'A description long enough that a few of them fill a small token budget. '.repeat(8);
    await ok(legacy, 'create_tasks', { tasks: Array.from({ length: 8 }, (_, i) => ({ title: `bulk ${i}`, description: long })) });
    expect((await ok<{ truncated: boolean }>(legacy, 'list_tasks', { max_tokens: 300 })).truncated).toBe(true);
    expect((await call(legacy, 'create_tasks', { tasks: [{ title: 'over budget' }] })).error.code).toBe('rate_limited');
    for (let i = 0; i < 3; i++) await call(legacy, 'get_task', { id: 2 });
    recordReplay('add_comment');
    // A name the client made up never becomes a label of its own (callers cannot grow the series without bound).
    await legacy.callTool({ name: 'made_up_tool_4711', arguments: {} }).catch(() => undefined);

    let text = await scrape();
    const okCount = sample(text, 'mcp_server_operation_duration_count', { mcp_method_name: 'tools/call', gen_ai_tool_name: 'create_tasks', network_transport: 'tcp' });
    expect(okCount).toBe(3); // two keyed creates (one replayed) and the bulk create; the refused one is counted with its error type
    expect(sample(text, 'mcp_server_operation_duration_count', { gen_ai_tool_name: 'get_task', error_type: 'tool_error' })).toBe(1);
    expect(sample(text, 'mcp_server_operation_duration_count', { mcp_method_name: 'tools/list' })).toBe(1);
    expect(sample(text, 'mcp_server_operation_duration_count', { mcp_method_name: 'initialize', mcp_protocol_version: '2025-11-25' })).toBe(1);
    expect(sample(text, 'mcp_server_operation_duration_bucket', { mcp_method_name: 'tools/list', le: '+Inf' })).toBe(1);
    expect(sample(text, 'taskwire_tool_calls_total', { gen_ai_tool_name: 'get_task', taskwire_outcome: 'ok' })).toBe(4);
    expect(sample(text, 'taskwire_tool_calls_total', { gen_ai_tool_name: 'get_task', taskwire_outcome: 'not_found' })).toBe(1);
    expect(sample(text, 'taskwire_rate_limit_rejections_total', { taskwire_principal: 'tester', gen_ai_tool_name: 'create_tasks' })).toBe(1);
    expect(sample(text, 'taskwire_loop_detections_total', { gen_ai_tool_name: 'get_task' })).toBe(1);
    expect(text).not.toContain('made_up_tool_4711');
    expect(sample(text, 'mcp_server_operation_duration_count', { mcp_method_name: 'tools/call', gen_ai_tool_name: '(unknown)' })).toBe(1);
    expect(sample(text, 'taskwire_result_truncations_total', { gen_ai_tool_name: 'list_tasks' })).toBe(1);
    expect(sample(text, 'taskwire_idempotent_replays_total', { gen_ai_tool_name: 'create_tasks' })).toBe(1);
    expect(sample(text, 'taskwire_idempotent_replays_total', { gen_ai_tool_name: 'add_comment' })).toBe(1);
    expect(sample(text, 'taskwire_sessions_active', { network_transport: 'tcp' })).toBe(1);

    // The SDK client keeps a 2025 GET stream open for server-initiated messages.
    expect(sample(text, 'taskwire_streams_active')).toBe(1);

    await transport.terminateSession(); // DELETE ends the 2025 session
    await legacy.close();
    text = await scrape();
    expect(sample(text, 'taskwire_sessions_active', { network_transport: 'tcp' })).toBe(0);
    expect(sample(text, 'mcp_server_session_duration_count', { network_transport: 'tcp' })).toBe(1);
    const deadline = Date.now() + 3000;
    while (sample(await scrape(), 'taskwire_streams_active') !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sample(await scrape(), 'taskwire_streams_active')).toBe(0);
  });

  it('with authentication on, needs an operator scope a served toolset declares (tasks:admin), and says which', async () => {
    const serveAuthed = async (toolsets: string) => {
      const authed = createApp(TOOLSETS, testConfig({ port: '0', auth: 'api-key', toolsets }, tmp.dir), silentLogger, undefined, 'nobody');
      authed.telemetry = telemetry;
      const served = await serveHttp(authed);
      const key = async (scopes: string[]) => (await createApiKey(authed.store.apiKeys, { workspace: 'acme', name: scopes.join(' '), scopes })).token;
      const scrapeWith = (token: string) => fetch(served.url.replace(/\/mcp$/, '/metrics'), { headers: { authorization: `Bearer ${token}` } });
      return { authed, served, key, scrapeWith };
    };
    const tasks = await serveAuthed('tasks');
    try {
      expect(tasks.authed.operatorScopes).toEqual(['tasks:admin']);
      const reader = await tasks.scrapeWith(await tasks.key(['tasks:read', 'tasks:write']));
      expect(reader.status).toBe(403);
      expect(reader.headers.get('www-authenticate')).toContain('scope="tasks:admin"');
      expect(((await reader.json()) as { error_description: string }).error_description).toBe('Reading /metrics needs the tasks:admin scope.');
      const operator = await tasks.scrapeWith(await tasks.key(['tasks:admin']));
      expect(operator.status).toBe(200);
      expect(await operator.text()).toContain('taskwire_');
    } finally {
      await tasks.served.close();
      await tasks.authed.close();
    }
    // The conformance fixtures declare no scope at all: no credential can read /metrics, and the refusal says why.
    const bare = await serveAuthed('conformance');
    try {
      expect(bare.authed.operatorScopes).toEqual([]);
      const refused = await bare.scrapeWith(await bare.key(['tasks:admin']));
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error_description: string }).error_description).toMatch(/no served toolset declares one/);
    } finally {
      await bare.served.close();
      await bare.authed.close();
    }
  });

  it('answers 404 when the app has no metrics reader (--metrics off)', async () => {
    const bare = createApp(TOOLSETS, testConfig({ port: '0' }, tmp.dir), silentLogger, undefined, 'tester');
    const off = await serveHttp(bare);
    try {
      const res = await fetch(off.url.replace(/\/mcp$/, '/metrics'));
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('metrics are off');
    } finally {
      await off.close();
      await bare.close();
    }
  });
});
