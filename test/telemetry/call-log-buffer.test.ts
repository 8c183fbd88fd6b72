import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStdio } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';

/** JSON lines of a process's stderr so far. */
const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the buffered call log on stderr (the CLI, as users run it)', () => {
  it('writes a call line within its flush interval while the server idles, in order after the process lines, and all of it on exit', async () => {
    const tmp = tempDir();
    const { child, send, stdout, stderr, end } = startStdio(['--db', join(tmp.dir, 'log.db'), '--log-level', 'info']);
    const until = async (what: string, test: () => boolean, ms = 10_000) => {
      const deadline = Date.now() + ms;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${stderr()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
      await until('initialize', () => stdout().includes('"id":1'));
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_tasks', arguments: {} } });
      await until('the list_tasks answer', () => stdout().includes('"id":2'));
      // Idle after the call: its line arrives once the flush interval (250 ms) passes, not only at exit.
      await until('the call line', () => jsonLines(stderr()).some((l) => l.msg === 'tools/call'), 5_000);
      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_task', arguments: { id: 999 } } });
      await until('the get_task answer', () => stdout().includes('"id":3'));
      await end();
      const lines = jsonLines(stderr());
      const serving = lines.findIndex((l) => l.msg === 'taskwire serving over stdio');
      const calls = lines.filter((l) => l.msg === 'tools/call');
      expect(serving).toBeGreaterThanOrEqual(0);
      expect(lines.findIndex((l) => l.msg === 'tools/call')).toBeGreaterThan(serving);
      expect(calls.map((l) => [l.tool, l.outcome])).toEqual([
        ['list_tasks', 'ok'],
        ['get_task', 'not_found'],
      ]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      tmp.cleanup();
    }
  }, 30_000);
});
