import { afterEach, describe, expect, it } from 'vitest';
import { compose } from '../../src/middleware/compose.js';
import { LOOP_META_KEY, loopDetect } from '../../src/middleware/loop-detect.js';
import { toolOperation } from '../../src/middleware/operation.js';
import type { ToolCall, ToolResult } from '../../src/middleware/types.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { connect, ERAS, tempDir, testConfig } from '../harness.js';

type Raw = { content: Array<{ type: string; text?: string }>; _meta?: Record<string, unknown>; isError?: boolean };

describe.each(ERAS)('loop detection (%s era)', (era) => {
  let app: App;
  let cleanup: () => void;
  afterEach(async () => {
    await app.close();
    cleanup();
  });

  it('hints after the same call returns the same result N times, in text and _meta; a change of arguments or result starts over', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    app = createApp(TOOLSETS, testConfig({ 'loop-threshold': '3' }, tmp.dir), silentLogger, undefined, 'tester');
    const a = await connect(app, era, 'agent-a', 'alice');
    const b = await connect(app, era, 'agent-b', 'bob');
    try {
      const stats = async (client = a.client, args: Record<string, unknown> = {}) => (await client.callTool({ name: 'list_tasks', arguments: args })) as Raw;
      const hinted = (r: Raw) => r._meta?.[LOOP_META_KEY] !== undefined;
      expect(hinted(await stats())).toBe(false);
      expect(hinted(await stats())).toBe(false);
      const third = await stats();
      expect(hinted(third)).toBe(true);
      expect(third._meta?.[LOOP_META_KEY]).toMatchObject({ repeats: 3, hint: expect.stringMatching(/3 times in a row/) });
      expect(third.content.at(-1)?.text).toMatch(/^Note: You have made this exact list_tasks call 3 times/);
      expect((await stats())._meta?.[LOOP_META_KEY]).toMatchObject({ repeats: 4 });
      // another principal has its own count
      expect(hinted(await stats(b.client))).toBe(false);
      // other arguments: a different call
      expect(hinted(await stats(a.client, { sort: 'id' }))).toBe(false);
      // the result changed: not a loop
      await a.client.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'new' }] } });
      expect(hinted(await stats())).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('loopDetect middleware', () => {
  const tool = { name: 'get_task', input: {}, annotations: { readOnlyHint: true } } as never;
  const op = toolOperation(tool);
  const mk = (args: unknown): ToolCall<{ p: string }> => ({ op, tool, args, ctx: { p: 'x' }, requestId: 1 });
  const result: ToolResult = { content: [{ type: 'text', text: 'same' }] };

  it('forgets repeats older than the window and is off at threshold 0; memory stays bounded', async () => {
    let t = 0;
    const run = compose([loopDetect<{ p: string }>({ threshold: 2, windowMs: 1000, principalOf: (c) => c.p, now: () => t, maxEntries: 3 })], async () => result);
    expect((await run(mk({ id: 1 })))._meta).toBeUndefined();
    t = 500;
    expect((await run(mk({ id: 1 })))._meta?.[LOOP_META_KEY]).toMatchObject({ repeats: 2 });
    t = 2000; // past the window: starts over
    expect((await run(mk({ id: 1 })))._meta).toBeUndefined();
    // fill past maxEntries: the oldest signature is forgotten
    for (const id of [2, 3, 4]) await run(mk({ id }));
    expect((await run(mk({ id: 1 })))._meta).toBeUndefined();
    const off = compose([loopDetect<{ p: string }>({ threshold: 0, windowMs: 1000, principalOf: (c) => c.p })], async () => result);
    for (let i = 0; i < 5; i++) expect((await off(mk({ id: 1 })))._meta).toBeUndefined();
  });
});
