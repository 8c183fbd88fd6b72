import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pino from 'pino';
import { createApiKey } from '../../src/auth/api-keys.js';
import type { Scope } from '../../src/auth/principal.js';
import { type App, createApp } from '../../src/server/app.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { tempDir, testConfig } from '../harness.js';
import { startAuthorizationServer, type TestAuthorizationServer } from './authorization-server.js';

/** The canonical URI tests give Taskwire (as behind TLS termination); clients still connect to 127.0.0.1. */
export const PUBLIC_URL = 'https://tasks.test/mcp';
export const METADATA_URL = 'https://tasks.test/.well-known/oauth-protected-resource/mcp';

export interface AuthServed {
  as: TestAuthorizationServer;
  app: App;
  http: HttpServing;
  /** Every log line the server wrote (trace level). */
  logs: string[];
  /** Create an API key; its secret is recorded in `as.issued` too. */
  apiKey(workspace: string, scopes: Scope[], ttlMs?: number): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

/** A real authorization server and Taskwire serving HTTP on loopback with `--auth api-key,oauth`. */
export async function serveWithAuth(workspaces: string[], overrides: Record<string, string> = {}): Promise<AuthServed> {
  const as = await startAuthorizationServer({ audience: PUBLIC_URL, workspaces });
  const tmp = tempDir();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'trace', redact: { paths: ['authorization', 'headers.authorization', '*.token', '*.secret'], censor: '[redacted]' } }, sink);
  const config = testConfig(
    { port: '0', auth: 'api-key,oauth', 'public-url': PUBLIC_URL, issuer: as.issuer, 'workspace-claim': 'org_id', 'log-level': 'trace', ...overrides },
    tmp.dir,
  );
  const app = createApp(TOOLSETS, config, logger, undefined, 'nobody');
  const http = await serveHttp(app);
  return {
    as,
    app,
    http,
    logs,
    apiKey: async (workspace, scopes, ttlMs) => {
      const { record, token } = await createApiKey(app.store.apiKeys, { workspace, name: 'test', scopes, ...(ttlMs ? { ttlMs } : {}) });
      as.issued.push(token);
      return { id: record.id, token };
    },
    close: async () => {
      await http.close();
      await app.close();
      await as.close();
      tmp.cleanup();
    },
  };
}

export interface Exchange {
  status: number;
  wwwAuthenticate: string | null;
  body: string;
}

/**
 * A real SDK client whose bearer token can change between calls (`setToken`),
 * recording every HTTP exchange, so one connected client can replay a call
 * with a bad token.
 */
export async function bearerClient(url: string, token: string, era: 'legacy' | 'modern' = 'modern', name = 'auth-test') {
  let current: string | undefined = token;
  const exchanges: Exchange[] = [];
  const fetchWithToken = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    if (current === undefined) headers.delete('authorization');
    else headers.set('authorization', current.startsWith('Basic ') ? current : `Bearer ${current}`);
    const res = await fetch(input, { ...init, headers });
    // Only error bodies are read (a clone of a live SSE stream would keep it open).
    const body = res.status >= 400 ? await res.clone().text() : '';
    exchanges.push({ status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body });
    return res;
  };
  const client = new Client({ name, version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: fetchWithToken as typeof fetch });
  await client.connect(transport);
  return {
    client,
    /** End the 2025 session (DELETE, with the original token) and close: frees the principal's session slot. */
    close: async () => {
      current = token;
      if (transport.sessionId) await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
    exchanges,
    setToken: (t: string | undefined) => {
      current = t;
    },
    last: () => exchanges[exchanges.length - 1] as Exchange,
  };
}
