import type { NewTask, TaskStatus } from '../types.js';
import type { Facets } from './facets.js';
import type { SearchTables } from './search-index.js';
import type { Statements } from './statements.js';

/**
 * The full-text rows one connection writes to the workspaces' FTS5 tables (search-index.ts) in its write transaction.
 *
 * Rows of tasks inserted in the transaction wait in a queue, not yet in their workspace's FTS5 table. FTS5 writes
 * its pending terms to disk as a new segment whenever a later statement opens a statement savepoint (any write that
 * may abort, e.g. the next task's INSERT): indexing each new task at once made one segment per task and merge work
 * that grew with the index. The queue is indexed in one run before COMMIT ({@link flush}) and before anything in the
 * transaction reads or rewrites a full-text table, so no statement ever sees the index without them.
 */
export class SearchRows {
  private pending: Array<[table: string, rid: number | bigint, title: string, description: string, facets: string]> = [];

  constructor(
    private readonly sql: Statements,
    private readonly facets: Facets,
    private readonly tables: SearchTables,
  ) {}

  /** Queue a new task's row (`rid`: its `tasks.rid`): title, description and facets, no comments yet. */
  add(workspace: string, rid: number | bigint, task: NewTask): void {
    this.pending.push([this.tables.ensure(workspace), rid, task.title, task.description, this.facets.tokens(task)]);
  }

  /** Index the queued rows; idempotent. */
  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    for (const [table, rid, title, description, facets] of rows) {
      this.sql.run(`INSERT INTO ${table} (rowid, title, description, comments, facets) VALUES (?, ?, ?, ?, ?)`, rid, title, description, '', facets);
    }
  }

  /** Forget the queued rows of a transaction that rolls back. */
  discard(): void {
    this.pending = [];
  }

  /** Delete the full-text row of a task being deleted (`rid`: its `tasks.rid`). */
  remove(workspace: string, rid: number | bigint): void {
    this.flush();
    const table = this.tables.find(workspace);
    if (table !== undefined) this.sql.run(`DELETE FROM ${table} WHERE rowid = ?`, rid);
  }

  /** Rebuild the full-text row of one task from its title, description and comments. */
  reindex(workspace: string, id: number): void {
    const row = this.sql.get(
      `SELECT t.rid, t.title, t.description, t.status, t.assignee, t.labels,
              (SELECT group_concat(body, char(10)) FROM comments c WHERE c.workspace = t.workspace AND c.task_id = t.id) AS comments
         FROM tasks t WHERE t.workspace = ? AND t.id = ?`,
      workspace,
      id,
    );
    if (!row) return;
    this.flush();
    const table = this.tables.ensure(workspace);
    this.sql.run(`DELETE FROM ${table} WHERE rowid = ?`, row.rid);
    const facets = this.facets.tokens({
      status: row.status as TaskStatus,
      assignee: (row.assignee as string | null) ?? null,
      labels: JSON.parse(row.labels as string) as string[],
    });
    this.sql.run(
      `INSERT INTO ${table} (rowid, title, description, comments, facets) VALUES (?, ?, ?, ?, ?)`,
      row.rid,
      row.title,
      row.description,
      row.comments ?? '',
      facets,
    );
  }
}
