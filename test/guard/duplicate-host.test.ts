import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { tempDir, testConfig } from '../harness.js';

/** Send raw bytes (so the request can carry header lines no HTTP client would send); the reply's status and (de-chunked) body. */
function raw(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      let body = text.slice(split + 4);
      if (/transfer-encoding: chunked/i.test(head)) {
        let out = '';
        for (let at = 0; ; ) {
          const eol = body.indexOf('\r\n', at);
          const size = Number.parseInt(body.slice(at, eol), 16);
          if (!size) break;
          out += body.slice(eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
        body = out;
      }
      done({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body });
    });
    socket.end(request);
  });
}

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
};
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: ENVELOPE } });
const post = (hosts: string[]) =>
  [
    'POST /mcp HTTP/1.1',
    ...hosts.map((h) => `Host: ${h}`),
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    'Mcp-Protocol-Version: 2026-07-28',
    'Mcp-Method: tools/list',
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(BODY)}`,
    '',
    BODY,
  ].join('\r\n');

describe('duplicate Host header (RFC 9112 §3.2)', () => {
  const tmp = tempDir();
  let app: App;
  let http: HttpServing;
  beforeAll(async () => {
    app = createApp(TOOLSETS, testConfig({ port: '0' }, tmp.dir), silentLogger, undefined, 'tester');
    http = await serveHttp(app);
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
    tmp.cleanup();
  });

  it('answers 400 naming the rule when a request carries two Host lines, whichever comes first', async () => {
    for (const hosts of [
      ['127.0.0.1', 'evil.example'],
      ['evil.example', '127.0.0.1'],
      ['127.0.0.1', '127.0.0.1'],
    ]) {
      const r = await raw(http.url, post(hosts));
      expect(r.status, hosts.join(' + ')).toBe(400);
      const body = JSON.parse(r.body);
      expect(body.error.code).toBe(-32600);
      expect(body.error.message).toMatch(/more than one Host header/);
    }
  });

  it('still serves a request with exactly one Host', async () => {
    const r = await raw(http.url, post(['127.0.0.1']));
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { tools: expect.any(Array) } });
  });
});
