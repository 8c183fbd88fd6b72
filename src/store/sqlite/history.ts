import type { Actor, ChangeKind, ChangeQuery, ChangeRecord, NewChange, PruneBefore, TaskSnapshot, TrashRecord } from '../types.js';
import type * as Database from './driver.js';

type Row = Record<string, unknown>;

/**
 * SQLite tables of the parallel-agents features (migration 5): the change history (`task_changes`), the trash
 * and the change-feed marks. Used by the repo of one connection inside its transactions; every query is scoped
 * to one workspace and reads an index (`task_changes_by_task`, `_by_principal`, the `(workspace, seq)` key).
 */
export class SqliteHistory {
  /** `stmt`: the repo's cache of prepared statements on its connection. */
  constructor(
    private readonly stmt: (sql: string) => Database.Statement,
    private readonly origin: string,
  ) {}

  /** Seqs continue the workspace's counter (`workspaces.next_change_seq`); the write lock makes them gap-free in commit order. */
  appendChanges(workspace: string, actor: Actor, at: string, changes: readonly NewChange[]): ChangeRecord[] {
    if (changes.length === 0) return [];
    const { first } = this.stmt(
      `INSERT INTO workspaces (name, next_change_seq) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET next_change_seq = next_change_seq + ?
       RETURNING next_change_seq - ? AS first`,
    ).get(workspace, changes.length + 1, changes.length, changes.length) as { first: number };
    const insert = this.stmt(
      `INSERT INTO task_changes (workspace, seq, at, principal, client, client_version, tool, kind, task_id, version, fields, origin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const clientVersion = actor.client_version ?? null;
    return changes.map((c, i) => {
      const seq = first + i;
      insert.run(workspace, seq, at, actor.principal, actor.client, clientVersion, c.tool, c.kind, c.task_id, c.version, JSON.stringify(c.fields), this.origin);
      return { ...c, seq, at, principal: actor.principal, client: actor.client, client_version: clientVersion };
    });
  }

  listChanges(workspace: string, q: ChangeQuery): ChangeRecord[] {
    const where = ['workspace = ?'];
    const params: unknown[] = [workspace];
    if (q.after !== undefined) {
      where.push('seq > ?');
      params.push(q.after);
    }
    if (q.before !== undefined) {
      where.push('seq < ?');
      params.push(q.before);
    }
    if (q.task_id !== undefined) {
      where.push('task_id = ?');
      params.push(q.task_id);
    }
    if (q.principal !== undefined) {
      where.push('principal = ?');
      params.push(q.principal);
    }
    if (q.since !== undefined) {
      where.push('at >= ?');
      params.push(q.since);
      if (q.task_id === undefined && q.principal === undefined && !q.newest_first) {
        // Start the seq walk at the first change at or after `since` (times grow with seqs in one file), not at 0.
        const first = this.stmt('SELECT seq FROM task_changes INDEXED BY task_changes_by_workspace_time WHERE workspace = ? AND at >= ? ORDER BY at, seq LIMIT 1').get(
          workspace,
          q.since,
        ) as { seq: number } | undefined;
        if (!first) return [];
        where.push('seq >= ?');
        params.push(first.seq);
      }
    }
    // One index per shape, whatever the statistics say: a task's or a principal's changes, else the seq key.
    const index = q.task_id !== undefined ? 'task_changes_by_task' : q.principal !== undefined ? 'task_changes_by_principal' : 'sqlite_autoindex_task_changes_1';
    const rows = this.stmt(`SELECT * FROM task_changes INDEXED BY ${index} WHERE ${where.join(' AND ')} ORDER BY seq ${q.newest_first ? 'DESC' : 'ASC'} LIMIT +?`).all(
      ...params,
      q.limit,
    ) as Row[];
    return rows.map(toChange);
  }

  getChanges(workspace: string, seqs: readonly number[]): ChangeRecord[] {
    if (seqs.length === 0) return [];
    const rows = this.stmt('SELECT * FROM task_changes WHERE workspace = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq').all(
      workspace,
      JSON.stringify(seqs),
    ) as Row[];
    return rows.map(toChange);
  }

  lastChangeSeq(workspace: string): number {
    const row = this.stmt('SELECT max(seq) AS n FROM task_changes WHERE workspace = ?').get(workspace) as { n: number | null };
    return row.n ?? 0;
  }

  putTrash(workspace: string, entries: readonly TrashRecord[]): void {
    const insert = this.stmt('INSERT OR REPLACE INTO trash (workspace, task_id, root_id, seq, deleted_at, deleted_by, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const e of entries) insert.run(workspace, e.task_id, e.root_id, e.seq, e.deleted_at, e.deleted_by, JSON.stringify(e.snapshot));
  }

  removeTrash(workspace: string, ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.stmt('DELETE FROM trash WHERE workspace = ? AND task_id IN (SELECT value FROM json_each(?))').run(workspace, JSON.stringify(ids));
  }

  trashed(workspace: string, ids: readonly number[]): TrashRecord[] {
    if (ids.length === 0) return [];
    const rows = this.stmt('SELECT * FROM trash WHERE workspace = ? AND task_id IN (SELECT value FROM json_each(?)) ORDER BY task_id').all(
      workspace,
      JSON.stringify(ids),
    ) as Row[];
    return rows.map(toTrash);
  }

  trashGroup(workspace: string, rootId: number): TrashRecord[] {
    return (this.stmt('SELECT * FROM trash WHERE workspace = ? AND root_id = ? ORDER BY task_id').all(workspace, rootId) as Row[]).map(toTrash);
  }

  listTrash(workspace: string, limit: number): TrashRecord[] {
    return (this.stmt('SELECT * FROM trash WHERE workspace = ? ORDER BY seq DESC LIMIT +?').all(workspace, limit) as Row[]).map(toTrash);
  }

  getMark(workspace: string, principal: string, name: string): { seq: number; at: string } | undefined {
    return this.stmt('SELECT seq, at FROM change_marks WHERE workspace = ? AND principal = ? AND name = ?').get(workspace, principal, name) as
      | { seq: number; at: string }
      | undefined;
  }

  putMark(workspace: string, principal: string, name: string, mark: { seq: number; at: string }): void {
    this.stmt(
      `INSERT INTO change_marks (workspace, principal, name, seq, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (workspace, principal, name) DO UPDATE SET seq = excluded.seq, at = excluded.at`,
    ).run(workspace, principal, name, mark.seq, mark.at);
  }

  /** Retention across every workspace (run outside any request, in its own write transaction). */
  prune(before: PruneBefore): { changes: number; trash: number } {
    const changes = before.changes === undefined ? 0 : this.stmt('DELETE FROM task_changes WHERE at < ?').run(before.changes).changes;
    const trash = before.trash === undefined ? 0 : this.stmt('DELETE FROM trash WHERE deleted_at < ?').run(before.trash).changes;
    return { changes, trash };
  }
}

function toChange(r: Row): ChangeRecord {
  return {
    seq: r.seq as number,
    at: r.at as string,
    principal: r.principal as string,
    client: (r.client as string | null) ?? null,
    client_version: (r.client_version as string | null) ?? null,
    tool: r.tool as string,
    kind: r.kind as ChangeKind,
    task_id: r.task_id as number,
    version: (r.version as number | null) ?? null,
    fields: JSON.parse(r.fields as string) as ChangeRecord['fields'],
  };
}

function toTrash(r: Row): TrashRecord {
  return {
    task_id: r.task_id as number,
    root_id: r.root_id as number,
    seq: r.seq as number,
    deleted_at: r.deleted_at as string,
    deleted_by: r.deleted_by as string,
    snapshot: JSON.parse(r.snapshot as string) as TaskSnapshot,
  };
}
