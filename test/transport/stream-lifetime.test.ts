import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { startAuthorizationServer } from '../auth/authorization-server.js';
import { PUBLIC_URL } from '../auth/served.js';
import { eventually, RAW_INITIALIZE, RAW_JSON_HEADERS, tempDir, testConfig } from '../harness.js';

/**
 * Issue 13 items 5 and 6: 2026 `subscriptions/listen` streams over real HTTP
 * with API keys end when their credential stops being valid (re-checked every
 * `streamRecheckMs`, here 200 ms) and when the client cancels them, and an
 * ended stream frees its slot under --max-streams-per-principal.
 */

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw-listener', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function headers(token: string, method: string, name?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...(name ? { 'mcp-name': name } : {}),
  };
}

/** An open listen stream read frame by frame: `events` fills as SSE `data:` lines arrive; `isEnded` once the server ended it. */
interface Listening {
  status: number;
  events: Array<Record<string, unknown>>;
  isEnded: () => boolean;
  abort: () => void;
}

async function listen(url: string, token: string, id: number | string): Promise<Listening> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: headers(token, 'subscriptions/listen'),
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: ['tasks://board'] }, _meta: META } }),
    signal: controller.signal,
  });
  const events: Array<Record<string, unknown>> = [];
  let done = false;
  void (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut = buffer.indexOf('\n\n');
        while (cut !== -1) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of frame.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by the test
    } finally {
      done = true;
    }
  })();
  return { status: res.status, events, isEnded: () => done, abort: () => controller.abort() };
}

async function post(url: string, token: string, method: string, body: unknown, name?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: headers(token, method, name), body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

function createTask(url: string, token: string, title: string) {
  return post(
    url,
    token,
    'tools/call',
    {
      jsonrpc: '2.0',
      id: 99,
      method: 'tools/call',
      params: { name: 'create_tasks', arguments: { tasks: [{ title }] }, _meta: META },
    },
    'create_tasks',
  );
}

const updates = (l: Listening) => l.events.filter((e) => e.method === 'notifications/resources/updated');

describe('open streams end with their credential or their cancellation (2026 subscriptions/listen over HTTP)', () => {
  let app: App | undefined;
  let http: HttpServing | undefined;
  const opened: Listening[] = [];
  const tmp = tempDir();

  const serve = async (overrides: Record<string, string> = {}) => {
    app = createApp(TOOLSETS, testConfig({ port: '0', auth: 'api-key', ...overrides }, tmp.dir), silentLogger, undefined, 'nobody');
    http = await serveHttp(app, undefined, { streamRecheckMs: 200 });
    return { app, url: http.url };
  };
  const open = async (url: string, token: string, id: number | string) => {
    const l = await listen(url, token, id);
    opened.push(l);
    return l;
  };

  afterEach(async () => {
    for (const l of opened.splice(0)) l.abort();
    await http?.close();
    await app?.close();
    http = undefined;
    app = undefined;
  });

  it('ends a stream within the re-check interval once its API key is revoked, after delivering while it was valid', async () => {
    const { app, url } = await serve();
    const key = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'listener', scopes: ['tasks:read', 'tasks:write'] });
    const stream = await open(url, key.token, 1);
    expect(stream.status).toBe(200);
    expect((await createTask(url, key.token, 'while valid')).status).toBe(200);
    await eventually(() => updates(stream).length > 0, 3000, 'an update while the key is valid');

    await app.store.apiKeys.revoke(key.record.id, new Date().toISOString());
    await eventually(() => stream.isEnded(), 3000, 'the stream to end after revocation');
    const last = stream.events.at(-1) as { id?: unknown; error?: { code: number; message: string } };
    expect(last.id).toBe(1);
    expect(last.error?.message).toMatch(/no longer valid/);
    // New requests with the key are refused as before.
    expect((await createTask(url, key.token, 'after revocation')).status).toBe(401);
  });

  it('ends a 2025 session GET stream once its API key is revoked', async () => {
    const { app, url } = await serve();
    const key = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'legacy', scopes: ['tasks:read'] });
    const auth = { authorization: `Bearer ${key.token}` };
    const init = await fetch(url, { method: 'POST', headers: { ...RAW_JSON_HEADERS, ...auth }, body: RAW_INITIALIZE });
    const session = init.headers.get('mcp-session-id') as string;
    await init.text();
    const legacyHeaders = { ...auth, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const initialized = await fetch(url, {
      method: 'POST',
      headers: { ...RAW_JSON_HEADERS, ...legacyHeaders },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    expect(initialized.status).toBe(202);
    const controller = new AbortController();
    const get = await fetch(url, { headers: { accept: 'text/event-stream', ...legacyHeaders }, signal: controller.signal });
    expect(get.status).toBe(200);
    let ended = false;
    void (async () => {
      try {
        for await (const _ of get.body as AsyncIterable<Uint8Array>);
      } catch {
        // aborted by the test
      }
      ended = true;
    })();
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(ended).toBe(false);
      await app.store.apiKeys.revoke(key.record.id, new Date().toISOString());
      await eventually(() => ended, 3000, 'the GET stream to end after revocation');
    } finally {
      controller.abort();
    }
  });

  it('ends a stream when its API key expires, and keeps a valid key streaming past several re-checks', async () => {
    const { app, url } = await serve();
    const shortLived = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'short', scopes: ['tasks:read'], ttlMs: 1200 });
    const lasting = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'long', scopes: ['tasks:read', 'tasks:write'] });
    const expiring = await open(url, shortLived.token, 'a');
    const staying = await open(url, lasting.token, 'b');
    expect(expiring.status).toBe(200);
    await eventually(() => expiring.isEnded(), 4000, 'the stream to end at expiry');
    expect((expiring.events.at(-1) as { error?: { message: string } }).error?.message).toMatch(/expired/);
    expect(staying.isEnded()).toBe(false);
    expect((await createTask(url, lasting.token, 'still heard')).status).toBe(200);
    await eventually(() => updates(staying).length > 0, 3000, 'the valid stream to keep delivering');
    expect(staying.isEnded()).toBe(false);
  });

  it('keeps an OAuth (JWT) stream open across re-checks while its token is valid', async () => {
    const as = await startAuthorizationServer({ audience: PUBLIC_URL, workspaces: ['acme'] });
    try {
      const { url } = await serve({ auth: 'api-key,oauth', 'public-url': PUBLIC_URL, issuer: as.issuer, 'workspace-claim': 'org_id' });
      const token = await as.token('acme', 'tasks:read tasks:write');
      const stream = await open(url, token, 'jwt');
      expect(stream.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1000)); // five re-checks
      expect(stream.isEnded()).toBe(false);
      expect((await createTask(url, token, 'heard over oauth')).status).toBe(200);
      await eventually(() => updates(stream).length > 0, 3000, 'an update on the JWT stream');

      // Past its exp but within the verifier's 60 s clock skew, a token is still accepted for new requests: its
      // stream stays open too (ending it would make the client reconnect, be accepted, and loop).
      const nowS = Math.floor(Date.now() / 1000);
      const claims = { iss: as.issuer, aud: PUBLIC_URL, sub: 'acme', client_id: 'acme', org_id: 'acme', scope: 'tasks:read', iat: nowS, exp: nowS + 1 };
      const skewed = await open(url, await as.sign(claims), 'skewed');
      expect(skewed.status).toBe(200);
      await new Promise((r) => setTimeout(r, 2500));
      expect(skewed.isEnded()).toBe(false);
    } finally {
      for (const l of opened.splice(0)) l.abort();
      await as.close();
    }
  });

  it('ends the stream a notifications/cancelled names, and only that one', async () => {
    const { app, url } = await serve();
    const key = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'remote', scopes: ['tasks:read', 'tasks:write'] });
    const cancelled = await open(url, key.token, 7);
    const other = await open(url, key.token, 8);
    const cancel = await post(url, key.token, 'notifications/cancelled', {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 7, reason: 're-filter', _meta: META },
    });
    expect(cancel.status).toBe(202);
    await eventually(() => cancelled.isEnded(), 3000, 'the cancelled stream to end');
    expect((await createTask(url, key.token, 'after cancel')).status).toBe(200);
    await eventually(() => updates(other).length > 0, 3000, 'the other stream to keep delivering');
    expect(other.isEnded()).toBe(false);
    // The cancelled stream got no result after the cancel (JSON-RPC: a cancelled request is not answered).
    expect(cancelled.events.some((e) => 'result' in e || 'error' in e)).toBe(false);
  });

  it('does not let another principal cancel a stream', async () => {
    const { app, url } = await serve();
    const owner = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'owner', scopes: ['tasks:read'] });
    const stranger = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'stranger', scopes: ['tasks:read'] });
    const stream = await open(url, owner.token, 3);
    const cancel = await post(url, stranger.token, 'notifications/cancelled', {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 3, _meta: META },
    });
    expect(cancel.status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.isEnded()).toBe(false);
  });

  it('frees the slot of a cancelled stream: re-filtering 20 times under --max-streams-per-principal 3 never gets 429', async () => {
    const { app, url } = await serve({ 'max-streams-per-principal': '3' });
    const key = await createApiKey(app.store.apiKeys, { workspace: 'acme', name: 'mcp-remote', scopes: ['tasks:read'] });
    for (let id = 1; id <= 20; id++) {
      const stream = await open(url, key.token, id);
      expect(stream.status, `listen #${id}`).toBe(200);
      const cancel = await post(url, key.token, 'notifications/cancelled', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, _meta: META } });
      expect(cancel.status).toBe(202);
      await eventually(() => stream.isEnded(), 3000, `cancelled listen #${id} to end`);
    }
  });
});
