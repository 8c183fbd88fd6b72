import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, type Harness, harness, ok } from './harness.js';

type Fields = Array<{ field: string; message: string }>;

type Task = {
  title: string;
  description: string;
  status: string;
  priority: string;
  labels: string[];
  assignee: string | null;
  due_date: string | null;
  parent_id: number | null;
  depends_on: number[];
  version: number;
};

/** `update_task clear` empties exactly the fields it names; `null` never clears anything (strict-mode hosts send it for "not given"). */
describe('update_task clear', () => {
  let h: Harness;
  const task = async (id: number) => (await ok<{ task: Task }>(h.client, 'get_task', { id })).task;
  beforeEach(async () => {
    h = await harness('legacy');
    await ok(h.client, 'create_tasks', {
      tasks: [
        { ref: 'parent', title: 'Release 2.0' },
        { ref: 'dep', title: 'Freeze the API' },
        {
          title: 'Write the changelog',
          description: 'Every user-facing change',
          labels: ['docs'],
          assignee: 'ana',
          due_date: '2026-12-31',
          parent_id: 'parent',
          depends_on: ['dep'],
          priority: 'high',
        },
      ],
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it('clears exactly the named fields and leaves every other one as it was', async () => {
    const r = await ok<{ changed: string[] }>(h.client, 'update_task', { id: 3, clear: ['assignee', 'labels', 'parent_id'] });
    expect([...r.changed].sort()).toEqual(['assignee', 'labels', 'parent_id']);
    expect(await task(3)).toMatchObject({
      assignee: null,
      labels: [],
      parent_id: null,
      due_date: '2026-12-31',
      depends_on: [2],
      description: 'Every user-facing change',
      priority: 'high',
      title: 'Write the changelog',
    });
  });

  it('clears the rest (due_date, depends_on, description) alongside a change to another field', async () => {
    const r = await ok<{ changed: string[] }>(h.client, 'update_task', { id: 3, title: 'Changelog', clear: ['due_date', 'depends_on', 'description'] });
    expect([...r.changed].sort()).toEqual(['depends_on', 'description', 'due_date', 'title']);
    expect(await task(3)).toMatchObject({ title: 'Changelog', due_date: null, depends_on: [], description: '', assignee: 'ana', labels: ['docs'], parent_id: 1 });
    expect((await ok<{ blocked_by: number[] }>(h.client, 'get_task', { id: 3 })).blocked_by).toEqual([]);
  });

  it('counts clear as a change, and reports a field that is already empty as unchanged', async () => {
    await ok(h.client, 'update_task', { id: 3, clear: ['assignee'] });
    const again = await ok<{ changed: string[]; task: { version: number } }>(h.client, 'update_task', { id: 3, clear: ['assignee'] });
    expect(again.changed).toEqual([]);
    const empty = await call(h.client, 'update_task', { id: 3, clear: [] });
    expect(empty.error).toMatchObject({ code: 'invalid_input', fields: [{ field: '(arguments)', message: expect.stringContaining('clear') }] });
  });

  it('refuses a field both named in clear and given a value, naming it, and writes nothing', async () => {
    const before = await task(3);
    const r = await call(h.client, 'update_task', { id: 3, assignee: 'bo', due_date: '2027-01-01', priority: 'low', clear: ['assignee', 'due_date', 'labels'] });
    expect(r.error.code).toBe('invalid_input');
    expect((r.error.fields as Fields).map((f) => f.field)).toEqual(['assignee', 'due_date']);
    expect(r.error.message).toContain('assignee');
    expect(await task(3)).toEqual(before);
  });

  it('rejects a field that cannot be cleared, listing the clearable ones', async () => {
    const r = await call(h.client, 'update_task', { id: 3, clear: ['title'] });
    expect(r.error.code).toBe('invalid_input');
    const [first] = r.error.fields as Fields;
    expect(first?.field).toBe('clear[0]');
    expect(first?.message).toContain('description');
  });

  it('reads null as "not given" in update_task, but list_tasks (read-only) keeps parent_id: null = top level only', async () => {
    const r = await ok<{ changed: string[] }>(h.client, 'update_task', { id: 3, assignee: null, due_date: null, parent_id: null, labels: null, priority: 'low' });
    expect(r.changed).toEqual(['priority']);
    expect(await task(3)).toMatchObject({ assignee: 'ana', due_date: '2026-12-31', parent_id: 1, labels: ['docs'] });
    const nothing = await call(h.client, 'update_task', { id: 3, assignee: null });
    expect(nothing.error.code).toBe('invalid_input');
    const top = await ok<{ tasks: Array<{ id: number }> }>(h.client, 'list_tasks', { parent_id: null });
    expect(top.tasks.map((t) => t.id)).toEqual([1, 2]);
  });
});
