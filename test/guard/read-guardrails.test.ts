import { afterEach, describe, expect, it } from 'vitest';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { connect, ERAS, tempDir, testConfig } from '../harness.js';

/**
 * resources/read, prompts/get and completion/complete run through the same
 * onion as tools/call (src/middleware/pipeline.ts): per-principal rate
 * limits, time limits and (reads and prompts) audit rows, through real SDK
 * clients in both protocol eras. Their refusals arrive as JSON-RPC errors
 * whose `data` is the structured error body.
 */
describe.each(ERAS)('guardrails on reads, prompts and completions (%s era)', (era) => {
  let app: App;
  let cleanup: () => void;
  const events: GuardrailEvent[] = [];
  const open = (overrides: Record<string, string>) => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    events.length = 0;
    app = createApp(TOOLSETS, testConfig({ 'loop-threshold': '0', ...overrides }, tmp.dir), silentLogger, undefined, 'tester', { onGuardrail: (e) => events.push(e) });
  };
  afterEach(async () => {
    await app.close();
    cleanup();
  });

  it('spends the read budget of the principal: the flooder is refused rate_limited, another principal is not', async () => {
    open({ 'rate-limit-reads': '4' });
    const flood = await connect(app, era, 'flooder', 'mallory');
    const calm = await connect(app, era, 'calm', 'alice');
    try {
      await flood.client.readResource({ uri: 'tasks://board' });
      await flood.client.getPrompt({ name: 'review_tasks', arguments: {} });
      await flood.client.complete({ ref: { type: 'ref/resource', uri: 'tasks://{id}' }, argument: { name: 'id', value: '' } });
      await flood.client.readResource({ uri: 'tasks://stats' });
      const read = await flood.client.readResource({ uri: 'tasks://board' }).catch((e: unknown) => e);
      expect(read).toMatchObject({ code: -32603, message: expect.stringMatching(/Rate limit/), data: { code: 'rate_limited', retryable: true } });
      expect((read as { data: { retryAfterMs: number } }).data.retryAfterMs).toBeGreaterThan(0);
      const prompt = await flood.client.getPrompt({ name: 'review_tasks', arguments: {} }).catch((e: unknown) => e);
      expect(prompt).toMatchObject({ data: { code: 'rate_limited' } });
      const complete = await flood.client.complete({ ref: { type: 'ref/resource', uri: 'tasks://{id}' }, argument: { name: 'id', value: '' } }).catch((e: unknown) => e);
      expect(complete).toMatchObject({ data: { code: 'rate_limited' } });
      expect(events).toContainEqual(expect.objectContaining({ type: 'rate_limited', tool: 'resources/read tasks://board', principal: 'mallory', limit: 'read' }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'rate_limited', tool: 'prompts/get review_tasks', principal: 'mallory' }));
      // alice's budget is her own
      expect((await calm.client.readResource({ uri: 'tasks://board' })).contents).toHaveLength(1);
    } finally {
      await flood.close();
      await calm.close();
    }
  });

  it('cuts a slow read and a slow prompt at the time limit with a structured timeout, then serves again', async () => {
    open({ 'tool-timeout-ms': '200' });
    const { client, close } = await connect(app, era);
    try {
      let release = () => {};
      const held = app.store.read(() => new Promise<void>((resolve) => (release = resolve)));
      const started = Date.now();
      const read = await client.readResource({ uri: 'tasks://board' }).catch((e: unknown) => e);
      expect(read).toMatchObject({
        message: expect.stringMatching(/resources\/read tasks:\/\/board took longer than its 200 ms limit/),
        data: { code: 'timeout', retryable: true },
      });
      const prompt = await client.getPrompt({ name: 'review_tasks', arguments: {} }).catch((e: unknown) => e);
      expect(prompt).toMatchObject({ data: { code: 'timeout' } });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(events).toContainEqual({ type: 'timeout', tool: 'resources/read tasks://board', timeoutMs: 200 });
      expect(events).toContainEqual({ type: 'timeout', tool: 'prompts/get review_tasks', timeoutMs: 200 });
      release();
      await held;
      expect((await client.readResource({ uri: 'tasks://board' })).contents).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('writes an audit row per read and prompt get (template and prompt name as the tool, arguments hashed), none per completion', async () => {
    open({});
    const { client, close } = await connect(app, era);
    try {
      await client.readResource({ uri: 'tasks://board' });
      await client.readResource({ uri: 'tasks://77' }).catch(() => undefined); // a miss: recorded as not_found
      await client.getPrompt({ name: 'plan_project', arguments: { goal: 'Launch' } });
      await client.getPrompt({ name: 'plan_project', arguments: {} }).catch(() => undefined); // invalid input: recorded too
      await client.complete({ ref: { type: 'ref/prompt', name: 'daily_standup' }, argument: { name: 'assignee', value: 'a' } });
      await app.audit?.flush();
      const rows = await app.store.audit.query({ workspace: app.config.workspace, limit: 10 });
      expect(rows.map((r) => [r.tool, r.outcome])).toEqual([
        ['prompts/get plan_project', 'invalid_input'],
        ['prompts/get plan_project', 'ok'],
        ['resources/read tasks://{id}', 'not_found'],
        ['resources/read tasks://board', 'ok'],
      ]);
      for (const row of rows) {
        expect(row).toMatchObject({ principal: 'tester', client_name: 'vitest', args: null });
        expect(row.args_hash).toMatch(/^[0-9a-f]{64}$/);
        expect(row.duration_ms).toBeGreaterThan(0);
      }
      expect(rows[0]?.args_hash).not.toBe(rows[1]?.args_hash);
    } finally {
      await close();
    }
  });
});
