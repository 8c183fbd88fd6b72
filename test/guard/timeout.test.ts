import { afterEach, describe, expect, it } from 'vitest';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { compose } from '../../src/middleware/compose.js';
import { toolOperation } from '../../src/middleware/operation.js';
import { timeout } from '../../src/middleware/timeout.js';
import type { ToolCall, ToolResult } from '../../src/middleware/types.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { ToolError } from '../../src/toolkit/errors.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { call, connect, ERAS, eventually, ok, tempDir, testConfig } from '../harness.js';

/**
 * Timeouts and cancellation through real SDK clients. A call is kept in
 * flight by holding the store's write (or read) lock from the test; the
 * timed-out or cancelled write then reaches the database after the abort
 * and must roll back whole.
 */
describe.each(ERAS)('timeouts and cancellation (%s era)', (era) => {
  let app: App;
  let cleanup: () => void;
  const events: GuardrailEvent[] = [];
  const open = (overrides: Record<string, string>) => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    events.length = 0;
    app = createApp(TOOLSETS, testConfig({ 'loop-threshold': '0', ...overrides }, tmp.dir), silentLogger, undefined, 'tester', { onGuardrail: (e) => events.push(e) });
  };
  const holdWrites = () => {
    let release = () => {};
    const held = app.store.write(() => new Promise<void>((resolve) => (release = resolve)));
    return async () => {
      release();
      await held;
    };
  };
  afterEach(async () => {
    await app.close();
    cleanup();
  });

  it('answers a slow write with a structured timeout (per-tool limit) and rolls it back', async () => {
    open({ 'tool-timeout-ms': '60000', 'tool-timeouts': 'create_tasks=300' });
    const { client, close } = await connect(app, era);
    try {
      const release = holdWrites();
      const started = Date.now();
      const r = await call(client, 'create_tasks', { tasks: [{ title: 'never' }, { title: 'written' }] });
      expect(r.isError).toBe(true);
      expect(r.error.code).toBe('timeout');
      expect(r.error.retryable).toBe(true);
      expect(r.error.message).toMatch(/300 ms/);
      expect(Date.now() - started).toBeLessThan(5000);
      await release(); // the aborted write now runs, sees the abort before COMMIT, rolls back
      await new Promise((resolve) => setTimeout(resolve, 100));
      const list = await ok<{ total: number }>(client, 'list_tasks', { status: ['todo', 'done'] });
      expect(list.total).toBe(0);
      expect(events).toContainEqual({ type: 'timeout', tool: 'create_tasks', timeoutMs: 300 });
      // other tools keep the default limit
      expect((await call(client, 'create_tasks', { tasks: [{ title: 'fine' }] })).isError).toBe(false);
    } finally {
      await close();
    }
  });

  it('times out a slow read too', async () => {
    open({ 'tool-timeout-ms': '200' });
    const { client, close } = await connect(app, era);
    try {
      let release = () => {};
      const held = app.store.read(() => new Promise<void>((resolve) => (release = resolve)));
      const r = await call(client, 'list_tasks');
      expect(r.error?.code).toBe('timeout');
      release();
      await held;
      expect((await call(client, 'list_tasks')).isError).toBe(false);
    } finally {
      await close();
    }
  });

  it('rolls back a write the client cancelled (notifications/cancelled)', async () => {
    open({});
    const { client, close } = await connect(app, era);
    try {
      const release = holdWrites();
      const controller = new AbortController();
      const pending = client.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'cancelled' }] } }, { signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort('user pressed stop');
      await expect(pending).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await release();
      // the server-side handler settles (rolled back) and frees its concurrency slot
      await eventually(() => app.guard.gate.load.running === 0, 3000, 'the cancelled call to finish');
      const list = await ok<{ total: number }>(client, 'list_tasks');
      expect(list.total).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('timeout middleware', () => {
  type Sig = { signal: AbortSignal };
  const tool = { name: 'slow', input: {}, annotations: { readOnlyHint: false } } as never;
  const mk = (): ToolCall<Sig> => ({ op: toolOperation(tool), tool, args: {}, ctx: { signal: new AbortController().signal }, requestId: 1 });
  const wrap = (options: Parameters<typeof timeout<Sig>>[0], handler: (call: ToolCall<Sig>) => Promise<ToolResult>) =>
    compose<ToolCall<Sig>, ToolResult>([timeout<Sig>(options)], handler);
  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps the result of a handler that completes within the grace after its deadline, and aborts its signal', async () => {
    let seen: AbortSignal | undefined;
    const run = wrap({ defaultMs: 50, graceMs: 500 }, async (call) => {
      seen = call.ctx.signal;
      await delay(120); // ignores the abort: it "committed" just before seeing it
      return { content: [{ type: 'text', text: 'done' }] };
    });
    expect((await run(mk())).content[0]).toEqual({ type: 'text', text: 'done' });
    expect(seen?.aborted).toBe(true);
    expect((seen?.reason as ToolError | undefined)?.code).toBe('timeout');
  });

  it('answers timeout when the handler is still running after the grace, or fails after the abort', async () => {
    const stuck = wrap({ defaultMs: 30, graceMs: 30 }, async () => {
      await delay(300);
      return { content: [] };
    });
    await expect(stuck(mk())).rejects.toMatchObject({ code: 'timeout', retryAfterMs: 1000 });
    const rolledBack = wrap({ defaultMs: 30 }, async (call) => {
      await new Promise((_, reject) => call.ctx.signal.addEventListener('abort', () => reject(call.ctx.signal.reason)));
      return { content: [] };
    });
    await expect(rolledBack(mk())).rejects.toMatchObject({ code: 'timeout' });
  });

  it('forwards the client cancellation to the handler signal', async () => {
    const client = new AbortController();
    const run = wrap({ defaultMs: 10_000 }, async (call) => {
      setTimeout(() => client.abort('user'), 10);
      await new Promise((_, reject) => call.ctx.signal.addEventListener('abort', () => reject(new Error(`aborted: ${call.ctx.signal.reason}`))));
      return { content: [] };
    });
    await expect(run({ ...mk(), ctx: { signal: client.signal } })).rejects.toThrow('aborted: user');
  });
});
