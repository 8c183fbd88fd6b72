import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/server/app.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { TOOLSETS } from '../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../src/transport/http.js';
import { tempDir, testConfig } from './harness.js';

/** The HTTP transport's 2025-era session registry, in process: leaks, caps and reaping. */
function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; sid?: string }> {
  return new Promise((done, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode ?? 0, sid: res.headers['mcp-session-id'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } } };
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

describe('HTTP transport: 2025-era sessions', () => {
  const tmp = tempDir();
  let app: App;
  let http: HttpServing;
  const start = async (overrides: Record<string, string>) => {
    app = createApp(TOOLSETS, testConfig({ port: '0', ...overrides }, tmp.dir), silentLogger);
    http = await serveHttp(app);
  };
  afterEach(async () => {
    await http?.close();
    await app?.close();
  });

  it('releases everything when the transport refuses an initialize (no leaked server or listeners)', async () => {
    await start({});
    const before = app.hub.listenerCount;
    for (let i = 0; i < 20; i++) {
      const refused = await post(http.url, INIT, { accept: 'application/json' }); // SSE not accepted: 406
      expect(refused.status).toBe(406);
    }
    expect(app.hub.listenerCount).toBe(before);
    const ok = await post(http.url, INIT);
    expect(ok.status).toBe(200);
    expect(app.hub.listenerCount).toBeGreaterThan(before);
  });

  it('caps concurrent sessions (503 with Retry-After) and reaps idle ones (404 afterwards)', async () => {
    await start({ 'max-sessions': '2', 'session-idle-ms': '1000' });
    const a = await post(http.url, INIT);
    const b = await post(http.url, INIT);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await post(http.url, INIT)).status).toBe(503);
    expect((await post(http.url, LIST, { 'mcp-session-id': a.sid as string, 'mcp-protocol-version': '2025-11-25' })).status).toBe(200);
    // Leave b untouched (every request refreshes it): idle 1 s + sweep every 1 s, so gone within 3 s.
    await new Promise((r) => setTimeout(r, 3000));
    const status = (await post(http.url, LIST, { 'mcp-session-id': b.sid as string, 'mcp-protocol-version': '2025-11-25' })).status;
    expect(status).toBe(404);
    expect((await post(http.url, INIT)).status).toBe(200); // room again
  });
});
