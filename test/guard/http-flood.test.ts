import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { tempDir, testConfig } from '../harness.js';

/** HTTP-layer flood limit: 429 with Retry-After before the body is read, on a real loopback socket. */
function send(url: string, method: string, body?: unknown): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((done, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
const PING = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: {} } };

describe('HTTP flood limit', () => {
  const tmp = tempDir();
  let app: App;
  let http: HttpServing;
  afterEach(async () => {
    await http?.close();
    await app?.close();
  });

  it('answers 429 with Retry-After once a client address spends its per-minute budget; health checks stay open', async () => {
    const events: GuardrailEvent[] = [];
    app = createApp(TOOLSETS, testConfig({ port: '0', 'http-rate-limit': '5' }, tmp.dir), silentLogger, undefined, 'tester', { onGuardrail: (e) => events.push(e) });
    http = await serveHttp(app);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 8; i++) {
      const r = await send(http.url, 'POST', PING);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const seconds = Number(limited?.retryAfter);
    expect(Number.isInteger(seconds)).toBe(true);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(JSON.parse(limited?.body ?? '{}').error.message).toMatch(/Too many requests/);
    expect((await send(http.url.replace('/mcp', '/healthz'), 'GET')).status).toBe(200);
    expect(events.filter((e) => e.type === 'http_rate_limited')).toHaveLength(3);
  });
});
