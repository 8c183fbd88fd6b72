import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { type App, createApp } from '../src/server/app.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { TOOLSETS } from '../src/toolsets/index.js';

/**
 * Test harness: a real app on a real SQLite file, and a real SDK `Client`
 * connected in process, in either protocol era:
 * - `legacy`: a 2025-era long-lived instance over the SDK's in-memory linked pair;
 * - `modern`: the 2026-07-28 stateless handler (`createMcpHandler`) called
 *   through the client's `fetch`, exactly as deployed, without a socket.
 */

export type Era = 'legacy' | 'modern';
export const ERAS: Era[] = ['legacy', 'modern'];

export function tempDir(prefix = 'taskwire-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(overrides: Record<string, string> = {}, dir?: string): Config {
  const d = dir ?? tempDir().dir;
  return loadConfig({ db: join(d, 'taskwire.db'), ...overrides }, {});
}

export interface Harness {
  app: App;
  client: Client;
  era: Era;
  close(): Promise<void>;
}

export async function connect(app: App, era: Era, clientName = 'vitest', principal = app.principal): Promise<{ client: Client; close: () => Promise<void> }> {
  if (era === 'legacy') {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = app.factory({ era: 'legacy', workspace: app.config.workspace, principal, longLived: true });
    await server.connect(serverSide);
    const client = new Client({ name: clientName, version: '1.0.0' });
    await client.connect(clientSide);
    return {
      client,
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  }
  const handler = createMcpHandler(() => app.factory({ era: 'modern', workspace: app.config.workspace, principal, longLived: false }), {
    legacy: 'reject',
  });
  const stop = app.hub.subscribe((e) => {
    for (const uri of e.uris) handler.notify.resourceUpdated(uri);
  });
  const client = new Client({ name: clientName, version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL('http://taskwire.test/mcp'), { fetch: (url, init) => handler.fetch(new Request(url, init)) }));
  return {
    client,
    close: async () => {
      stop();
      await client.close();
      await handler.close();
    },
  };
}

/** A fresh app on its own database file and a client of the given era. */
export async function harness(era: Era, overrides: Record<string, string> = {}): Promise<Harness> {
  const tmp = tempDir();
  const app = createApp(TOOLSETS, testConfig(overrides, tmp.dir), silentLogger, undefined, 'tester');
  const { client, close } = await connect(app, era);
  return {
    app,
    client,
    era,
    close: async () => {
      await close();
      await app.close();
      tmp.cleanup();
    },
  };
}

export interface CallOutcome {
  isError: boolean;
  structured: Record<string, unknown>;
  /** The error body of an `isError` result (`{code, message, retryable, ...}`). */
  error: Record<string, unknown> & { code: string; message: string };
  text: string;
}

/** Call a tool and decode either its structured content or its JSON error body. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallOutcome> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    structuredContent?: Record<string, unknown>;
    content: Array<{ type: string; text?: string }>;
  };
  const text = result.content.find((c) => c.type === 'text')?.text ?? '';
  let error = undefined as unknown as CallOutcome['error'];
  if (result.isError) {
    error = (JSON.parse(text) as { error: CallOutcome['error'] }).error;
  }
  return { isError: Boolean(result.isError), structured: result.structuredContent ?? {}, error, text };
}

/** Call and insist on success; returns the structured content. */
export async function ok<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const r = await call(client, name, args);
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.error)}`);
  return r.structured as T;
}

/**
 * `ok`, retrying what a well-behaved agent retries: results whose error is
 * `retryable` (rate_limited, unavailable), after their `retryAfterMs` (at most
 * 2 s), for at most `attempts` tries (bounded).
 */
export async function okRetrying<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}, attempts = 30): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const r = await call(client, name, args);
    if (!r.isError) return r.structured as T;
    if (r.error.retryable !== true || attempt >= attempts) throw new Error(`${name} failed after ${attempt} attempt(s): ${JSON.stringify(r.error)}`);
    const wait = typeof r.error.retryAfterMs === 'number' ? r.error.retryAfterMs : 100;
    await new Promise((done) => setTimeout(done, Math.min(wait, 2000)));
  }
}

/** Poll until `predicate` holds, for at most `ms` (bounded). */
export async function eventually(predicate: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Read a resource and return its first text content. */
export async function readText(client: Client, uri: string): Promise<string> {
  const first = (await client.readResource({ uri })).contents[0] as { text?: string } | undefined;
  if (typeof first?.text !== 'string') throw new Error(`${uri} has no text content`);
  return first.text;
}

/** A raw 2025-era `initialize` body, for tests that speak HTTP without an SDK client. */
export const RAW_INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

/** Request headers of a raw Streamable HTTP POST (spec basic/transports: both response types accepted). */
export const RAW_JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
