import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createApiKey } from '../../src/auth/api-keys.js';
import type { Scope } from '../../src/auth/principal.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { tempDir, testConfig } from '../harness.js';

/** Taskwire serving HTTP on a loopback port (the board at `/`), on its own SQLite file. */
export interface BoardServed {
  app: App;
  http: HttpServing;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** A real SDK client over HTTP (2026 era), as an agent connects. */
  agent(token?: string): Promise<Client>;
  apiKey(scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

export async function serveBoard(overrides: Record<string, string> = {}, principal = 'ana'): Promise<BoardServed> {
  const tmp = tempDir('taskwire-board-');
  const app = createApp(TOOLSETS, testConfig({ port: '0', ...overrides }, tmp.dir), silentLogger, undefined, principal);
  const http = await serveHttp(app);
  const clients: Client[] = [];
  return {
    app,
    http,
    origin: new URL(http.url).origin,
    agent: async (token) => {
      const client = new Client({ name: 'agent-under-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers } }));
      clients.push(client);
      return client;
    },
    apiKey: async (scopes) => (await createApiKey(app.store.apiKeys, { workspace: app.config.workspace, name: 'board-test', scopes })).token,
    close: async () => {
      await Promise.allSettled(clients.map((c) => c.close()));
      await http.close();
      await app.close();
      tmp.cleanup();
    },
  };
}
