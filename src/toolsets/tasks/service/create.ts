// Use cases: create_tasks and import_tasks.
import { throwIfAborted } from '../../../guard/abort-scope.js';
import type { Actor, NewTask, TaskRecord, TaskWriter } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { changeOf } from '../history.js';
import type { ServiceCore } from './core.js';
import { checkWaitsOnAncestor, newNeighbours, requireExisting } from './graph.js';
import { idempotent } from './idempotency.js';
import type { Caller, NewTaskInput } from './model.js';

export async function createTasks(
  core: ServiceCore,
  caller: Caller,
  items: NewTaskInput[],
  idempotencyKey?: string,
): Promise<{ created: TaskRecord[]; replayed: boolean }> {
  const { workspace, actor } = caller;
  const result = await core.write(caller, async (w, log) =>
    idempotent(core.clock, w, workspace, 'create_tasks', idempotencyKey, { items }, async () => {
      const created = await insertItems(core, w, workspace, actor, items);
      for (const t of created) log.add(changeOf('create', 'create_tasks', null, t));
      return { created, replayed: false, affected: newNeighbours(created) };
    }),
  );
  if (!result.replayed) core.changes.tasksChanged(workspace, result.affected);
  return { created: result.created, replayed: result.replayed };
}

export async function importTasks(
  core: ServiceCore,
  caller: Caller,
  items: NewTaskInput[],
  options: { idempotencyKey?: string; onProgress?: (done: number, total: number) => Promise<void>; step?: number } = {},
): Promise<{ count: number; first_id: number | null; last_id: number | null; replayed: boolean }> {
  const { workspace, actor } = caller;
  const step = options.step ?? Math.max(1, Math.ceil(items.length / 20));
  const result = await core.write(caller, async (w, log) =>
    idempotent(core.clock, w, workspace, 'import_tasks', options.idempotencyKey, { items }, async () => {
      const created = await insertItems(
        core,
        w,
        workspace,
        actor,
        items,
        async (done) => {
          throwIfAborted(caller.signal);
          if (done % step === 0 || done === items.length) {
            await options.onProgress?.(done, items.length);
            // Let the event loop deliver a cancellation (and other I/O) between steps of a long import.
            await new Promise((resolve) => setImmediate(resolve));
          }
        },
        (index) => `row ${index + 1}`,
      );
      for (const t of created) log.add(changeOf('import', 'import_tasks', null, t));
      return {
        count: created.length,
        first_id: created[0]?.id ?? null,
        last_id: created.at(-1)?.id ?? null,
        replayed: false,
        affected: newNeighbours(created),
      };
    }),
  );
  if (!result.replayed) core.changes.tasksChanged(workspace, result.affected ?? []);
  return { count: result.count, first_id: result.first_id, last_id: result.last_id, replayed: result.replayed };
}

/** Insert items in order inside `w`'s transaction; refs name earlier items. `after(done)` runs after each one. */
async function insertItems(
  core: ServiceCore,
  w: TaskWriter,
  workspace: string,
  actor: Actor,
  items: NewTaskInput[],
  after?: (done: number) => Promise<void>,
  name: (index: number) => string = (index) => `tasks[${index}]`,
): Promise<TaskRecord[]> {
  const now = core.clock().toISOString();
  const refs = new Map<string, number>();
  const created: TaskRecord[] = [];
  for (const [index, item] of items.entries()) {
    const at = name(index);
    const resolve = (value: number | string, field: string): number => {
      if (typeof value === 'number') return value;
      const id = refs.get(value);
      if (id === undefined) {
        throw new ToolError('invalid_input', `${at}.${field}: no earlier item in this call has ref "${value}".`, {
          fields: [{ field: `${at}.${field}`, message: `ref "${value}" must be the ref of an item before this one` }],
        });
      }
      return id;
    };
    const parentId = item.parent_id === undefined ? null : resolve(item.parent_id, 'parent_id');
    const dependsOn = [...new Set((item.depends_on ?? []).map((d) => resolve(d, 'depends_on')))];
    const existing = [...(parentId === null ? [] : [parentId]), ...dependsOn];
    await requireExisting(w, workspace, existing, `${at}`);
    await checkWaitsOnAncestor(w, workspace, parentId, dependsOn, at);
    const task: NewTask = {
      title: item.title,
      description: item.description ?? '',
      status: item.status ?? 'todo',
      priority: item.priority ?? 'medium',
      labels: item.labels ?? [],
      assignee: item.assignee ?? null,
      due_date: item.due_date ?? null,
      parent_id: parentId,
      completed_at: item.status === 'done' ? now : null,
    };
    const record = await w.insertTask(workspace, task, actor, now);
    if (dependsOn.length > 0) await w.setDependencies(workspace, record.id, dependsOn);
    if (item.ref !== undefined) {
      if (refs.has(item.ref)) {
        throw new ToolError('invalid_input', `${at}.ref: "${item.ref}" is used by an earlier item.`, {
          fields: [{ field: `${at}.ref`, message: 'refs must be unique within one call' }],
        });
      }
      refs.set(item.ref, record.id);
    }
    created.push({ ...record, depends_on: dependsOn });
    await after?.(created.length);
  }
  return created;
}
