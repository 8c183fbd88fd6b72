import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServed, serveWithAuth } from '../auth/served.js';
import { rpc, settle } from './rpc.js';

/**
 * Async operations (MCP Tasks extension) over real HTTP with real API keys:
 * an operation belongs to the principal (and workspace) that created it.
 * Another principal of the same workspace, or of another workspace, can
 * neither see, poll, answer nor cancel it: its id answers exactly like an
 * unknown one.
 */

let s: AuthServed;
let owner: string;
let sameWorkspace: string;
let otherWorkspace: string;
const http = (request: Request) => fetch(request);

beforeAll(async () => {
  s = await serveWithAuth(['acme', 'globex']);
  const all = ['tasks:read', 'tasks:write', 'tasks:admin'] as const;
  owner = (await s.apiKey('acme', [...all])).token;
  sameWorkspace = (await s.apiKey('acme', [...all])).token;
  otherWorkspace = (await s.apiKey('globex', [...all])).token;
});
afterAll(async () => s?.close());

const unknownShape = (reply: { status: number; error?: { code: number; message: string } }, id: string) => ({
  status: reply.status,
  code: reply.error?.code,
  message: reply.error?.message.replaceAll(id, 'ID'),
});

describe('async operations are private to their principal', () => {
  it('others cannot get, update or cancel a running operation; it completes for its owner', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const held = s.app.store.write(async () => gate); // keeps the import running while the others try
    const csv = ['title', ...Array.from({ length: 20 }, (_, i) => `owned ${i}`)].join('\n');
    const created = await rpc(http, s.http.url, 'tools/call', { name: 'import_tasks', arguments: { format: 'csv', data: csv } }, { bearer: owner });
    expect(created.result?.resultType).toBe('task');
    const taskId = created.result?.taskId as string;
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';

    for (const bearer of [sameWorkspace, otherWorkspace]) {
      for (const [method, extra] of [
        ['tasks/get', {}],
        ['tasks/update', { inputResponses: {} }],
        ['tasks/cancel', {}],
      ] as const) {
        const foreign = await rpc(http, s.http.url, method, { taskId, ...extra }, { bearer });
        const missing = await rpc(http, s.http.url, method, { taskId: unknown, ...extra }, { bearer });
        expect(foreign.error?.code, method).toBe(-32602);
        expect(unknownShape(foreign, taskId), method).toEqual(unknownShape(missing, unknown));
      }
    }
    release();
    await held;
    const done = await settle(http, s.http.url, taskId, { bearer: owner });
    expect(done.status).toBe('completed'); // the foreign cancels had no effect
    expect(((done.result as Record<string, unknown>).structuredContent as { imported: number }).imported).toBe(20);
    // The rows landed in the owner's workspace only.
    const theirs = await rpc(http, s.http.url, 'tools/call', { name: 'search_tasks', arguments: { query: 'owned' } }, { bearer: otherWorkspace, capabilities: {} });
    expect((theirs.result?.structuredContent as { total?: number } | undefined)?.total).toBe(0);
  });

  it('a finished result is still private', async () => {
    const created = await rpc(http, s.http.url, 'tools/call', { name: 'export_tasks', arguments: { format: 'json' } }, { bearer: owner });
    const taskId = created.result?.taskId as string;
    expect((await settle(http, s.http.url, taskId, { bearer: owner })).status).toBe('completed');
    const foreign = await rpc(http, s.http.url, 'tasks/get', { taskId }, { bearer: otherWorkspace });
    expect(foreign.error?.code).toBe(-32602);
    expect(foreign.result).toBeUndefined();
  });
});
