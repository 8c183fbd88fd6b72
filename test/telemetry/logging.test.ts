import { Writable } from 'node:stream';
import { LOG_LEVEL_META_KEY } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { call, connect, harness, ok, tempDir, testConfig } from '../harness.js';

/** A pino destination that keeps every JSON line. */
function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('call log on stderr', () => {
  it('one JSON line per tool call with request id, principal, workspace, tool, duration and outcome, never the arguments', async () => {
    const tmp = tempDir();
    const out = capture();
    const app = createApp(TOOLSETS, testConfig({}, tmp.dir), createLogger('info', out.stream), undefined, 'ana');
    const { client, close } = await connect(app, 'legacy');
    try {
      await ok(client, 'create_tasks', { tasks: [{ title: 'secret plan' }] });
      await call(client, 'get_task', { id: 77 });
      const calls = out.lines().filter((l) => l.msg === 'tools/call');
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatchObject({ level: 30, tool: 'create_tasks', principal: 'ana', workspace: 'local', outcome: 'ok' });
      expect(calls[1]).toMatchObject({ tool: 'get_task', outcome: 'not_found' });
      expect(calls[1]?.requestId).toBeDefined();
      expect(typeof calls[1]?.ms).toBe('number');
      expect(JSON.stringify(calls)).not.toContain('secret plan');
    } finally {
      await close();
      await app.close();
      tmp.cleanup();
    }
  });

  it('redacts credentials wherever they are logged', () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    logger.info(
      {
        headers: { authorization: 'Bearer sk-live-1' },
        token: 'tok-2',
        db: { connectionString: 'postgres://u:pw-3@h/db', password: 'pw-4' },
        auth: { access_token: 'at-5' },
      },
      'x',
    );
    const text = JSON.stringify(out.lines());
    for (const secret of ['sk-live-1', 'tok-2', 'pw-3', 'pw-4', 'at-5']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});

describe('notifications/message to the client', () => {
  it('2025 era: nothing unasked; after logging/setLevel, one request-scoped message per call at or above the level', async () => {
    const h = await harness('legacy');
    const got: Array<{ level: string; data: Record<string, unknown> }> = [];
    h.client.setNotificationHandler('notifications/message', async (n) => {
      got.push(n.params as { level: string; data: Record<string, unknown> });
    });
    try {
      await call(h.client, 'get_task', { id: 404 });
      expect(got).toEqual([]);

      await h.client.setLoggingLevel('warning');
      await ok(h.client, 'list_tasks', {}); // info: below the level
      await call(h.client, 'get_task', { id: 404 }); // warning
      expect(got).toHaveLength(1);
      expect(got[0]?.level).toBe('warning');
      expect(got[0]?.data).toMatchObject({ tool: 'get_task', outcome: 'not_found', principal: 'tester' });
      expect(String(got[0]?.data.message)).toMatch(/^get_task: not_found in [\d.]+ ms$/);

      await h.client.setLoggingLevel('info');
      await ok(h.client, 'list_tasks', {});
      expect(got.map((m) => m.level)).toEqual(['warning', 'info']);
    } finally {
      await h.close();
    }
  });

  it('2026 era: the logLevel envelope key of one request asks for that request only', async () => {
    const h = await harness('modern');
    const got: Array<{ level: string; data: Record<string, unknown> }> = [];
    h.client.setNotificationHandler('notifications/message', async (n) => {
      got.push(n.params as { level: string; data: Record<string, unknown> });
    });
    try {
      await h.client.callTool({ name: 'get_task', arguments: { id: 404 } });
      expect(got).toEqual([]);
      await h.client.callTool({ name: 'list_tasks', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'warning' } });
      await h.client.callTool({ name: 'get_task', arguments: { id: 404 }, _meta: { [LOG_LEVEL_META_KEY]: 'warning' } });
      expect(got.map((m) => [m.level, m.data.tool])).toEqual([['warning', 'get_task']]);
    } finally {
      await h.close();
    }
  });
});
