import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, ok, tempDir } from '../harness.js';
import { assertBuilt, CLI, startStdio } from './cli-process.js';

/** The built CLI over stdio, as a client spawns it, in both protocol eras. */
describe('stdio end to end (built CLI)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'stdio.db');
  beforeAll(() => assertBuilt());
  afterAll(() => tmp.cleanup());

  const connect = async (mode: 'legacy' | 'auto', name: string) => {
    const client = new Client({ name, version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, '--db', db], stderr: 'ignore' }));
    return client;
  };

  it('serves a 2025-era client, and the data survives a restart for a 2026-era client', async () => {
    const legacy = await connect('legacy', 'claude-code');
    expect(legacy.getProtocolEra()).toBe('legacy');
    expect(legacy.getServerVersion()?.name).toBe('taskwire');
    expect(legacy.getInstructions()).toContain('next_task');
    const { created } = await ok<{ created: Array<{ id: number }> }>(legacy, 'create_tasks', {
      tasks: [
        { ref: 'x', title: 'Persist me' },
        { title: 'And me', depends_on: ['x'] },
      ],
    });
    expect(created.map((c) => c.id)).toEqual([1, 2]);
    await legacy.close();

    const modern = await connect('auto', 'cursor');
    expect(modern.getProtocolEra()).toBe('modern');
    const listed = await ok<{ tasks: Array<{ title: string }>; total: number }>(modern, 'list_tasks', { sort: 'id' });
    expect(listed.tasks.map((t) => t.title)).toEqual(['Persist me', 'And me']);
    const done = await ok<{ unblocked: Array<{ id: number }> }>(modern, 'complete_task', { id: 1 });
    expect(done.unblocked.map((t) => t.id)).toEqual([2]);
    const detail = await ok<{ task: { updated_by: { client: string } } }>(modern, 'get_task', { id: 1 });
    expect(detail.task.updated_by.client).toBe('cursor');
    const bad = await call(modern, 'update_task', { id: 1, title: '' });
    expect(bad.error.code).toBe('invalid_input');
    await modern.close();
  });

  it('writes nothing but JSON-RPC to stdout, logs to stderr, and survives garbage input', async () => {
    const { send, stdout, stderr, end } = startStdio(['--db', db, '--log-level', 'debug']);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send('this is not json {');
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_task', arguments: { id: 'nope' } } });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    const deadline = Date.now() + 10_000;
    while (!stdout().includes('"id":3') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await end();
    const lines = stdout().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const msg = JSON.parse(line);
      expect(msg.jsonrpc).toBe('2.0');
    }
    const byId = new Map(
      lines
        .map((l) => JSON.parse(l))
        .filter((m) => 'id' in m)
        .map((m) => [m.id, m]),
    );
    expect(byId.get(2).result.isError).toBe(true);
    expect(JSON.parse(byId.get(2).result.content[0].text).error.code).toBe('invalid_input');
    expect(byId.get(3).result.tools).toHaveLength(16);
    expect(stderr()).toContain('taskwire serving over stdio');
    expect(stderr()).toContain('"tool":"get_task"'); // the debug call log went to stderr
  });
});
