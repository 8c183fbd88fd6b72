import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, ERAS, type Harness, harness, ok } from './harness.js';

type Card = { id: number; title: string; status: string; version: number; depends_on?: number[]; labels?: string[] };

describe.each(ERAS)('task tools through a real client (%s era)', (era) => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness(era);
  });
  afterEach(async () => {
    await h.close();
  });

  const plan = () =>
    ok<{ created: Card[] }>(h.client, 'create_tasks', {
      tasks: [
        { ref: 'design', title: 'Design the API', priority: 'high', labels: ['API Design'] },
        { ref: 'build', title: 'Build the API', depends_on: ['design'], assignee: 'ana' },
        { title: 'Write tests', parent_id: 'build', depends_on: ['design'] },
        { title: 'Ship it', depends_on: ['build'], due_date: '2026-12-31', priority: 'critical' },
      ],
    });

  it('plans a project in one atomic call, with refs for dependencies and subtasks', async () => {
    const { created } = await plan();
    expect(created.map((c) => c.id)).toEqual([1, 2, 3, 4]);
    expect(created[0]?.labels).toEqual(['api-design']);
    expect(created[1]?.depends_on).toEqual([1]);
    const detail = await ok<{ task: { parent_id: number; created_by: { principal: string; client: string } }; blocked_by: number[] }>(h.client, 'get_task', { id: 3 });
    expect(detail.task.parent_id).toBe(2);
    expect(detail.blocked_by).toEqual([1]);
    expect(detail.task.created_by).toEqual({ principal: 'tester', client: 'vitest' });
  });

  it('writes nothing when any item of a batch is bad', async () => {
    const r = await call(h.client, 'create_tasks', {
      tasks: [{ title: 'fine' }, { title: 'depends on a missing task', depends_on: [999] }],
    });
    expect(r.isError).toBe(true);
    expect(r.error.code).toBe('not_found');
    expect(r.error.message).toContain('tasks[1]');
    expect((await ok<{ total: number }>(h.client, 'get_task_stats')).total).toBe(0);
    const badRef = await call(h.client, 'create_tasks', {
      tasks: [
        { title: 'a', depends_on: ['later'] },
        { ref: 'later', title: 'b' },
      ],
    });
    expect(badRef.error.code).toBe('invalid_input');
    expect(badRef.error.fields).toEqual([{ field: 'tasks[0].depends_on', message: expect.stringContaining('"later"') }]);
  });

  it('replays a retried create_tasks with the same idempotency key and rejects a reused key', async () => {
    const args = { tasks: [{ title: 'Once only' }], idempotency_key: 'plan-2026-11-21-a' };
    const first = await ok<{ created: Card[]; replayed: boolean }>(h.client, 'create_tasks', args);
    const retry = await ok<{ created: Card[]; replayed: boolean }>(h.client, 'create_tasks', args);
    expect(first.replayed).toBe(false);
    expect(retry.replayed).toBe(true);
    expect(retry.created).toEqual(first.created);
    expect((await ok<{ total: number }>(h.client, 'get_task_stats')).total).toBe(1);
    const reuse = await call(h.client, 'create_tasks', { ...args, tasks: [{ title: 'Something else' }] });
    expect(reuse.error).toMatchObject({ code: 'idempotency_conflict', retryable: false });
    expect((await ok<{ total: number }>(h.client, 'get_task_stats')).total).toBe(1);
  });

  it('updates with optimistic concurrency: a stale expected_version returns the current task', async () => {
    await plan();
    const u = await ok<{ task: { version: number; title: string }; changed: string[] }>(h.client, 'update_task', {
      id: 1,
      expected_version: 1,
      title: 'Design the public API',
      add_labels: ['docs'],
    });
    expect(u.changed).toEqual(['title', 'labels']);
    expect(u.task.version).toBe(2);
    const stale = await call(h.client, 'update_task', { id: 1, expected_version: 1, priority: 'low' });
    expect(stale.error.code).toBe('version_conflict');
    expect((stale.error.current as { version: number; title: string }).title).toBe('Design the public API');
    const same = await ok<{ changed: string[]; task: { version: number } }>(h.client, 'update_task', { id: 1, title: 'Design the public API' });
    expect(same.changed).toEqual([]);
    expect(same.task.version).toBe(2);
  });

  it('rejects dependency and parent cycles with the cycle spelled out, writing nothing', async () => {
    await plan();
    const cycle = await call(h.client, 'update_task', { id: 1, depends_on: [4] });
    expect(cycle.error.code).toBe('dependency_cycle');
    expect(cycle.error.hint).toBe('Cycle: #1 → #4 → #2 → #1. Remove one edge.');
    const self = await call(h.client, 'update_task', { id: 2, depends_on: [2] });
    expect(self.error.code).toBe('dependency_cycle');
    const parentLoop = await call(h.client, 'update_task', { id: 2, parent_id: 3 });
    expect(parentLoop.error.code).toBe('dependency_cycle');
    // a subtask waiting on its own parent would wait forever (#3 is a subtask of #2)
    const waitsOnParent = await call(h.client, 'update_task', { id: 3, depends_on: [1, 2] });
    expect(waitsOnParent.error).toMatchObject({ code: 'dependency_cycle', fields: [{ field: 'depends_on', message: 'remove 2' }] });
    const inBatch = await call(h.client, 'create_tasks', {
      tasks: [
        { ref: 'p', title: 'Phase' },
        { title: 'Step', parent_id: 'p', depends_on: ['p'] },
      ],
    });
    expect(inBatch.error.code).toBe('dependency_cycle');
    const t1 = await ok<{ task: { depends_on: number[]; version: number } }>(h.client, 'get_task', { id: 1 });
    expect(t1.task).toMatchObject({ depends_on: [], version: 1 });
  });

  it('completes idempotently and names the tasks it unblocked; next_task follows', async () => {
    await plan();
    expect(await ok<{ task: { id: number } }>(h.client, 'next_task')).toMatchObject({ task: { id: 1 } });
    const done = await ok<{ unblocked: Card[]; already_done: boolean }>(h.client, 'complete_task', { id: 1, comment: 'Spec in docs/api.md' });
    expect(done.already_done).toBe(false);
    expect(done.unblocked.map((t) => t.id)).toEqual([2, 3]); // both waited only on #1
    const again = await ok<{ already_done: boolean; task: { version: number } }>(h.client, 'complete_task', { id: 1 });
    expect(again.already_done).toBe(true);
    const next = await ok<{ task: { id: number }; reason: string }>(h.client, 'next_task');
    expect(next.task.id).toBe(3); // #2 has an open subtask; #3 is a leaf with its dependency done
    expect(next.reason).toContain('#3');
    const comments = await ok<{ comments: Array<{ body: string }> }>(h.client, 'get_task', { id: 1 });
    expect(comments.comments.map((c) => c.body)).toEqual(['Spec in docs/api.md']);
  });

  it('lists open tasks by default, filters, and pages with a cursor bound to its filters', async () => {
    await ok(h.client, 'create_tasks', { tasks: Array.from({ length: 25 }, (_, i) => ({ title: `Task ${i + 1}`, labels: [i % 2 ? 'odd' : 'even'] })) });
    await ok(h.client, 'complete_task', { id: 1 });
    const first = await ok<{ tasks: Card[]; total: number; next_cursor: string }>(h.client, 'list_tasks', { limit: 10, sort: 'id' });
    expect(first.total).toBe(24);
    expect(first.tasks).toHaveLength(10);
    const seen = new Set(first.tasks.map((t) => t.id));
    let cursor: string | null = first.next_cursor;
    while (cursor) {
      const page: { tasks: Card[]; next_cursor: string | null } = await ok(h.client, 'list_tasks', { limit: 10, sort: 'id', cursor });
      for (const t of page.tasks) seen.add(t.id);
      cursor = page.next_cursor;
    }
    expect(seen.size).toBe(24);
    expect(seen.has(1)).toBe(false);
    const foreign = await call(h.client, 'list_tasks', { limit: 10, sort: 'id', label: 'odd', cursor: first.next_cursor });
    expect(foreign.error.code).toBe('invalid_input');
    expect(foreign.error.fields).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    const forged = Buffer.from(JSON.stringify({ o: 1e19, f: 'x' })).toString('base64url');
    expect((await call(h.client, 'list_tasks', { cursor: forged })).error.code).toBe('invalid_input');
    const odd = await ok<{ total: number }>(h.client, 'list_tasks', { label: 'odd' });
    expect(odd.total).toBe(12);
    const done = await ok<{ tasks: Card[] }>(h.client, 'list_tasks', { status: ['done'] });
    expect(done.tasks.map((t) => t.id)).toEqual([1]);
  });

  it('searches titles, descriptions and comments with snippets', async () => {
    await ok(h.client, 'create_tasks', {
      tasks: [{ title: 'Fix flaky login test', description: 'Times out on CI' }, { title: 'Unrelated' }],
    });
    await ok(h.client, 'add_comment', { task_id: 2, body: 'Saw the login page crash here too' });
    const r = await ok<{ results: Array<{ task: Card; snippet: string; matched_in: string }>; total: number }>(h.client, 'search_tasks', {
      query: 'login',
    });
    expect(r.total).toBe(2);
    expect(r.results[0]).toMatchObject({ task: { id: 1 }, matched_in: 'title' });
    expect(r.results[1]).toMatchObject({ task: { id: 2 }, matched_in: 'comments' });
    expect(r.results[1]?.snippet).toContain('**login**');
    const none = await call(h.client, 'search_tasks', { query: '!!!' });
    expect(none.error.code).toBe('invalid_input');
  });

  it('deletes with cascade only when asked, and removes edges to the deleted task', async () => {
    await plan();
    const refused = await call(h.client, 'delete_task', { id: 2 });
    expect(refused.error).toMatchObject({ code: 'invalid_input', fields: [{ field: 'cascade' }] });
    const del = await ok<{ deleted: number[] }>(h.client, 'delete_task', { id: 2, cascade: true });
    expect(del.deleted).toEqual([3, 2]);
    const ship = await ok<{ task: { depends_on: number[] } }>(h.client, 'get_task', { id: 4 });
    expect(ship.task.depends_on).toEqual([]);
    expect((await ok<{ task: { version: number } }>(h.client, 'get_task', { id: 4 })).task.version).toBe(2); // lost an edge
    const gone = await call(h.client, 'get_task', { id: 2 });
    expect(gone.error).toMatchObject({ code: 'not_found', retryable: false });
  });

  it('reports statistics', async () => {
    await plan();
    await ok(h.client, 'complete_task', { id: 1 });
    const s = await ok<Record<string, unknown>>(h.client, 'get_task_stats');
    expect(s).toMatchObject({
      total: 4,
      by_status: { todo: 3, done: 1 },
      by_priority: { critical: 1, medium: 2, high: 0 },
      by_assignee: { ana: 1, '(unassigned)': 2 },
      completed_last_7_days: 1,
    });
  });
});
