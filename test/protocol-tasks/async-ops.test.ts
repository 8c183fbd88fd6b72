import { createMcpHandler } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { tempDir, testConfig } from '../harness.js';
import { type Fetch, rpc, settle, WITH_TASKS } from './rpc.js';

/**
 * The MCP Tasks extension (`io.modelcontextprotocol/tasks`, async operations)
 * on export_tasks / import_tasks, through the real 2026 stateless handler (a
 * fresh server instance per request): operation state lives in the app.
 */

const URL_ = 'http://taskwire.test/mcp';
let app: App;
let fetch: Fetch;
let closeAll: () => Promise<void>;

beforeAll(async () => {
  const tmp = tempDir();
  app = createApp(TOOLSETS, testConfig({}, tmp.dir), silentLogger, undefined, 'tester');
  const handler = createMcpHandler(() => app.factory({ era: 'modern', workspace: app.config.workspace, principal: 'tester', longLived: false }), {
    legacy: 'reject',
  });
  fetch = (request) => handler.fetch(request);
  closeAll = async () => {
    await handler.close();
    await app.close();
    tmp.cleanup();
  };
  const csv = ['title,priority', ...Array.from({ length: 30 }, (_, i) => `seed ${i},${i % 2 ? 'high' : 'low'}`)].join('\n');
  const seeded = await rpc(fetch, URL_, 'tools/call', { name: 'import_tasks', arguments: { format: 'csv', data: csv } }, { capabilities: {} });
  expect(seeded.result?.isError).toBeFalsy();
});
afterAll(async () => closeAll?.());

const countAll = () =>
  app.store
    .read((r) => r.listTasks(app.config.workspace, { sort: 'id', order: 'asc', offset: 0, limit: 1, status: ['todo', 'in_progress', 'blocked', 'done', 'cancelled'] }))
    .then((page) => page.total);

const resourceOf = (result: Record<string, unknown>) =>
  (result.content as Array<{ type: string; resource?: { mimeType: string; text: string } }>).find((c) => c.type === 'resource')?.resource;

describe('export_tasks as an async operation', () => {
  it('returns a task handle, polls to completed, and the result equals the in-call export', async () => {
    const created = await rpc(fetch, URL_, 'tools/call', { name: 'export_tasks', arguments: { format: 'csv' } });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
    expect(created.result).not.toHaveProperty('content');
    const taskId = created.result?.taskId as string;
    expect(taskId).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 random bits
    expect(Number.isInteger(created.result?.ttlMs)).toBe(true);
    expect(Number.isInteger(created.result?.pollIntervalMs)).toBe(true);

    const done = await settle(fetch, URL_, taskId);
    expect(done.status).toBe('completed');
    expect(done.resultType).toBe('complete');
    expect(done.statusMessage).toBe('exported 30 of 30'); // progress, recorded on the operation
    const asyncResult = done.result as Record<string, unknown>;

    const inCall = await rpc(fetch, URL_, 'tools/call', { name: 'export_tasks', arguments: { format: 'csv' } }, { capabilities: {} });
    expect(inCall.result?.resultType).toBe('complete');
    expect(inCall.result).not.toHaveProperty('taskId');
    expect((inCall.result?.structuredContent as { count: number } | undefined)?.count).toBe(30);
    expect((asyncResult.structuredContent as { count: number }).count).toBe(30);
    expect(resourceOf(asyncResult)?.text).toBe(resourceOf(inCall.result as Record<string, unknown>)?.text);
    expect(resourceOf(asyncResult)?.mimeType).toBe('text/csv');
  });

  it('a tool without task support answers in-call even when the client declares the extension', async () => {
    const reply = await rpc(fetch, URL_, 'tools/call', { name: 'get_task_stats', arguments: {} });
    expect(reply.result?.resultType).toBe('complete');
    expect(reply.result).not.toHaveProperty('taskId');
  });

  it('tool errors complete the operation with isError (bad input names the field)', async () => {
    const created = await rpc(fetch, URL_, 'tools/call', { name: 'import_tasks', arguments: { format: 'csv', data: 'title,due_date\nok,2026-02-30' } });
    const done = await settle(fetch, URL_, created.result?.taskId as string);
    expect(done.status).toBe('completed');
    const result = done.result as { isError: boolean; content: Array<{ text: string }> };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain('row 1.due_date');
  });
});

describe('import_tasks as an async operation', () => {
  it('cancelled while waiting for the database: nothing is written, status cancelled', async () => {
    const before = await countAll();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // Hold the write lock so the import is provably still running when the cancel arrives.
    const held = app.store.write(async () => gate);
    const csv = ['title', ...Array.from({ length: 200 }, (_, i) => `cancel me ${i}`)].join('\n');
    const created = await rpc(fetch, URL_, 'tools/call', { name: 'import_tasks', arguments: { format: 'csv', data: csv } });
    const taskId = created.result?.taskId as string;
    expect(created.result?.resultType).toBe('task');
    const ack = await rpc(fetch, URL_, 'tasks/cancel', { taskId });
    expect(ack.result).toMatchObject({ resultType: 'complete' });
    expect(ack.result).not.toHaveProperty('status');
    release();
    await held;
    const done = await settle(fetch, URL_, taskId);
    expect(done.status).toBe('cancelled');
    expect(done).not.toHaveProperty('result');
    const search = await rpc(fetch, URL_, 'tools/call', { name: 'search_tasks', arguments: { query: 'cancel' } }, { capabilities: {} });
    expect((search.result?.structuredContent as { total: number } | undefined)?.total).toBe(0);
    const after = await countAll();
    expect(after).toBe(before);
    // Cancelling a terminal operation is an idempotent ack.
    expect((await rpc(fetch, URL_, 'tasks/cancel', { taskId })).result).toMatchObject({ resultType: 'complete' });
  });

  it('completes and writes every row when not cancelled', async () => {
    const created = await rpc(fetch, URL_, 'tools/call', {
      name: 'import_tasks',
      arguments: { format: 'markdown', data: '- [ ] async parent\n  - [ ] async child\n- [x] async done' },
    });
    const done = await settle(fetch, URL_, created.result?.taskId as string);
    expect(done.status).toBe('completed');
    expect(((done.result as Record<string, unknown>).structuredContent as { imported: number }).imported).toBe(3);
  });
});

describe('protocol errors', () => {
  it('unknown ids answer -32602 on tasks/get, tasks/update and tasks/cancel', async () => {
    for (const [method, extra] of [
      ['tasks/get', {}],
      ['tasks/cancel', {}],
      ['tasks/update', { inputResponses: {} }],
    ] as const) {
      const reply = await rpc(fetch, URL_, method, { taskId: 'AAAAAAAAAAAAAAAAAAAAAA', ...extra });
      expect(reply.error?.code, method).toBe(-32602);
    }
  });

  it('without the extension declared, tasks methods answer -32021 naming it, and tools run in-call', async () => {
    const reply = await rpc(fetch, URL_, 'tasks/get', { taskId: 'whatever' }, { capabilities: {} });
    expect(reply.error?.code).toBe(-32021);
    expect(reply.error?.data).toEqual({ requiredCapabilities: WITH_TASKS });
  });

  it('tasks/result and tasks/list do not exist on 2026-07-28 (-32601)', async () => {
    expect((await rpc(fetch, URL_, 'tasks/result', { taskId: 'x' })).error?.code).toBe(-32601);
    expect((await rpc(fetch, URL_, 'tasks/list', {})).error?.code).toBe(-32601);
  });

  it('server/discover advertises the extension', async () => {
    const reply = await rpc(fetch, URL_, 'server/discover', {});
    expect((reply.result?.capabilities as { extensions?: Record<string, unknown> } | undefined)?.extensions).toHaveProperty('io.modelcontextprotocol/tasks');
  });
});
