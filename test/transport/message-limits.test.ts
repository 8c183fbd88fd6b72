import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/server/app.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { MAX_MESSAGE_DEPTH, nestsDeeperThan } from '../../src/transport/message-limits.js';
import { call, ERAS, harness, RAW_INITIALIZE, RAW_JSON_HEADERS, tempDir, testConfig } from '../harness.js';

/** `[[[...1...]]]`, `depth` arrays deep. */
const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** A JSON-RPC message as text with `"DEEP"` replaced by arrays nested `depth` deep (JSON.stringify itself overflows on such values). */
const withDeep = (message: unknown, depth: number): string => JSON.stringify(message).replace('"DEEP"', `${'['.repeat(depth)}1${']'.repeat(depth)}`);

const MODERN_HEADERS = { ...RAW_JSON_HEADERS, 'mcp-protocol-version': '2026-07-28' };
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

describe('nestsDeeperThan: the raw-text depth scan', () => {
  it('counts arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,{"b":[[]]}]}', 4)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ s: '[[[[[[[[[[{{{{{{' }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ s: 'quote \\" [[[[ \\\\' }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify(nested(MAX_MESSAGE_DEPTH)))).toBe(false);
    expect(nestsDeeperThan(JSON.stringify(nested(MAX_MESSAGE_DEPTH + 1)))).toBe(true);
  });

  it('agrees with the depth of the parsed value on any JSON (fast-check, seeded)', () => {
    const depthOf = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, max) => {
        expect(nestsDeeperThan(JSON.stringify(value), max)).toBe(depthOf(value) > max);
      }),
      { seed: 13, numRuns: 2000 },
    );
  });

  it('scans 100,000 levels without recursion', () => {
    expect(nestsDeeperThan('['.repeat(100_000))).toBe(true);
  });
});

describe('deep nesting over HTTP (issue 13 item 2)', () => {
  const tmp = tempDir();
  const logs: Array<{ level: number; msg: string; err?: { message?: string } }> = [];
  let app: App;
  let http: HttpServing;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    app = createApp(TOOLSETS, testConfig({ port: '0' }, tmp.dir), pino({ level: 'info' }, sink));
    // No pooled instances: the 5xx test below injects its fault at the factory, which a pooled request would skip.
    http = await serveHttp(app, undefined, { pooledInstances: 0 });
  });
  afterAll(async () => {
    await http.close();
    await app.close();
    tmp.cleanup();
  });

  const post = async (body: string, headers: Record<string, string> = MODERN_HEADERS) => {
    const res = await fetch(http.url, { method: 'POST', headers, body });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };

  it('answers a 20 KB request nested 10,000 deep in params with 400 -32600 naming the limit (was 500 -32603)', async () => {
    const body = withDeep({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META, deep: 'DEEP' } }, 10_000);
    const res = await post(body, { ...MODERN_HEADERS, 'mcp-method': 'tools/list' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(-32600);
    expect(res.body.error.message).toContain(`max_depth=${MAX_MESSAGE_DEPTH}`);
    expect(res.body.error.data).toEqual({ limit: 'max_depth', max: MAX_MESSAGE_DEPTH });
  });

  it('answers a tool argument nested 2,300 deep with 400 -32600 in both eras, before any tool code runs', async () => {
    const args = { tasks: [{ title: 'deep', labels: 'DEEP' }] };
    const modern = await post(withDeep({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'create_tasks', arguments: args, _meta: META } }, 2300), {
      ...MODERN_HEADERS,
      'mcp-method': 'tools/call',
      'mcp-name': 'create_tasks',
    });
    expect(modern.status).toBe(400);
    expect(modern.body.error.code).toBe(-32600);
    const init = await fetch(http.url, { method: 'POST', headers: RAW_JSON_HEADERS, body: RAW_INITIALIZE });
    const session = init.headers.get('mcp-session-id') as string;
    await init.text();
    const legacy = await post(withDeep({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'create_tasks', arguments: args } }, 2300), {
      ...RAW_JSON_HEADERS,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
    });
    expect(legacy.status).toBe(400);
    expect(legacy.body.error.code).toBe(-32600);
    expect(await app.store.read((r) => r.getTask(app.config.workspace, 1))).toBeUndefined();
  });

  it('still serves a message nested just under the limit', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: META, deep: nested(MAX_MESSAGE_DEPTH - 3) } });
    const res = await post(body, { ...MODERN_HEADERS, 'mcp-method': 'tools/list' });
    expect(res.status).toBe(200);
    expect(res.body.result.tools.length).toBeGreaterThan(0);
  });

  it('logs every 5xx with its cause, including one the SDK answers itself', async () => {
    const factory = app.factory;
    app.factory = () => {
      throw new Error('factory fault injected by the test');
    };
    try {
      const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: META } }), { ...MODERN_HEADERS, 'mcp-method': 'tools/list' });
      expect(res.status).toBe(500);
    } finally {
      app.factory = factory;
    }
    const logged = logs.find((l) => l.level === 50 && l.msg === 'HTTP request answered 500');
    expect(logged?.err?.message).toBe('factory fault injected by the test');
  });
});

describe('the tool error boundary turns a RangeError into invalid_input (in process, no transport cap)', () => {
  for (const era of ERAS) {
    it(`${era}: a 2,300-deep argument is a structured invalid_input, not "Maximum call stack size exceeded"`, async () => {
      const h = await harness(era);
      try {
        const r = await call(h.client, 'create_tasks', { tasks: [{ title: 'x', labels: nested(2300) }] });
        expect(r.isError).toBe(true);
        expect(r.error.code).toBe('invalid_input');
        expect(r.error.fields).toEqual([expect.objectContaining({ field: '(arguments)' })]);
      } finally {
        await h.close();
      }
    });
  }
});
