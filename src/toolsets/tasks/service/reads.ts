// Use cases: the reads (get_task, list_tasks, search_tasks, stats, activity, completions).
import { throwIfAborted } from '../../../guard/abort-scope.js';
import { type AuditRecord, CLOSED_STATUSES, type ListQuery, type SearchHit, type TaskRecord, type TaskStats, type TaskStatus } from '../../../store/types.js';
import { decodeCursor, nextCursor } from '../../../toolkit/cursor.js';
import { ToolError } from '../../../toolkit/errors.js';
import type { ServiceCore } from './core.js';
import { HISTORY_SCAN, lastWriters } from './feed.js';
import type { Caller, ListInput, SearchInput, TaskDetail } from './model.js';
import { taskStats } from './stats.js';

const DEFAULT_OPEN: TaskStatus[] = ['todo', 'in_progress', 'blocked'];

export async function activity(core: ServiceCore, caller: Caller, limit: number): Promise<AuditRecord[]> {
  return core.store.audit.query({ workspace: caller.workspace, limit });
}

export async function getTask(core: ServiceCore, caller: Caller, id: number, commentsLimit = 20, historyLimit = 0): Promise<TaskDetail> {
  const { workspace } = caller;
  return core.fresh(caller, async (r) => {
    const [detail, changes] = await Promise.all([
      r.taskDetail(workspace, id, commentsLimit),
      historyLimit > 0 ? r.listChanges(workspace, { task_id: id, newest_first: true, limit: HISTORY_SCAN }) : Promise.resolve(undefined),
    ]);
    if (!detail) return core.notFound(r, workspace, id);
    const { task, comments, subtasks, dependencies: deps, dependents } = detail;
    const ref = (t: TaskRecord) => ({ id: t.id, title: t.title, status: t.status });
    const provenance = changes && { history: changes.slice(0, historyLimit), last_writers: lastWriters(changes) };
    return {
      ...provenance,
      task,
      comments: comments.items,
      comments_total: comments.total,
      subtasks,
      dependencies: deps.map(ref),
      blocked_by: deps.filter((d) => !CLOSED_STATUSES.includes(d.status)).map((d) => d.id),
      dependents: dependents.map(ref),
    };
  });
}

export async function listTasks(
  core: ServiceCore,
  caller: Caller,
  input: ListInput,
  keep?: (items: TaskRecord[]) => number,
): Promise<{ tasks: TaskRecord[]; total: number; next_cursor: string | null; truncated: boolean }> {
  const { cursor, limit, ...filters } = input;
  const offset = decodeCursor(cursor, filters);
  const query: ListQuery = {
    ...filters,
    status: input.status ?? (input.overdue ? undefined : DEFAULT_OPEN),
    order: input.order ?? (input.sort === 'priority' || input.sort === 'created_at' || input.sort === 'updated_at' ? 'desc' : 'asc'),
    today: core.today(),
    offset,
    limit,
  };
  throwIfAborted(caller.signal);
  const page = await core.fresh(caller, (r) => r.listTasks(caller.workspace, query));
  const shown = keep ? keep(page.items) : page.items.length;
  const tasks = page.items.slice(0, shown);
  return { tasks, total: page.total, next_cursor: nextCursor(offset, shown, page.total, filters), truncated: shown < page.items.length };
}

export async function searchTasks(
  core: ServiceCore,
  caller: Caller,
  input: SearchInput,
  keep?: (items: SearchHit[]) => number,
): Promise<{ results: SearchHit[]; total: number; next_cursor: string | null; truncated: boolean }> {
  const { cursor, limit, ...filters } = input;
  if (!/[\p{L}\p{N}]/u.test(input.query)) {
    throw new ToolError('invalid_input', 'Invalid arguments: query: has no letters or digits to search for.', {
      fields: [{ field: 'query', message: 'give one or more words, e.g. "login timeout"' }],
    });
  }
  const offset = decodeCursor(cursor, filters);
  throwIfAborted(caller.signal);
  const page = await core.fresh(caller, (r) => r.searchTasks(caller.workspace, { ...filters, text: input.query, offset, limit }));
  const shown = keep ? keep(page.items) : page.items.length;
  const results = page.items.slice(0, shown);
  return { results, total: page.total, next_cursor: nextCursor(offset, shown, page.total, filters), truncated: shown < page.items.length };
}

export async function stats(core: ServiceCore, caller: Caller): Promise<TaskStats> {
  return core.fresh(caller, (r) => taskStats(core.clock(), (window) => r.countTasks(caller.workspace, window)));
}

export async function completeIds(core: ServiceCore, caller: Caller, prefix: string): Promise<string[]> {
  if (!/^\d*$/.test(prefix)) return [];
  return (await core.store.read((r) => r.idsWithPrefix(caller.workspace, prefix, 20))).map(String);
}

export async function completeValues(core: ServiceCore, caller: Caller, field: 'assignee' | 'label', prefix: string): Promise<string[]> {
  return core.store.read((r) => r.distinctValues(caller.workspace, field, prefix, 20));
}
