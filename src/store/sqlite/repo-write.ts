import { PRIORITY_RANK } from '../shared.js';
import {
  type Actor,
  type ChangeRecord,
  type CommentRecord,
  type IdempotencyRecord,
  type NewChange,
  type NewTask,
  StoreError,
  type TaskPatch,
  type TaskRecord,
  type TaskWriter,
  type TrashRecord,
} from '../types.js';
import { SqliteReadRepo } from './repo-read.js';
import { type Row, toComment } from './rows.js';

/**
 * The store's writes ({@link TaskWriter}) on the writer connection, inside the `BEGIN IMMEDIATE` transaction the
 * store opened (transaction.ts): task and comment rows, their label rows (the list columns they carry, migration 3),
 * dependency edges, idempotency keys, and the full-text rows (search-rows.ts).
 */
export class SqliteWriteRepo extends SqliteReadRepo implements TaskWriter {
  async insertTask(workspace: string, task: NewTask, actor: Actor, now: string): Promise<TaskRecord> {
    const record: TaskRecord = {
      id: this.nextId(workspace, 'next_task_id'),
      ...task,
      labels: [...task.labels],
      depends_on: [],
      version: 1,
      created_at: now,
      updated_at: now,
      completed_at: task.completed_at ?? null,
      created_by: { principal: actor.principal, client: actor.client },
      updated_by: { principal: actor.principal, client: actor.client },
      lease: null,
    };
    const rid = this.writeRow(workspace, record);
    // A new task has no comments yet: its full-text row is title and description, indexed before COMMIT.
    this.searchRows.add(workspace, rid, task);
    return record;
  }

  /** Insert a task's row and its label rows as they are in `t` (its dependency edges are not part of it). */
  private writeRow(workspace: string, t: TaskRecord): number | bigint {
    const { lastInsertRowid } = this.sql.run(
      `INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, assignee, due_date, parent_id, version,
                          created_at, updated_at, completed_at, created_by, created_client, updated_by, updated_client,
                          lease_id, lease_holder, lease_client, lease_client_version, lease_expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      workspace,
      t.id,
      t.title,
      t.description,
      t.status,
      t.priority,
      PRIORITY_RANK[t.priority],
      JSON.stringify(t.labels),
      t.assignee,
      t.due_date,
      t.parent_id,
      t.version,
      t.created_at,
      t.updated_at,
      t.completed_at,
      t.created_by.principal,
      t.created_by.client,
      t.updated_by.principal,
      t.updated_by.client,
      t.lease?.lease_id ?? null,
      t.lease?.holder.principal ?? null,
      t.lease?.holder.client ?? null,
      t.lease?.holder.client_version ?? null,
      t.lease?.expires_at ?? null,
    );
    this.writeLabels(workspace, t.id, t);
    return lastInsertRowid;
  }

  /** The patch's columns, the version bumped, then the rows that copy them. */
  async updateTask(workspace: string, id: number, patch: TaskPatch, actor: Actor, now: string): Promise<TaskRecord> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    for (const key of ['title', 'description', 'status', 'assignee', 'due_date', 'parent_id', 'completed_at'] as const) {
      if (patch[key] !== undefined) set(key, patch[key]);
    }
    if (patch.priority !== undefined) {
      set('priority', patch.priority);
      set('priority_rank', PRIORITY_RANK[patch.priority]);
    }
    if (patch.labels !== undefined) set('labels', JSON.stringify(patch.labels));
    if (patch.lease !== undefined) {
      set('lease_id', patch.lease?.lease_id ?? null);
      set('lease_holder', patch.lease?.holder.principal ?? null);
      set('lease_client', patch.lease?.holder.client ?? null);
      set('lease_client_version', patch.lease?.holder.client_version ?? null);
      set('lease_expires_at', patch.lease?.expires_at ?? null);
    }
    set('updated_at', now);
    set('updated_by', actor.principal);
    set('updated_client', actor.client);
    const { changes } = this.sql.run(`UPDATE tasks SET ${sets.join(', ')}, version = version + 1 WHERE workspace = ? AND id = ?`, ...params, workspace, id);
    if (changes === 0) throw new StoreError('internal', `task ${id} vanished inside a transaction`);
    if (patch.labels !== undefined) this.syncLabels(workspace, id);
    else if (patch.status !== undefined || patch.priority !== undefined || patch.due_date !== undefined || patch.assignee !== undefined) {
      this.syncLabelColumns(workspace, id);
    }
    // The full-text row holds the text and the facets (status, assignee, labels) searches filter on.
    if (patch.title !== undefined || patch.description !== undefined || patch.status !== undefined || patch.assignee !== undefined || patch.labels !== undefined) {
      this.searchRows.reindex(workspace, id);
    }
    return (await this.getTask(workspace, id)) as TaskRecord;
  }

  async setDependencies(workspace: string, id: number, dependsOn: readonly number[]): Promise<void> {
    this.sql.run('DELETE FROM task_deps WHERE workspace = ? AND task_id = ?', workspace, id);
    for (const dep of dependsOn) {
      this.sql.run('INSERT INTO task_deps (workspace, task_id, depends_on) VALUES (?, ?, ?)', workspace, id, dep);
    }
  }

  async deleteTask(workspace: string, id: number): Promise<boolean> {
    const row = this.sql.get('SELECT rid FROM tasks WHERE workspace = ? AND id = ?', workspace, id);
    if (!row) return false;
    this.searchRows.remove(workspace, row.rid as number | bigint);
    // Its edges (both ways), label rows and comments go by ON DELETE CASCADE (migration 11), their triggers firing.
    this.sql.run('DELETE FROM tasks WHERE workspace = ? AND id = ?', workspace, id);
    return true;
  }

  async insertComment(workspace: string, taskId: number, body: string, actor: Actor, now: string): Promise<CommentRecord> {
    const id = this.nextId(workspace, 'next_comment_id');
    this.sql.run(
      'INSERT INTO comments (workspace, id, task_id, body, author, author_client, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      workspace,
      id,
      taskId,
      body,
      actor.principal,
      actor.client,
      now,
    );
    this.searchRows.reindex(workspace, taskId);
    return toComment(this.sql.get('SELECT * FROM comments WHERE workspace = ? AND id = ?', workspace, id) as Row);
  }

  async putIdempotency(workspace: string, key: string, record: IdempotencyRecord): Promise<void> {
    this.sql.run(
      'INSERT INTO idempotency_keys (workspace, key, tool, args_hash, result, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      workspace,
      key,
      record.tool,
      record.args_hash,
      record.result,
      record.created_at,
    );
  }

  async appendChanges(workspace: string, actor: Actor, at: string, changes: readonly NewChange[]): Promise<ChangeRecord[]> {
    return this.history.appendChanges(workspace, actor, at, changes);
  }

  async putTrash(workspace: string, entries: readonly TrashRecord[]): Promise<void> {
    this.history.putTrash(workspace, entries);
  }

  async removeTrash(workspace: string, ids: readonly number[]): Promise<void> {
    this.history.removeTrash(workspace, ids);
  }

  async putMark(workspace: string, principal: string, name: string, mark: { seq: number; at: string }): Promise<void> {
    this.history.putMark(workspace, principal, name, mark);
  }

  async restoreTask(workspace: string, task: TaskRecord, comments: readonly CommentRecord[]): Promise<void> {
    this.writeRow(workspace, task);
    for (const c of comments) {
      this.sql.run(
        'INSERT INTO comments (workspace, id, task_id, body, author, author_client, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        workspace,
        c.id,
        task.id,
        c.body,
        c.author.principal,
        c.author.client,
        c.created_at,
      );
    }
    this.searchRows.reindex(workspace, task.id);
  }

  async deleteComment(workspace: string, taskId: number, commentId: number): Promise<boolean> {
    const gone = this.sql.run('DELETE FROM comments WHERE workspace = ? AND task_id = ? AND id = ?', workspace, taskId, commentId).changes > 0;
    if (gone) this.searchRows.reindex(workspace, taskId);
    return gone;
  }

  /** Take the next per-workspace id from its counter (created on first use); rolls back with the transaction. */
  private nextId(workspace: string, counter: 'next_task_id' | 'next_comment_id'): number {
    const row = this.sql.get(
      `INSERT INTO workspaces (name, ${counter}) VALUES (?, 2)
       ON CONFLICT (name) DO UPDATE SET ${counter} = ${counter} + 1
       RETURNING ${counter} - 1 AS id`,
      workspace,
    ) as { id: number };
    return row.id;
  }

  /** Label rows of a new task, with the list columns they carry (migration 3). */
  private writeLabels(workspace: string, id: number, task: NewTask): void {
    for (const label of task.labels) {
      this.sql.run(
        'INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee) VALUES (?, ?, ?, ?, ?, ?, ?)',
        workspace,
        id,
        label,
        task.status,
        PRIORITY_RANK[task.priority],
        task.due_date,
        task.assignee,
      );
    }
  }

  /** Rewrite a task's label rows from its row (labels and the list columns they carry). */
  private syncLabels(workspace: string, id: number): void {
    this.sql.run('DELETE FROM task_labels WHERE workspace = ? AND task_id = ?', workspace, id);
    this.sql.run(
      `INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee)
       SELECT DISTINCT t.workspace, t.id, l.value, t.status, t.priority_rank, t.due_date, t.assignee
         FROM tasks t, json_each(t.labels) l WHERE t.workspace = ? AND t.id = ?`,
      workspace,
      id,
    );
  }

  /** Copy a task's list columns onto its label rows, in place (its labels did not change). */
  private syncLabelColumns(workspace: string, id: number): void {
    this.sql.run(
      `UPDATE task_labels SET (status, priority_rank, due_date, assignee) =
         (SELECT t.status, t.priority_rank, t.due_date, t.assignee FROM tasks t WHERE t.workspace = task_labels.workspace AND t.id = task_labels.task_id)
        WHERE workspace = ? AND task_id = ?`,
      workspace,
      id,
    );
  }

  /** Before COMMIT: index the new tasks' full-text rows, so the transaction commits them. */
  beforeCommit(): void {
    this.searchRows.flush();
  }

  /** After COMMIT: the facet ids and FTS5 tables the transaction made are permanent. */
  committed(): void {
    this.facets.committed();
    this.searchTables.committed();
  }

  /** Before ROLLBACK: forget the transaction's pending full-text rows, facet ids and FTS5 tables. */
  rolledBack(): void {
    this.searchRows.discard();
    this.facets.rolledBack();
    this.searchTables.rolledBack();
  }
}
