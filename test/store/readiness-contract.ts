import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOSED_STATUSES, SORT_KEYS, TASK_STATUSES, type TaskFilter, type TaskRecord, type TaskStatus, type TaskStore } from '../../src/store/types.js';
import { actor, newTask, now, statsOf } from './fixtures.js';
import { PRIMARY, RANK } from './orders.js';

/**
 * "Actionable" and "waiting on dependencies" (next_task, claim_task) must equal their definition after any
 * sequence of writes, however an engine computes them (SQLite and PostgreSQL keep counters on write): todo,
 * every dependency closed, no open subtask; ranked by priority, due date (none last), age, id.
 */
type Op =
  | { op: 'insert'; status: TaskStatus; parent: number; priority: number; due: number; assignee: number; labels: string[] }
  | { op: 'assign'; task: number; assignee: number; priority: number; due: number }
  | { op: 'status'; task: number; status: TaskStatus }
  | { op: 'parent'; task: number; parent: number }
  | { op: 'deps'; task: number; deps: number[] }
  | { op: 'delete'; task: number }
  | { op: 'restore' };

const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
const dueOf = (n: number) => (n === 0 ? null : `2026-12-0${n}`);
const ASSIGNEES = [null, 'ana', 'bo'];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    status: fc.constantFrom(...TASK_STATUSES),
    parent: fc.nat(12),
    priority: fc.nat(3),
    due: fc.nat(4),
    assignee: fc.nat(2),
    labels: fc.subarray(['x', 'y']),
  }),
  fc.record({ op: fc.constant('assign' as const), task: fc.nat(12), assignee: fc.nat(2), priority: fc.nat(3), due: fc.nat(4) }),
  fc.record({ op: fc.constant('status' as const), task: fc.nat(12), status: fc.constantFrom(...TASK_STATUSES) }),
  fc.record({ op: fc.constant('parent' as const), task: fc.nat(12), parent: fc.nat(12) }),
  fc.record({ op: fc.constant('deps' as const), task: fc.nat(12), deps: fc.uniqueArray(fc.nat(12), { maxLength: 4 }) }),
  fc.record({ op: fc.constant('delete' as const), task: fc.nat(12) }),
  fc.constant({ op: 'restore' as const }),
);

/** The definition, computed from the task records alone. */
function expected(tasks: TaskRecord[]): { actionable: number[]; waiting: number } {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const open = (t: TaskRecord | undefined) => t !== undefined && !CLOSED_STATUSES.includes(t.status);
  const todo = tasks.filter((t) => t.status === 'todo');
  const waits = (t: TaskRecord) => t.depends_on.some((d) => open(byId.get(d)));
  const actionable = todo
    .filter((t) => !waits(t) && !tasks.some((c) => c.parent_id === t.id && open(c)))
    .sort(
      (a, b) =>
        RANK[b.priority] - RANK[a.priority] ||
        Number(a.due_date === null) - Number(b.due_date === null) ||
        (a.due_date ?? '').localeCompare(b.due_date ?? '') ||
        a.created_at.localeCompare(b.created_at) ||
        a.id - b.id,
    )
    .map((t) => t.id);
  return { actionable, waiting: todo.filter(waits).length };
}

export function readinessContract(store: () => TaskStore): void {
  describe('actionable tasks and the waiting count, after any sequence of writes', () => {
    it('match their definition, and so do list pages, totals and stats (property test)', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }), async (ops) => {
          const ws = `ready-${run++}`;
          const trash: Array<{ task: TaskRecord; deps: number[] }> = [];
          for (const [i, o] of ops.entries()) {
            const when = new Date(Date.parse(now) + i * 1000).toISOString();
            await store().write(async (w) => {
              const all = await w.listTasks(ws, { status: [...TASK_STATUSES], sort: 'id', order: 'asc', offset: 0, limit: 1000 });
              const ids = all.items.map((t) => t.id);
              const pick = (n: number) => (ids.length === 0 ? undefined : ids[n % ids.length]);
              if (o.op === 'insert') {
                const parent = o.parent % 3 === 0 ? null : (pick(o.parent) ?? null);
                const assignee = ASSIGNEES[o.assignee] ?? null;
                await w.insertTask(
                  ws,
                  newTask({ status: o.status, parent_id: parent, priority: PRIORITIES[o.priority], due_date: dueOf(o.due), assignee, labels: o.labels }),
                  actor,
                  when,
                );
              } else if (o.op === 'assign') {
                const id = pick(o.task);
                if (id !== undefined)
                  await w.updateTask(ws, id, { assignee: ASSIGNEES[o.assignee] ?? null, priority: PRIORITIES[o.priority], due_date: dueOf(o.due) }, actor, when);
              } else if (o.op === 'status') {
                const id = pick(o.task);
                if (id !== undefined) await w.updateTask(ws, id, { status: o.status }, actor, when);
              } else if (o.op === 'parent') {
                const [id, parent] = [pick(o.task), pick(o.parent)];
                if (id !== undefined && parent !== undefined && id !== parent) {
                  const ancestors = await w.ancestors(ws, parent);
                  if (!ancestors.includes(id)) await w.updateTask(ws, id, { parent_id: parent }, actor, when);
                }
              } else if (o.op === 'deps') {
                const id = pick(o.task);
                if (id !== undefined)
                  await w.setDependencies(
                    ws,
                    id,
                    [...new Set(o.deps.map(pick))].filter((d): d is number => d !== undefined && d !== id),
                  );
              } else if (o.op === 'delete') {
                const id = pick(o.task);
                const victim = all.items.find((t) => t.id === id);
                if (victim && !all.items.some((t) => t.parent_id === victim.id)) {
                  trash.push({ task: victim, deps: victim.depends_on });
                  await w.deleteTask(ws, victim.id);
                }
              } else {
                const back = trash.pop();
                if (back) {
                  const parentAlive = back.task.parent_id === null || ids.includes(back.task.parent_id);
                  await w.restoreTask(ws, { ...back.task, parent_id: parentAlive ? back.task.parent_id : null }, []);
                  await w.setDependencies(
                    ws,
                    back.task.id,
                    back.deps.filter((d) => ids.includes(d)),
                  );
                }
              }
            });
          }
          const [tasks, actionable, waiting] = await store().read(async (r) => [
            (await r.listTasks(ws, { status: [...TASK_STATUSES], sort: 'id', order: 'asc', offset: 0, limit: 1000 })).items,
            await r.actionableTasks(ws, {}, 1000),
            await r.countWaitingOnDependencies(ws),
          ]);
          const want = expected(tasks as TaskRecord[]);
          expect((actionable as TaskRecord[]).map((t) => t.id)).toEqual(want.actionable);
          expect(waiting).toBe(want.waiting);
          await checkLists(store(), ws, tasks as TaskRecord[]);
        }),
        { numRuns: 40 },
      );
    }, 120_000);
  });
}

/** list_tasks pages, totals and stats agree with the records, for filters the engines count in different ways. */
async function checkLists(store: TaskStore, ws: string, tasks: TaskRecord[]): Promise<void> {
  const open: TaskStatus[] = ['todo', 'in_progress', 'blocked'];
  const filters: Array<[TaskFilter, (t: TaskRecord) => boolean]> = [
    [{ status: open }, (t) => open.includes(t.status)],
    [{ status: ['done'] }, (t) => t.status === 'done'],
    [{ status: open, assignee: 'ana' }, (t) => open.includes(t.status) && t.assignee === 'ana'],
    [{ status: open, priority: ['high', 'critical'] }, (t) => open.includes(t.status) && RANK[t.priority] >= 2],
    [{ parent_id: null, status: open }, (t) => t.parent_id === null && open.includes(t.status)],
    [{ label: 'x', status: open }, (t) => t.labels.includes('x') && open.includes(t.status)],
    [{ overdue: true, today: '2026-12-03' }, (t) => open.includes(t.status) && t.due_date !== null && t.due_date < '2026-12-03'],
    [
      { overdue: true, today: '2026-12-04', status: open, due_after: '2026-12-02' },
      (t) => open.includes(t.status) && t.due_date !== null && t.due_date < '2026-12-04' && t.due_date >= '2026-12-02',
    ],
    [{ overdue: true, today: '2026-12-03', status: ['todo'] }, (t) => t.status === 'todo' && t.due_date !== null && t.due_date < '2026-12-03'],
    [{ status: open, due_before: '2026-12-03' }, (t) => open.includes(t.status) && t.due_date !== null && t.due_date <= '2026-12-03'],
    [
      { status: open, due_after: '2026-12-02', due_before: '2026-12-05' },
      (t) => open.includes(t.status) && t.due_date !== null && t.due_date >= '2026-12-02' && t.due_date <= '2026-12-05',
    ],
    [{ status: ['todo'], priority: ['critical'] }, (t) => t.status === 'todo' && t.priority === 'critical'],
    [{ label: 'x', assignee: 'ana' }, (t) => t.labels.includes('x') && t.assignee === 'ana'],
    [{ label: 'y', status: open, assignee: 'bo' }, (t) => t.labels.includes('y') && open.includes(t.status) && t.assignee === 'bo'],
    [{ due_before: '2026-12-05' }, (t) => t.due_date !== null && t.due_date <= '2026-12-05'],
    [{ status: open, due_after: '2026-12-02' }, (t) => open.includes(t.status) && t.due_date !== null && t.due_date >= '2026-12-02'],
    [
      { due_after: '2026-12-01', due_before: '2026-12-04', assignee: 'ana' },
      (t) => t.due_date !== null && t.due_date >= '2026-12-01' && t.due_date <= '2026-12-04' && t.assignee === 'ana',
    ],
  ];
  for (const [filter, keep] of filters) {
    for (const sort of SORT_KEYS) {
      for (const order of ['asc', 'desc'] as const) {
        const got = await store.read((r) => r.listTasks(ws, { ...filter, sort, order, offset: 0, limit: 1000 }));
        const { dir, cmp } = PRIMARY[sort];
        const want = tasks.filter(keep).sort((a, b) => (order === dir ? cmp(a, b) : -cmp(a, b)));
        const label = `${JSON.stringify(filter)} ${sort} ${order}`;
        expect(got.total, label).toBe(want.length);
        expect(
          got.items.map((t) => t.id),
          label,
        ).toEqual(want.map((t) => t.id));
      }
    }
  }
  // Search applies the same filters (SQLite inside its full-text index): every task's title is "A task".
  const searches: Array<[TaskFilter, (t: TaskRecord) => boolean]> = [
    [{}, () => true],
    [{ status: open }, (t) => open.includes(t.status)],
    [{ status: ['done'], assignee: 'ana' }, (t) => t.status === 'done' && t.assignee === 'ana'],
    [{ label: 'y' }, (t) => t.labels.includes('y')],
  ];
  for (const [filter, keep] of searches) {
    const found = await store.read((r) => r.searchTasks(ws, { ...filter, text: 'task', offset: 0, limit: 1000 }));
    const label = `search ${JSON.stringify(filter)}`;
    expect(found.total, label).toBe(tasks.filter(keep).length);
    expect(
      found.items.map((h) => h.task.id).sort((a, b) => a - b),
      label,
    ).toEqual(tasks.filter(keep).map((t) => t.id));
  }
  const stats = await store.read((r) => statsOf(r, ws, new Date('2026-12-03T00:00:00Z')));
  const openTasks = tasks.filter((t) => open.includes(t.status));
  expect(stats.total).toBe(tasks.length);
  for (const status of TASK_STATUSES) expect(stats.by_status[status], status).toBe(tasks.filter((t) => t.status === status).length);
  for (const p of PRIORITIES) expect(stats.by_priority[p], p).toBe(openTasks.filter((t) => t.priority === p).length);
  expect(stats.by_label).toEqual(countBy(openTasks.flatMap((t) => t.labels)));
  expect(stats.by_assignee).toEqual(countBy(openTasks.map((t) => t.assignee ?? '(unassigned)')));
  expect(stats.overdue).toBe(openTasks.filter((t) => t.due_date !== null && t.due_date < '2026-12-03').length);
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
