import { ACTIONABLE, decimalPrefixRanges, escapeLike, searchWords } from '../shared.js';
import type {
  ChangeQuery,
  ChangeRecord,
  CommentRecord,
  Counted,
  IdempotencyRecord,
  ListQuery,
  SearchHit,
  SearchQuery,
  StatCounts,
  StatWindow,
  TaskDetailRecord,
  TaskReader,
  TaskRecord,
  TrashRecord,
} from '../types.js';
import type * as Database from './driver.js';
import { Facets } from './facets.js';
import { SqliteHistory } from './history.js';
import { labelledPage, listPage, orderSql } from './list.js';
import { hydrate, toComment } from './rows.js';
import { SearchTables, searchPage } from './search-index.js';
import { SearchRows } from './search-rows.js';
import { SearchTerms } from './search-terms.js';
import { Statements } from './statements.js';
import { statCounts } from './stats.js';

/** next_task's order (shared.ts), the key order of the `tasks_actionable` index after `workspace`. */
const ACTIONABLE_ORDER = orderSql('t', ACTIONABLE.order);

/** Tasks of workspace `?` whose lease expired at or before `?`, read from the partial lease index whatever the statistics. */
const EXPIRED_LEASES = 'FROM tasks INDEXED BY tasks_by_lease_expiry WHERE workspace = ? AND lease_expires_at IS NOT NULL AND lease_expires_at <= ?';

/**
 * The store's reads ({@link TaskReader}) on one connection, inside the transaction the store opened (store/index.ts).
 * Every query is scoped to one workspace and reads an index; the per-connection caches (facet ids, FTS5 tables,
 * prepared statements) live here. {@link SqliteWriteRepo} adds the writes on the writer connection.
 */
export class SqliteReadRepo implements TaskReader {
  /** The connection's prepared statements. */
  protected readonly sql: Statements;
  /** Change history, trash and feed marks (migration 5). */
  readonly history: SqliteHistory;
  /** Facet ids of the FTS5 tables' `facets` column. */
  readonly facets: Facets;
  /** The workspaces' FTS5 tables. */
  readonly searchTables: SearchTables;
  /** Full-text rows written by this connection's transaction (always empty on the reader). */
  readonly searchRows: SearchRows;
  /** A search's words as the workspace table's own terms. */
  private readonly searchTerms: SearchTerms;

  /**
   * Run a transaction-control statement on this connection (transaction.ts), prepared once in the statement cache
   * like every other: `db.exec` compiled it on every call (~5% of a hot get_task's CPU for a read's two).
   */
  control(sql: 'BEGIN' | 'BEGIN IMMEDIATE' | 'COMMIT' | 'ROLLBACK'): void {
    this.sql.run(sql);
  }

  /** Call outside any transaction (SearchTables makes this connection's `temp.search_page`). */
  constructor(db: Database.Database, origin: string) {
    this.sql = new Statements(db);
    this.history = new SqliteHistory((sql) => this.sql.stmt(sql), origin);
    this.facets = new Facets(this.sql.runner);
    this.searchTables = new SearchTables(db, this.facets, (sql) => this.sql.stmt(sql));
    this.searchRows = new SearchRows(this.sql, this.facets, this.searchTables);
    this.searchTerms = new SearchTerms(db, (sql) => this.sql.stmt(sql));
  }

  async getTask(workspace: string, id: number): Promise<TaskRecord | undefined> {
    const row = this.sql.get('SELECT * FROM tasks WHERE workspace = ? AND id = ?', workspace, id);
    return row ? hydrate(this.sql.runner, workspace, [row])[0] : undefined;
  }

  async getTasks(workspace: string, ids: readonly number[]): Promise<TaskRecord[]> {
    if (ids.length === 0) return [];
    const rows = this.sql.all('SELECT * FROM tasks WHERE workspace = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id', workspace, JSON.stringify(ids));
    return hydrate(this.sql.runner, workspace, rows);
  }

  async taskDetail(workspace: string, id: number, commentsLimit: number): Promise<TaskDetailRecord | undefined> {
    const task = await this.getTask(workspace, id);
    if (!task) return undefined;
    const [comments, subtasks, dependencies, dependents] = await Promise.all([
      this.listComments(workspace, id, commentsLimit),
      this.subtasks(workspace, id),
      this.getTasks(workspace, task.depends_on),
      this.dependents(workspace, id),
    ]);
    return { task, comments, subtasks, dependencies, dependents };
  }

  async listTasks(workspace: string, query: ListQuery): Promise<Counted<TaskRecord>> {
    const { rows, total } = query.label !== undefined ? labelledPage(this.sql.runner, workspace, query.label, query) : listPage(this.sql.runner, workspace, query);
    return { items: hydrate(this.sql.runner, workspace, rows), total };
  }

  /**
   * Full-text search in the workspace's own FTS5 table (search-index.ts: scores use only its statistics); the
   * status, assignee and label filters are terms of the FTS5 query (facets.ts).
   */
  async searchTasks(workspace: string, query: SearchQuery): Promise<Counted<SearchHit>> {
    if (searchWords(query.text).length === 0) return { items: [], total: 0 };
    this.searchRows.flush(); // inside a write transaction, see its own new tasks
    const table = this.searchTables.find(workspace);
    const facets = this.facets.match(query);
    if (table === undefined || facets === null) return { items: [], total: 0 };
    const text = this.searchTerms.query(table, query.text);
    if (text === undefined) return { items: [], total: 0 }; // a word no task of the workspace has
    const { hits, total } = searchPage(this.sql.runner, this.searchTables, table, workspace, text, facets, query);
    const tasks = hydrate(
      this.sql.runner,
      workspace,
      hits.map((h) => h.row),
    );
    return { items: hits.map((h, i) => ({ task: tasks[i] as TaskRecord, score: h.score, snippet: h.snippet, matched_in: h.matched_in })), total };
  }

  async listComments(workspace: string, taskId: number, limit: number): Promise<Counted<CommentRecord>> {
    // newest `limit` comments, returned oldest first (reversed here: an outer ORDER BY costs a temp B-tree, ~15 µs)
    const rows = this.sql.all('SELECT * FROM comments WHERE workspace = ? AND task_id = ? ORDER BY id DESC LIMIT +?', workspace, taskId, limit).reverse();
    // A page short of `limit` is every comment there is (same read): the count would only repeat its length.
    const total =
      rows.length < limit ? rows.length : (this.sql.get('SELECT count(*) AS n FROM comments WHERE workspace = ? AND task_id = ?', workspace, taskId)?.n as number);
    return { items: rows.map(toComment), total };
  }

  async subtasks(workspace: string, parentId: number): Promise<TaskRecord[]> {
    return hydrate(
      this.sql.runner,
      workspace,
      this.sql.all('SELECT * FROM tasks INDEXED BY tasks_by_parent WHERE workspace = ? AND parent_id = ? ORDER BY id', workspace, parentId),
    );
  }

  async dependents(workspace: string, id: number): Promise<TaskRecord[]> {
    return hydrate(
      this.sql.runner,
      workspace,
      this.sql.all(
        // CROSS JOIN pins the loop order (edges first): without planner statistics SQLite would scan tasks in id order.
        `SELECT t.* FROM task_deps d CROSS JOIN tasks t ON t.workspace = d.workspace AND t.id = d.task_id
          WHERE d.workspace = ? AND d.depends_on = ? ORDER BY t.id`,
        workspace,
        id,
      ),
    );
  }

  async dependencyClosure(workspace: string, from: readonly number[]): Promise<Array<[number, number]>> {
    const rows = this.sql.all(
      `WITH RECURSIVE reach(task_id, depends_on) AS (
         SELECT task_id, depends_on FROM task_deps
          WHERE workspace = ? AND task_id IN (SELECT value FROM json_each(?))
         UNION
         SELECT d.task_id, d.depends_on FROM task_deps d JOIN reach r ON d.task_id = r.depends_on
          WHERE d.workspace = ?
       ) SELECT task_id, depends_on FROM reach`,
      workspace,
      JSON.stringify(from),
      workspace,
    );
    return rows.map((r) => [r.task_id as number, r.depends_on as number]);
  }

  async ancestors(workspace: string, id: number): Promise<number[]> {
    const rows = this.sql.all(
      `WITH RECURSIVE up(id, parent_id, depth) AS (
         SELECT id, parent_id, 0 FROM tasks WHERE workspace = ? AND id = ?
         UNION
         SELECT t.id, t.parent_id, up.depth + 1 FROM tasks t JOIN up ON t.id = up.parent_id
          WHERE t.workspace = ? AND up.depth < 1000
       ) SELECT id FROM up WHERE depth > 0 ORDER BY depth`,
      workspace,
      id,
      workspace,
    );
    return rows.map((r) => r.id as number);
  }

  /**
   * Actionable tasks in rank order, read from the `tasks_actionable` partial index (todo, no open dependency, no
   * open subtask: counters kept by triggers, migration 6), stopping after `limit` matches. INDEXED BY keeps the
   * plan whatever the statistics say (none on a database that grew in this process).
   */
  async actionableTasks(workspace: string, filter: { assignee?: string; label?: string }, limit: number): Promise<TaskRecord[]> {
    const params: unknown[] = [workspace];
    let extra = '';
    if (filter.assignee !== undefined) {
      extra += ' AND t.assignee = ?';
      params.push(filter.assignee);
    }
    if (filter.label !== undefined) {
      extra += ' AND EXISTS (SELECT 1 FROM task_labels l WHERE l.workspace = t.workspace AND l.task_id = t.id AND l.label = ?)';
      params.push(filter.label);
    }
    const rows = this.sql.all(
      `SELECT t.* FROM tasks t INDEXED BY tasks_actionable
        WHERE t.workspace = ? AND t.status = '${ACTIONABLE.status}' AND t.open_deps = 0 AND t.open_children = 0 ${extra}
        ORDER BY ${ACTIONABLE_ORDER}
        LIMIT +?`,
      ...params,
      limit,
    );
    return hydrate(this.sql.runner, workspace, rows);
  }

  async countWaitingOnDependencies(workspace: string): Promise<number> {
    // kept on write (migration 12): counting tasks_waiting read every waiting task's entry (600k at 1M, 25-40 ms)
    return (this.sql.get('SELECT n FROM waiting_counts WHERE workspace = ?', workspace)?.n as number | undefined) ?? 0;
  }

  async getIdempotency(workspace: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = this.sql.get('SELECT tool, args_hash, result, created_at FROM idempotency_keys WHERE workspace = ? AND key = ?', workspace, key);
    return row as IdempotencyRecord | undefined;
  }

  async listChanges(workspace: string, q: ChangeQuery): Promise<ChangeRecord[]> {
    return this.history.listChanges(workspace, q);
  }

  async getChanges(workspace: string, seqs: readonly number[]): Promise<ChangeRecord[]> {
    return this.history.getChanges(workspace, seqs);
  }

  async lastChangeSeq(workspace: string): Promise<number> {
    return this.history.lastChangeSeq(workspace);
  }

  async trashed(workspace: string, ids: readonly number[]): Promise<TrashRecord[]> {
    return this.history.trashed(workspace, ids);
  }

  async trashGroup(workspace: string, rootId: number): Promise<TrashRecord[]> {
    return this.history.trashGroup(workspace, rootId);
  }

  async listTrash(workspace: string, limit: number): Promise<TrashRecord[]> {
    return this.history.listTrash(workspace, limit);
  }

  async getMark(workspace: string, principal: string, name: string): Promise<{ seq: number; at: string } | undefined> {
    return this.history.getMark(workspace, principal, name);
  }

  async expiredLeases(workspace: string, now: string, limit: number): Promise<number[]> {
    // Every read asks (ServiceCore.fresh) and nearly always none has expired: an index probe answers that without
    // the sorter `ORDER BY id` opens (~1 µs against ~6 µs hot).
    if (this.sql.get(`SELECT 1 AS found ${EXPIRED_LEASES} LIMIT 1`, workspace, now) === undefined) return [];
    return this.sql.all(`SELECT id ${EXPIRED_LEASES} ORDER BY id LIMIT +?`, workspace, now, limit).map((r) => r.id as number);
  }

  /**
   * Ids whose decimal form starts with `prefix`, ascending: one primary-key range per length (42, 420-429,
   * 4200-4299, …) up to the workspace's largest id. Walking ids in order through `CAST(id AS TEXT) LIKE` read
   * the whole workspace for a prefix few ids have (~250-470 ms at 1M tasks for "99999").
   */
  async idsWithPrefix(workspace: string, prefix: string, limit: number): Promise<number[]> {
    const max = (this.sql.get('SELECT max(id) AS n FROM tasks WHERE workspace = ?', workspace)?.n as number | null) ?? 0;
    const out: number[] = [];
    for (const [lo, hi] of decimalPrefixRanges(prefix)) {
      if (lo > max || out.length >= limit) break;
      const rows = this.sql.all('SELECT id FROM tasks WHERE workspace = ? AND id BETWEEN ? AND ? ORDER BY id LIMIT +?', workspace, lo, hi, limit - out.length);
      for (const r of rows) out.push(r.id as number);
    }
    return out;
  }

  /** From the counters (migration 7): a few rows per assignee or label, not a scan of the workspace's tasks. */
  async distinctValues(workspace: string, field: 'assignee' | 'label', prefix: string, limit: number): Promise<string[]> {
    const sql =
      field === 'assignee'
        ? `SELECT DISTINCT assignee AS v FROM task_counts WHERE workspace = ? AND n > 0 AND assignee <> '' AND assignee LIKE +? ESCAPE '\\' ORDER BY v LIMIT +?`
        : `SELECT DISTINCT label AS v FROM label_counts WHERE workspace = ? AND n > 0 AND label LIKE +? ESCAPE '\\' ORDER BY v LIMIT +?`;
    return this.sql.all(sql, workspace, `${escapeLike(prefix)}%`, limit).map((r) => r.v as string);
  }

  async countTasks(workspace: string, window: StatWindow): Promise<StatCounts> {
    return statCounts(this.sql.runner, workspace, window);
  }
}
