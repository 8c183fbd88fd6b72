import type { ApiKeyRecord, CommentRecord, Priority, TaskRecord, TaskStatus } from '../types.js';
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
  return rows.map((r) => ({
    id: r.id as number,
    title: r.title as string,
    description: r.description as string,
    status: r.status as TaskStatus,
    priority: r.priority as Priority,
    labels: JSON.parse(r.labels as string) as string[],
    assignee: (r.assignee as string | null) ?? null,
    due_date: (r.due_date as string | null) ?? null,
    parent_id: (r.parent_id as number | null) ?? null,
    depends_on: deps.get(r.id as number) ?? [],
    version: r.version as number,
    created_at: r.created_at as string,
    updated_at: r.updated_at as string,
    completed_at: (r.completed_at as string | null) ?? null,
    created_by: { principal: r.created_by as string, client: (r.created_client as string | null) ?? null },
    updated_by: { principal: r.updated_by as string, client: (r.updated_client as string | null) ?? null },
    lease:
      r.lease_id == null
        ? null
        : {
            lease_id: r.lease_id as string,
            holder: {
              principal: r.lease_holder as string,
              client: (r.lease_client as string | null) ?? null,
              client_version: (r.lease_client_version as string | null) ?? null,
            },
            expires_at: r.lease_expires_at as string,
          },
  }));
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
  return {
    id: r.id as number,
    task_id: r.task_id as number,
    body: r.body as string,
    author: { principal: r.author as string, client: (r.author_client as string | null) ?? null },
    created_at: r.created_at as string,
  };
}
