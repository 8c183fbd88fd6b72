import { type CommentColumns, commentFromColumns, type TaskColumns, taskFromColumns } from '../task-rows.js';
import type { ApiKeyRecord, CommentRecord, TaskRecord } from '../types.js';
import type { SqlRunner } from './list.js';

/** A row as better-sqlite3 returns it: column name → value. */
export type Row = Record<string, unknown>;

/** Task rows → records, fetching every row's dependency list in one query (`db`: the connection's cached statements). */
export function hydrate(db: SqlRunner, workspace: string, rows: Row[]): TaskRecord[] {
  if (rows.length === 0) return [];
  const deps = new Map<number, number[]>();
  const edges =
    rows.length === 1
      ? db.all('SELECT task_id, depends_on FROM task_deps WHERE workspace = ? AND task_id = ? ORDER BY depends_on', workspace, rows[0]?.id)
      : db.all(
          `SELECT task_id, depends_on FROM task_deps WHERE workspace = ? AND task_id IN (SELECT value FROM json_each(?))
              ORDER BY task_id, depends_on`,
          workspace,
          JSON.stringify(rows.map((r) => r.id)),
        );
  for (const d of edges) {
    const list = deps.get(d.task_id as number) ?? [];
    list.push(d.depends_on as number);
    deps.set(d.task_id as number, list);
  }
  return rows.map((r) => taskFromColumns(r as unknown as TaskColumns, JSON.parse(r.labels as string) as string[], deps.get(r.id as number) ?? []));
}

/** An `api_keys` row → its record (`undefined` for no row). */
export function toApiKey(r: Row | undefined): ApiKeyRecord | undefined {
  if (!r) return undefined;
  return {
    id: r.id as string,
    workspace: r.workspace as string,
    name: r.name as string,
    scopes: JSON.parse(r.scopes as string) as string[],
    secret_hash: r.secret_hash as string,
    created_at: r.created_at as string,
    expires_at: (r.expires_at as string | null) ?? null,
    revoked_at: (r.revoked_at as string | null) ?? null,
  };
}

/** A `comments` row → its record. */
export function toComment(r: Row): CommentRecord {
  return commentFromColumns(r as unknown as CommentColumns);
}
