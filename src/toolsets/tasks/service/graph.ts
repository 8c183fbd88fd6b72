// Graph rules: ids that must exist, parent and dependency cycles, and which task views a change shows in.
import type { TaskReader, TaskRecord } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';

export async function requireExisting(r: TaskReader, workspace: string, ids: number[], at: string): Promise<void> {
  if (ids.length === 0) return;
  const found = new Set((await r.getTasks(workspace, ids)).map((t) => t.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new ToolError('not_found', `${at}: task(s) ${missing.map((m) => `#${m}`).join(', ')} not found; nothing was written.`, {
      hint: 'Reference existing ids, or the ref of an earlier item in the same create_tasks call.',
    });
  }
}

export async function checkParent(r: TaskReader, workspace: string, id: number, parentId: number): Promise<void> {
  if (parentId === id) {
    throw new ToolError('dependency_cycle', `Task ${id} cannot be its own parent.`, {
      hint: 'Choose another parent_id or null.',
    });
  }
  await requireExisting(r, workspace, [parentId], 'parent_id');
  const ancestors = await r.ancestors(workspace, parentId);
  if (ancestors.includes(id)) {
    throw new ToolError('dependency_cycle', `Task ${parentId} is a subtask of ${id}; making it the parent would create a loop.`, {
      hint: `Parent chain: #${parentId} → ${ancestors.map((a) => `#${a}`).join(' → ')}.`,
    });
  }
}

export async function checkDependencies(r: TaskReader, workspace: string, id: number, deps: number[]): Promise<void> {
  if (deps.includes(id)) {
    throw new ToolError('dependency_cycle', `Task ${id} cannot depend on itself.`, {
      fields: [{ field: 'depends_on', message: `remove ${id}` }],
    });
  }
  await requireExisting(r, workspace, deps, 'depends_on');
  const edges = await r.dependencyClosure(workspace, deps);
  const next = new Map<number, number[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  // Breadth-first from each new dependency; reaching `id` means a cycle. Report the path.
  for (const start of deps) {
    const prev = new Map<number, number>([[start, id]]);
    const queue = [start];
    while (queue.length > 0) {
      const at = queue.shift() as number;
      for (const to of next.get(at) ?? []) {
        if (prev.has(to)) continue;
        prev.set(to, at);
        if (to === id) {
          const path = [id];
          for (let cur = at; cur !== id; cur = prev.get(cur) as number) path.push(cur);
          path.reverse();
          throw new ToolError('dependency_cycle', `Task ${id} cannot depend on ${start}: ${start} already depends on ${id}.`, {
            hint: `Cycle: #${id} → ${path.map((p) => `#${p}`).join(' → ')}. Remove one edge.`,
            fields: [{ field: 'depends_on', message: `remove ${start}` }],
          });
        }
        queue.push(to);
      }
    }
  }
}

/**
 * A subtask that depends on one of its own ancestors can never start: the ancestor is not actionable
 * while it has an open subtask, and the subtask waits on the ancestor. Reject that wait-for loop.
 */
export async function checkWaitsOnAncestor(r: TaskReader, workspace: string, parentId: number | null, deps: readonly number[], at: string): Promise<void> {
  if (parentId === null || deps.length === 0) return;
  const ancestors = [parentId, ...(await r.ancestors(workspace, parentId))];
  const bad = deps.filter((d) => ancestors.includes(d));
  if (bad.length > 0) {
    throw new ToolError('dependency_cycle', `${at}: a subtask cannot depend on its own parent or ancestor (#${bad.join(', #')}); it would wait forever.`, {
      fields: [{ field: at.endsWith('depends_on') ? at : `${at}.depends_on`, message: `remove ${bad.join(', ')}` }],
      hint: 'A parent is finished by finishing its subtasks; express order between siblings instead.',
    });
  }
}

/** Ids whose `tasks://{id}` view shows these tasks: themselves, their dependencies, dependents and parents. */
export async function neighbours(r: TaskReader, workspace: string, tasks: readonly TaskRecord[]): Promise<number[]> {
  const ids = new Set<number>();
  for (const t of tasks) {
    ids.add(t.id);
    for (const d of t.depends_on) ids.add(d);
    if (t.parent_id !== null) ids.add(t.parent_id);
    for (const d of await r.dependents(workspace, t.id)) ids.add(d.id);
  }
  return [...ids];
}

/**
 * {@link neighbours} of tasks created in one call, without a query: a new task's only dependents are
 * items of the same call (nothing else can name its id yet), and they are in `created` themselves.
 */
export function newNeighbours(created: readonly TaskRecord[]): number[] {
  const ids = new Set<number>();
  for (const t of created) {
    ids.add(t.id);
    for (const d of t.depends_on) ids.add(d);
    if (t.parent_id !== null) ids.add(t.parent_id);
  }
  return [...ids];
}
