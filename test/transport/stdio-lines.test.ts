import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { MAX_MESSAGE_DEPTH } from '../../src/transport/message-limits.js';
import { serveOverStdio } from '../../src/transport/stdio.js';
import { assertBuilt, CLI } from '../e2e/cli-process.js';
import { tempDir, testConfig } from '../harness.js';

type Message = { jsonrpc: string; id?: string | number | null; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A stdio peer over in-process pipes: every stdout line is parsed (a line that is not JSON-RPC fails the test). */
function pipes() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const messages: Message[] = [];
  let rest = '';
  stdout.on('data', (chunk) => {
    rest += chunk;
    let cut = rest.indexOf('\n');
    while (cut !== -1) {
      const line = rest.slice(0, cut);
      rest = rest.slice(cut + 1);
      const parsed = JSON.parse(line) as Message;
      expect(parsed.jsonrpc).toBe('2.0');
      messages.push(parsed);
      cut = rest.indexOf('\n');
    }
  });
  const send = (msg: unknown) => stdin.write(`${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`);
  const waitFor = async (predicate: (m: Message) => boolean, what: string, ms = 5000): Promise<Message> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no answer ${what} within ${ms} ms; got ${JSON.stringify(messages).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { stdin, stdout, messages, send, waitFor };
}

describe('stdio line transport (in process, both eras)', () => {
  const tmp = tempDir();
  const app = createApp(TOOLSETS, testConfig({}, tmp.dir), silentLogger);
  afterAll(async () => {
    await app.close();
    tmp.cleanup();
  });

  it('2025 era: answers an over-long line with -32600 id null, skips it, and keeps serving', async () => {
    const io = pipes();
    const handle = serveOverStdio(app, { stdin: io.stdin, stdout: io.stdout, maxLineBytes: 64 * 1024 });
    io.send(INITIALIZE);
    await io.waitFor((m) => m.id === 1, 'to initialize');
    io.send(INITIALIZED);
    // 200 KB in several chunks, then the newline: never buffered past the limit, answered once.
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', arguments: { s: 'y'.repeat(200_000) } } });
    for (let i = 0; i < huge.length; i += 16_384) io.stdin.write(huge.slice(i, i + 16_384));
    io.stdin.write('\n');
    io.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
    const refused = await io.waitFor((m) => m.id === null && m.error?.code === -32600, 'to the long line');
    expect(refused.error?.data).toEqual({ limit: 'max_bytes', max: 64 * 1024 });
    expect((await io.waitFor((m) => m.id === 3, 'to the ping after it')).result).toEqual({});
    expect(io.messages.filter((m) => m.id === 2)).toEqual([]);
    expect(io.messages.filter((m) => m.id === null)).toHaveLength(1);
    await handle.close();
  });

  it('2025 era: -32602 for non-object params, -32600 for too deep, a batch or a bad id or version, -32700 for non-JSON; each with the id JSON-RPC prescribes', async () => {
    const io = pipes();
    const handle = serveOverStdio(app, { stdin: io.stdin, stdout: io.stdout });
    io.send(INITIALIZE);
    await io.waitFor((m) => m.id === 1, 'to initialize');
    io.send(INITIALIZED);
    io.send({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: 5 });
    io.send({ jsonrpc: '2.0', id: 6, method: 'tools/list', params: [1] });
    let deep: unknown = 1;
    for (let i = 0; i < 4100; i++) deep = [deep];
    io.send({ jsonrpc: '2.0', id: 7, method: 'ping', params: { deep } });
    io.send('{"jsonrpc": "2.0", "id": 8, "method": ');
    io.send([{ jsonrpc: '2.0', id: 9, method: 'ping' }]);
    io.send({ jsonrpc: '2.0', id: 1.5, method: 'ping' });
    io.send({ jsonrpc: '1.0', id: 11, method: 'ping' });
    io.send({ jsonrpc: '2.0', id: 12, method: 'tools/list', params: { _meta: 5 } });
    io.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: 5 });
    io.send({ jsonrpc: '2.0', id: 10, method: 'tools/list' });
    await io.waitFor((m) => m.id === 10, 'to the last request');
    expect(io.messages.find((m) => m.id === 5)?.error?.code).toBe(-32602);
    expect(io.messages.find((m) => m.id === 6)?.error?.code).toBe(-32602);
    expect(io.messages.find((m) => m.id === 11)?.error?.code).toBe(-32600);
    expect(io.messages.find((m) => m.id === 12)?.error?.code).toBe(-32602);
    // Too deep, not JSON, a batch, a fractional id; the malformed notification is not answered.
    const nulls = io.messages.filter((m) => m.id === null).map((m) => m.error?.code);
    expect(nulls).toEqual([-32600, -32700, -32600, -32600]);
    expect(io.messages.find((m) => m.id === null && m.error?.code === -32600)?.error?.data).toEqual({ limit: 'max_depth', max: MAX_MESSAGE_DEPTH });
    expect(io.messages.find((m) => m.id === 10)?.result?.tools).toBeInstanceOf(Array);
    await handle.close();
  });

  it('2026 era: the same refusals on a stateless connection, which keeps serving', async () => {
    const io = pipes();
    const handle = serveOverStdio(app, { stdin: io.stdin, stdout: io.stdout, maxLineBytes: 64 * 1024 });
    io.send({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: META } });
    expect((await io.waitFor((m) => m.id === 1, 'to server/discover')).result).toBeDefined();
    io.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: META, pad: 'z'.repeat(100_000) } });
    io.send({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: 5 });
    io.send({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: META } });
    await io.waitFor((m) => m.id === 4, 'to tools/list');
    expect(io.messages.find((m) => m.id === null)?.error?.code).toBe(-32600);
    expect(io.messages.find((m) => m.id === 3)?.error?.code).toBe(-32602);
    expect(io.messages.filter((m) => m.id === 2)).toEqual([]);
    await handle.close();
  });
});

describe('stdio end to end: the built CLI survives a line over 10 MiB (issue 13 item 3)', () => {
  const tmp = tempDir();
  beforeAll(() => assertBuilt());
  afterAll(() => tmp.cleanup());

  it('answers the 11 MiB line with an error, then answers later requests; stdout stays JSON-RPC', async () => {
    const child = spawn(process.execPath, [CLI, '--db', join(tmp.dir, 'big.db')], { stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const send = (msg: unknown) => child.stdin.write(`${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`);
    const lines = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Message);
    const waitFor = async (id: number | null, ms = 15_000) => {
      const deadline = Date.now() + ms;
      while (!lines().some((m) => m.id === id)) {
        if (Date.now() > deadline) throw new Error(`no answer for id ${id}: ${stdout.slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return lines().find((m) => m.id === id) as Message;
    };
    try {
      send(INITIALIZE);
      await waitFor(1);
      send(INITIALIZED);
      send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'create_tasks', arguments: { tasks: [{ title: 'x'.repeat(11 * 1024 * 1024) }] } } });
      send({ jsonrpc: '2.0', id: 3, method: 'ping' });
      send({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: 5 });
      expect((await waitFor(3)).result).toEqual({});
      expect((await waitFor(null)).error?.code).toBe(-32600);
      expect((await waitFor(5)).error?.code).toBe(-32602);
      for (const m of lines()) expect(m.jsonrpc).toBe('2.0');
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    }
  }, 30_000);
});
