import { expect, it } from 'vitest';
import type { AuditRecord, TaskStore } from '../../src/store/types.js';

const row = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  time: '2026-11-20T10:00:00.000Z',
  workspace: 'a',
  principal: 'ana',
  client_name: 'claude-code',
  client_version: '2.1.0',
  tool: 'update_task',
  args_hash: 'f'.repeat(64),
  args: '{"id":1,"status":"done"}',
  outcome: 'ok',
  duration_ms: 1.25,
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  request_id: '7',
  ...over,
});

/** The audit-trail part of the store contract (`TaskStore.audit`); `store()` is the engine under test. */
export function auditContract(store: () => TaskStore): void {
  it('audit: appends rows of several workspaces and reads them back per workspace, newest first, field for field', async () => {
    const first = row();
    const second = row({
      time: '2026-11-20T10:00:01.500Z',
      tool: 'get_task',
      args: null,
      outcome: 'not_found',
      client_name: null,
      client_version: null,
      trace_id: null,
      request_id: null,
    });
    await store().audit.append([first, second, row({ workspace: 'b', principal: 'bob' })]);
    expect(await store().audit.query({ workspace: 'a', limit: 10 })).toEqual([second, first]);
    const b = await store().audit.query({ workspace: 'b', limit: 10 });
    expect(b.map((r) => r.principal)).toEqual(['bob']);
    expect(await store().audit.query({ workspace: 'c', limit: 10 })).toEqual([]);
    await store().audit.append([]); // a no-op, not an error
  });

  it('audit: filters by since (inclusive), principal and tool, and honours limit', async () => {
    await store().audit.append([
      row({ time: '2026-11-01T00:00:00.000Z', principal: 'ana', tool: 'create_tasks' }),
      row({ time: '2026-11-02T00:00:00.000Z', principal: 'bob', tool: 'create_tasks' }),
      row({ time: '2026-11-03T00:00:00.000Z', principal: 'ana', tool: 'get_task' }),
    ]);
    const times = (rs: AuditRecord[]) => rs.map((r) => r.time.slice(0, 10));
    expect(times(await store().audit.query({ workspace: 'a', since: '2026-11-02T00:00:00.000Z', limit: 10 }))).toEqual(['2026-11-03', '2026-11-02']);
    expect(times(await store().audit.query({ workspace: 'a', principal: 'ana', limit: 10 }))).toEqual(['2026-11-03', '2026-11-01']);
    expect(times(await store().audit.query({ workspace: 'a', tool: 'create_tasks', principal: 'bob', limit: 10 }))).toEqual(['2026-11-02']);
    expect(times(await store().audit.query({ workspace: 'a', limit: 1 }))).toEqual(['2026-11-03']);
  });

  it('audit: prune deletes rows older than the cutoff in every workspace and reports how many', async () => {
    await store().audit.append([
      row({ time: '2026-01-01T00:00:00.000Z' }),
      row({ time: '2026-01-01T00:00:00.000Z', workspace: 'b' }),
      row({ time: '2026-06-01T00:00:00.000Z', workspace: 'b' }),
    ]);
    expect(await store().audit.prune('2026-03-01T00:00:00.000Z')).toBe(2);
    expect(await store().audit.query({ workspace: 'a', limit: 10 })).toEqual([]);
    expect((await store().audit.query({ workspace: 'b', limit: 10 })).map((r) => r.time)).toEqual(['2026-06-01T00:00:00.000Z']);
    expect(await store().audit.prune('2026-03-01T00:00:00.000Z')).toBe(0);
  });
}
