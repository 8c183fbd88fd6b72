import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Mutex } from '../mutex.js';
import { decimalPrefixRanges, escapeLike, OPEN_STATUS_SQL, PRIORITY_RANK, searchWords } from '../shared.js';
import {
  type Actor,
  type ApiKeyRecord,
  type ApiKeyStore,
  type ChangeQuery,
  type ChangeRecord,
  type CommentRecord,
  type Counted,
  type IdempotencyRecord,
  type ListQuery,
  type NewChange,
  type NewTask,
  PRIORITIES,
  type Priority,
  type SearchHit,
  type SearchQuery,
  StoreError,
  TASK_STATUSES,
  type TaskDetailRecord,
  type TaskPatch,
  type TaskRecord,
  type TaskStats,
  type TaskStatus,
  type TaskStore,
  type TaskWriter,
  type TrashRecord,
} from '../types.js';
import { sqliteAudit } from './audit.js';
import { Facets } from './facets.js';
import { SqliteHistory } from './history.js';
import { filterSql, labelCount, listOrder, listPage, type SqlRunner } from './list.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SearchTables, searchPage } from './search-index.js';

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file path, or `:memory:` (one connection, for tests and benchmarks). */
  path: string;
  /** `PRAGMA synchronous`: FULL (default) survives power loss; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a statement waits for a lock held by another process, in ms (default 5,000). */
  busyTimeoutMs?: number;
}

type Row = Record<string, unknown>;

/**
 * Open (creating if needed) a SQLite task store: WAL journal, `synchronous=FULL`,
 * `busy_timeout`, FTS5 search, migrations applied on open.
 *
 * Writes go through one connection and are serialized; reads use a second
 * connection, so they see committed data only (WAL snapshot isolation).
 *
 * @throws StoreError `unavailable` when the file cannot be opened or migrated.
 */
export function openSqliteStore(options: SqliteStoreOptions): TaskStore {
  const memory = options.path === ':memory:';
  let writer: Database.Database | undefined;
  let reader: Database.Database;
  try {
    if (!memory) mkdirSync(dirname(options.path), { recursive: true });
    writer = openConnection(options);
    migrate(writer);
    writer.pragma('optimize=0x10002'); // gather planner statistics on open when missing or stale
    reader = memory ? writer : openConnection(options);
  } catch (error) {
    writer?.close();
    throw new StoreError('unavailable', `cannot open SQLite database at ${options.path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const origin = randomUUID();
  const writeRepo = new SqliteRepo(writer, origin);
  const readRepo = memory ? writeRepo : new SqliteRepo(reader, origin);
  const writeLock = new Mutex();
  const readLock = memory ? writeLock : new Mutex();
  let closed = false;

  const guard = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreError('unavailable', 'the store is closed'));
    return fn().catch((error: unknown) => {
      throw translate(error);
    });
  };

  const apiKeys: ApiKeyStore = {
    insert: (key) =>
      guard(() =>
        writeLock.run(async () => {
          writer
            .prepare('INSERT INTO api_keys (id, workspace, name, scopes, secret_hash, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
            .run(key.id, key.workspace, key.name, JSON.stringify(key.scopes), key.secret_hash, key.created_at, key.expires_at, key.revoked_at);
        }),
      ),
    get: (id) => guard(() => readLock.run(async () => toApiKey(reader.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined))),
    list: (workspace) =>
      guard(() =>
        readLock.run(async () => {
          const rows = (
            workspace === undefined
              ? reader.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all()
              : reader.prepare('SELECT * FROM api_keys WHERE workspace = ? ORDER BY created_at, id').all(workspace)
          ) as Row[];
          return rows.map((r) => toApiKey(r) as ApiKeyRecord);
        }),
      ),
    revoke: (id, now) =>
      guard(() => writeLock.run(async () => writer.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0)),
  };

  return {
    engine: 'sqlite',
    origin,
    apiKeys,
    audit: sqliteAudit(writer, reader, { write: writeLock, read: readLock }, guard),
    read: (fn) =>
      guard(() =>
        readLock.run(async () => {
          reader.exec('BEGIN');
          try {
            return await fn(readRepo);
          } finally {
            reader.exec('COMMIT');
          }
        }),
      ),
    write: (fn) =>
      guard(() =>
        writeLock.run(async () => {
          writer.exec('BEGIN IMMEDIATE');
          try {
            const result = await fn(writeRepo);
            writeRepo.flushSearchIndex();
            writer.exec('COMMIT');
            writeRepo.facets.committed();
            writeRepo.searchTables.committed();
            return result;
          } catch (error) {
            writeRepo.discardSearchIndex();
            writeRepo.facets.rolledBack();
            writeRepo.searchTables.rolledBack();
            if (writer.inTransaction) writer.exec('ROLLBACK');
            throw error;
          }
        }),
      ),
    prune: (before) => guard(() => writeLock.run(async () => writer.transaction(() => writeRepo.history.prune(before)).immediate())),
    ping: () => guard(async () => void reader.prepare('SELECT 1').get()),
    close: async () => {
      if (closed) return;
      closed = true;
      await writeLock.run(async () => undefined);
      await readLock.run(async () => undefined);
      writer.pragma('optimize'); // refresh planner statistics that drifted (SQLite's advice before closing)
      if (!memory) reader.close();
      writer.close();
    },
  };
}

function openConnection(options: SqliteStoreOptions): Database.Database {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -32768'); // 32 MiB page cache per connection (the default 2 MiB thrashes past ~50k tasks)
  return db;
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this Taskwire (${SQLITE_MIGRATIONS.length}); upgrade Taskwire`);
  }
  for (let i = current; i < SQLITE_MIGRATIONS.length; i++) {
    db.transaction(() => {
      // Re-read under the write lock: another process may have applied it since we looked.
      if ((db.pragma('user_version', { simple: true }) as number) > i) return;
      const step = SQLITE_MIGRATIONS[i];
      if (typeof step === 'function') step(db);
      else db.exec(step as string);
      db.pragma(`user_version = ${i + 1}`);
    }).immediate();
  }
}

function translate(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof Database.SqliteError) {
    if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED' || error.code.startsWith('SQLITE_IOERR')) {
      return new StoreError('unavailable', `database busy or unreachable (${error.code})`, { cause: error });
    }
    return new StoreError('internal', `database error (${error.code})`, { cause: error });
  }
  return error;
}

/** Build an FTS5 query from free text: every word quoted (no operator injection), prefix-matched, AND-ed. */
export function toFtsQuery(text: string): string | undefined {
  const words = searchWords(text);
  return words.length === 0 ? undefined : words.map((w) => `"${w}"*`).join(' ');
}

class SqliteRepo implements TaskWriter {
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * Full-text rows of tasks inserted in the current write transaction, not yet in their workspace's FTS5 table.
   * FTS5 writes its pending terms to disk as a new segment whenever a later statement opens a
   * statement savepoint (any write that may abort, e.g. the next task's INSERT): indexing each new
   * task at once made one segment per task and merge work that grew with the index. Indexed in one
   * run before COMMIT ({@link flushSearchIndex}) and before anything in the transaction reads or
   * rewrites a full-text table, so no statement ever sees the index without them.
   */
  private pendingSearchRows: Array<[table: string, rid: number | bigint, title: string, description: string, facets: string]> = [];

  readonly history: SqliteHistory;
  readonly facets: Facets;
  readonly searchTables: SearchTables;

  constructor(
    private readonly db: Database.Database,
    origin: string,
  ) {
    this.history = new SqliteHistory((sql) => this.stmt(sql), origin);
    this.facets = new Facets(this.runner);
    this.searchTables = new SearchTables(db, this.facets, (sql) => this.stmt(sql));
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** The repo's cached statements as a {@link SqlRunner}, for the query modules (list.ts). */
  private readonly runner: SqlRunner = { all: (sql, ...p) => this.all(sql, ...p), get: (sql, ...p) => this.get(sql, ...p) };

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  // ---- reads ----

  async getTask(workspace: string, id: number): Promise<TaskRecord | undefined> {
    const row = this.get('SELECT * FROM tasks WHERE workspace = ? AND id = ?', workspace, id);
    return row ? this.hydrate(workspace, [row])[0] : undefined;
  }

  async getTasks(workspace: string, ids: readonly number[]): Promise<TaskRecord[]> {
    if (ids.length === 0) return [];
    const rows = this.all('SELECT * FROM tasks WHERE workspace = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id', workspace, JSON.stringify(ids));
    return this.hydrate(workspace, rows);
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
    if (query.label !== undefined) return this.listLabelled(workspace, query.label, query);
    const { rows, total } = listPage(this.runner, workspace, query);
    return { items: this.hydrate(workspace, rows), total };
  }

  /**
   * list_tasks with a label filter, driven from the label's rows (a label is a small slice of a
   * workspace), which carry their task's status, priority rank, due date and assignee (migration 3).
   * Sorted by priority, descending, the page is read in order from `task_labels_by_priority` and
   * stops after OFFSET + LIMIT matches; the total comes from `label_counts`, or (with an assignee) is counted
   * on `task_labels_by_priority`, which carries status and assignee (migration 10), without visiting the tasks
   * unless a filter on another column needs them. CROSS JOIN fixes the loop
   * order (label rows first) whatever the planner statistics say.
   */
  private listLabelled(workspace: string, label: string, query: ListQuery): Counted<TaskRecord> {
    const dir = query.order === 'asc' ? 'ASC' : 'DESC';
    const lf: string[] = ['lf.workspace = ?', 'lf.label = ?'];
    const lfParams: unknown[] = [workspace, label];
    if (query.status && query.status.length > 0) {
      lf.push('lf.status IN (SELECT value FROM json_each(?))');
      lfParams.push(JSON.stringify(query.status));
    }
    if (query.assignee !== undefined) {
      lf.push('lf.assignee = ?');
      lfParams.push(query.assignee);
    }
    const { where: rest, params: restParams } = filterSql(workspace, { ...query, label: undefined, status: undefined, assignee: undefined }, 't');
    const onlyLabelRows = rest === 't.workspace = ?'; // no filter beyond the workspace needs the task row
    const join = 'CROSS JOIN tasks t ON t.workspace = lf.workspace AND t.id = lf.task_id';
    const byPriority = query.sort === 'priority'; // either direction: the index read forwards or backwards
    const labelRank =
      dir === 'DESC'
        ? 'lf.priority_rank DESC, lf.due_date IS NULL ASC, lf.due_date ASC, lf.task_id ASC'
        : 'lf.priority_rank ASC, lf.due_date IS NULL DESC, lf.due_date DESC, lf.task_id DESC';
    const rows = this.all(
      `SELECT t.* FROM task_labels lf ${byPriority ? 'INDEXED BY task_labels_by_priority' : ''} ${join}
        WHERE ${lf.join(' AND ')} AND ${rest}
        ORDER BY ${byPriority ? labelRank : listOrder('t', query.sort, query.order)}
        LIMIT ? OFFSET ?`,
      ...lfParams,
      ...restParams,
      query.limit,
      query.offset,
    );
    const total =
      onlyLabelRows && query.assignee === undefined
        ? labelCount(this.runner, workspace, label, query.status)
        : ((onlyLabelRows
            ? this.get(`SELECT count(*) AS n FROM task_labels lf INDEXED BY task_labels_by_priority WHERE ${lf.join(' AND ')}`, ...lfParams)
            : this.get(`SELECT count(*) AS n FROM task_labels lf ${join} WHERE ${lf.join(' AND ')} AND ${rest}`, ...lfParams, ...restParams)
          )?.n as number);
    return { items: this.hydrate(workspace, rows), total };
  }

  /**
   * Full-text search in the workspace's own FTS5 table (search-index.ts: scores use only its statistics); the
   * status, assignee and label filters are terms of the FTS5 query (facets.ts).
   */
  async searchTasks(workspace: string, query: SearchQuery): Promise<Counted<SearchHit>> {
    const text = toFtsQuery(query.text);
    if (!text) return { items: [], total: 0 };
    this.flushSearchIndex(); // inside a write transaction, see its own new tasks
    const table = this.searchTables.find(workspace);
    const facets = this.facets.match(query);
    if (table === undefined || facets === null) return { items: [], total: 0 };
    const { hits, total } = searchPage(this.runner, this.searchTables, table, workspace, text, facets, query);
    const tasks = this.hydrate(
      workspace,
      hits.map((h) => h.row),
    );
    return { items: hits.map((h, i) => ({ task: tasks[i] as TaskRecord, score: h.score, snippet: h.snippet, matched_in: h.matched_in })), total };
  }

  async listComments(workspace: string, taskId: number, limit: number): Promise<Counted<CommentRecord>> {
    // newest `limit` comments, returned oldest first (reversed here: an outer ORDER BY costs a temp B-tree, ~15 µs)
    const rows = this.all('SELECT * FROM comments WHERE workspace = ? AND task_id = ? ORDER BY id DESC LIMIT ?', workspace, taskId, limit).reverse();
    const total = this.get('SELECT count(*) AS n FROM comments WHERE workspace = ? AND task_id = ?', workspace, taskId)?.n as number;
    return { items: rows.map(toComment), total };
  }

  async subtasks(workspace: string, parentId: number): Promise<TaskRecord[]> {
    return this.hydrate(workspace, this.all('SELECT * FROM tasks INDEXED BY tasks_by_parent WHERE workspace = ? AND parent_id = ? ORDER BY id', workspace, parentId));
  }

  async dependents(workspace: string, id: number): Promise<TaskRecord[]> {
    return this.hydrate(
      workspace,
      this.all(
        // CROSS JOIN pins the loop order (edges first): without planner statistics SQLite would scan tasks in id order.
        `SELECT t.* FROM task_deps d CROSS JOIN tasks t ON t.workspace = d.workspace AND t.id = d.task_id
          WHERE d.workspace = ? AND d.depends_on = ? ORDER BY t.id`,
        workspace,
        id,
      ),
    );
  }

  async dependencyClosure(workspace: string, from: readonly number[]): Promise<Array<[number, number]>> {
    const rows = this.all(
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
    const rows = this.all(
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
    const rows = this.all(
      `SELECT t.* FROM tasks t INDEXED BY tasks_actionable
        WHERE t.workspace = ? AND t.status = 'todo' AND t.open_deps = 0 AND t.open_children = 0 ${extra}
        ORDER BY t.priority_rank DESC, t.due_date IS NULL, t.due_date, t.created_at, t.id
        LIMIT ?`,
      ...params,
      limit,
    );
    return this.hydrate(workspace, rows);
  }

  async countWaitingOnDependencies(workspace: string): Promise<number> {
    return this.get(`SELECT count(*) AS n FROM tasks INDEXED BY tasks_waiting WHERE workspace = ? AND status = 'todo' AND open_deps > 0`, workspace)?.n as number;
  }

  /** Counts from the counters kept on write (migration 7), plus two index-only range counts (overdue, completed). */
  async stats(workspace: string, now: Date): Promise<TaskStats> {
    const by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    const by_priority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
    let total = 0;
    for (const r of this.all('SELECT status, sum(n) AS n FROM task_counts WHERE workspace = ? GROUP BY status', workspace)) {
      by_status[r.status as TaskStatus] = r.n as number;
      total += r.n as number;
    }
    for (const r of this.all(`SELECT priority, sum(n) AS n FROM task_counts WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY priority`, workspace)) {
      by_priority[r.priority as Priority] = r.n as number;
    }
    const by_label: Record<string, number> = {};
    for (const r of this.all(
      `SELECT label, sum(n) AS n FROM label_counts WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY label HAVING sum(n) > 0 ORDER BY n DESC, label LIMIT 50`,
      workspace,
    )) {
      by_label[r.label as string] = r.n as number;
    }
    const by_assignee: Record<string, number> = {};
    for (const r of this.all(
      `SELECT CASE assignee WHEN '' THEN '(unassigned)' ELSE assignee END AS a, sum(n) AS n FROM task_counts
        WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY a HAVING sum(n) > 0 ORDER BY n DESC, a LIMIT 50`,
      workspace,
    )) {
      by_assignee[r.a as string] = r.n as number;
    }
    const today = now.toISOString().slice(0, 10);
    const overdue = this.get(
      `SELECT count(*) AS n FROM tasks INDEXED BY tasks_open_due WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} AND due_date IS NOT NULL AND due_date < ?`,
      workspace,
      today,
    )?.n as number;
    const since = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
    // completed_at is set exactly while a task is done (set on done, cleared on leaving it): an index-only count.
    const completedSince = (days: number) =>
      this.get('SELECT count(*) AS n FROM tasks INDEXED BY tasks_by_completed WHERE workspace = ? AND completed_at >= ?', workspace, since(days))?.n as number;
    return {
      total,
      by_status,
      by_priority,
      by_label,
      by_assignee,
      overdue,
      completed_last_7_days: completedSince(7),
      completed_last_30_days: completedSince(30),
    };
  }

  async getIdempotency(workspace: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = this.get('SELECT tool, args_hash, result, created_at FROM idempotency_keys WHERE workspace = ? AND key = ?', workspace, key);
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
    return this.all(
      'SELECT id FROM tasks INDEXED BY tasks_by_lease_expiry WHERE workspace = ? AND lease_expires_at IS NOT NULL AND lease_expires_at <= ? ORDER BY id LIMIT ?',
      workspace,
      now,
      limit,
    ).map((r) => r.id as number);
  }

  /**
   * Ids whose decimal form starts with `prefix`, ascending: one primary-key range per length (42, 420-429,
   * 4200-4299, …) up to the workspace's largest id. Walking ids in order through `CAST(id AS TEXT) LIKE` read
   * the whole workspace for a prefix few ids have (~250-470 ms at 1M tasks for "99999").
   */
  async idsWithPrefix(workspace: string, prefix: string, limit: number): Promise<number[]> {
    const max = (this.get('SELECT max(id) AS n FROM tasks WHERE workspace = ?', workspace)?.n as number | null) ?? 0;
    const out: number[] = [];
    for (const [lo, hi] of decimalPrefixRanges(prefix)) {
      if (lo > max || out.length >= limit) break;
      const rows = this.all('SELECT id FROM tasks WHERE workspace = ? AND id BETWEEN ? AND ? ORDER BY id LIMIT ?', workspace, lo, hi, limit - out.length);
      for (const r of rows) out.push(r.id as number);
    }
    return out;
  }

  /** From the counters (migration 7): a few rows per assignee or label, not a scan of the workspace's tasks. */
  async distinctValues(workspace: string, field: 'assignee' | 'label', prefix: string, limit: number): Promise<string[]> {
    const sql =
      field === 'assignee'
        ? `SELECT DISTINCT assignee AS v FROM task_counts WHERE workspace = ? AND n > 0 AND assignee <> '' AND assignee LIKE ? ESCAPE '\\' ORDER BY v LIMIT ?`
        : `SELECT DISTINCT label AS v FROM label_counts WHERE workspace = ? AND n > 0 AND label LIKE ? ESCAPE '\\' ORDER BY v LIMIT ?`;
    return this.all(sql, workspace, `${escapeLike(prefix)}%`, limit).map((r) => r.v as string);
  }

  // ---- writes ----

  async insertTask(workspace: string, task: NewTask, actor: Actor, now: string): Promise<TaskRecord> {
    const record: TaskRecord = {
      id: this.nextId(workspace, 'next_task_id'),
      ...task,
      labels: [...task.labels],
      depends_on: [],
      version: 1,
      created_at: now,
      updated_at: now,
      completed_at: task.status === 'done' ? now : null,
      created_by: { principal: actor.principal, client: actor.client },
      updated_by: { principal: actor.principal, client: actor.client },
      lease: null,
    };
    const rid = this.writeRow(workspace, record);
    // A new task has no comments yet: its full-text row is title and description, indexed before COMMIT.
    this.pendingSearchRows.push([this.searchTables.ensure(workspace), rid, task.title, task.description, this.facets.tokens(task)]);
    return record;
  }

  /** Insert a task's row and its label rows as they are in `t` (its dependency edges are not part of it). */
  private writeRow(workspace: string, t: TaskRecord): number | bigint {
    const { lastInsertRowid } = this.run(
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

  async updateTask(workspace: string, id: number, patch: TaskPatch, actor: Actor, now: string, expectedVersion?: number): Promise<TaskRecord> {
    const found = this.get('SELECT version FROM tasks WHERE workspace = ? AND id = ?', workspace, id);
    if (!found) throw new StoreError('internal', `task ${id} vanished inside a transaction`);
    if (expectedVersion !== undefined && expectedVersion !== found.version) {
      throw new StoreError('version_conflict', `task ${id} is at version ${found.version}, not ${expectedVersion}`, {
        current: await this.getTask(workspace, id),
      });
    }
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
    this.run(`UPDATE tasks SET ${sets.join(', ')}, version = version + 1 WHERE workspace = ? AND id = ?`, ...params, workspace, id);
    if (patch.labels !== undefined) this.syncLabels(workspace, id);
    else if (patch.status !== undefined || patch.priority !== undefined || patch.due_date !== undefined || patch.assignee !== undefined) {
      this.syncLabelColumns(workspace, id);
    }
    // The full-text row holds the text and the facets (status, assignee, labels) searches filter on.
    if (patch.title !== undefined || patch.description !== undefined || patch.status !== undefined || patch.assignee !== undefined || patch.labels !== undefined) {
      this.reindex(workspace, id);
    }
    return (await this.getTask(workspace, id)) as TaskRecord;
  }

  async setDependencies(workspace: string, id: number, dependsOn: readonly number[]): Promise<void> {
    this.run('DELETE FROM task_deps WHERE workspace = ? AND task_id = ?', workspace, id);
    for (const dep of dependsOn) {
      this.run('INSERT INTO task_deps (workspace, task_id, depends_on) VALUES (?, ?, ?)', workspace, id, dep);
    }
  }

  async deleteTask(workspace: string, id: number): Promise<boolean> {
    const row = this.get('SELECT rid FROM tasks WHERE workspace = ? AND id = ?', workspace, id);
    if (!row) return false;
    this.flushSearchIndex();
    const table = this.searchTables.find(workspace);
    if (table !== undefined) this.run(`DELETE FROM ${table} WHERE rowid = ?`, row.rid);
    this.run('DELETE FROM task_deps WHERE workspace = ? AND (task_id = ? OR depends_on = ?)', workspace, id, id);
    this.run('DELETE FROM task_labels WHERE workspace = ? AND task_id = ?', workspace, id);
    this.run('DELETE FROM comments WHERE workspace = ? AND task_id = ?', workspace, id);
    this.run('DELETE FROM tasks WHERE workspace = ? AND id = ?', workspace, id);
    return true;
  }

  async insertComment(workspace: string, taskId: number, body: string, actor: Actor, now: string): Promise<CommentRecord> {
    const id = this.nextId(workspace, 'next_comment_id');
    this.run(
      'INSERT INTO comments (workspace, id, task_id, body, author, author_client, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      workspace,
      id,
      taskId,
      body,
      actor.principal,
      actor.client,
      now,
    );
    this.reindex(workspace, taskId);
    return toComment(this.get('SELECT * FROM comments WHERE workspace = ? AND id = ?', workspace, id) as Row);
  }

  async putIdempotency(workspace: string, key: string, record: IdempotencyRecord): Promise<void> {
    this.run(
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
      this.run(
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
    this.reindex(workspace, task.id);
  }

  async deleteComment(workspace: string, taskId: number, commentId: number): Promise<boolean> {
    const gone = this.run('DELETE FROM comments WHERE workspace = ? AND task_id = ? AND id = ?', workspace, taskId, commentId).changes > 0;
    if (gone) this.reindex(workspace, taskId);
    return gone;
  }

  // ---- helpers ----

  /** Index the new tasks' full-text rows (see {@link pendingSearchRows}); idempotent. */
  flushSearchIndex(): void {
    if (this.pendingSearchRows.length === 0) return;
    const rows = this.pendingSearchRows;
    this.pendingSearchRows = [];
    for (const [table, rid, title, description, facets] of rows) {
      this.run(`INSERT INTO ${table} (rowid, title, description, comments, facets) VALUES (?, ?, ?, ?, ?)`, rid, title, description, '', facets);
    }
  }

  /** Forget pending full-text rows of a transaction that rolls back. */
  discardSearchIndex(): void {
    this.pendingSearchRows = [];
  }

  /** Take the next per-workspace id from its counter (created on first use); rolls back with the transaction. */
  private nextId(workspace: string, counter: 'next_task_id' | 'next_comment_id'): number {
    const row = this.get(
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
      this.run(
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
    this.run('DELETE FROM task_labels WHERE workspace = ? AND task_id = ?', workspace, id);
    this.run(
      `INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee)
       SELECT DISTINCT t.workspace, t.id, l.value, t.status, t.priority_rank, t.due_date, t.assignee
         FROM tasks t, json_each(t.labels) l WHERE t.workspace = ? AND t.id = ?`,
      workspace,
      id,
    );
  }

  /** Copy a task's list columns onto its label rows, in place (its labels did not change). */
  private syncLabelColumns(workspace: string, id: number): void {
    this.run(
      `UPDATE task_labels SET (status, priority_rank, due_date, assignee) =
         (SELECT t.status, t.priority_rank, t.due_date, t.assignee FROM tasks t WHERE t.workspace = task_labels.workspace AND t.id = task_labels.task_id)
        WHERE workspace = ? AND task_id = ?`,
      workspace,
      id,
    );
  }

  /** Rebuild the full-text row of one task from its title, description and comments. */
  private reindex(workspace: string, id: number): void {
    const row = this.get(
      `SELECT t.rid, t.title, t.description, t.status, t.assignee, t.labels,
              (SELECT group_concat(body, char(10)) FROM comments c WHERE c.workspace = t.workspace AND c.task_id = t.id) AS comments
         FROM tasks t WHERE t.workspace = ? AND t.id = ?`,
      workspace,
      id,
    );
    if (!row) return;
    this.flushSearchIndex();
    const table = this.searchTables.ensure(workspace);
    this.run(`DELETE FROM ${table} WHERE rowid = ?`, row.rid);
    const facets = this.facets.tokens({
      status: row.status as TaskStatus,
      assignee: (row.assignee as string | null) ?? null,
      labels: JSON.parse(row.labels as string) as string[],
    });
    this.run(
      `INSERT INTO ${table} (rowid, title, description, comments, facets) VALUES (?, ?, ?, ?, ?)`,
      row.rid,
      row.title,
      row.description,
      row.comments ?? '',
      facets,
    );
  }

  /** Rows → records, fetching every row's dependency list in one query. */
  private hydrate(workspace: string, rows: Row[]): TaskRecord[] {
    if (rows.length === 0) return [];
    const deps = new Map<number, number[]>();
    const edges =
      rows.length === 1
        ? this.all('SELECT task_id, depends_on FROM task_deps WHERE workspace = ? AND task_id = ? ORDER BY depends_on', workspace, rows[0]?.id)
        : this.all(
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
}

function toApiKey(r: Row | undefined): ApiKeyRecord | undefined {
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

function toComment(r: Row): CommentRecord {
  return {
    id: r.id as number,
    task_id: r.task_id as number,
    body: r.body as string,
    author: { principal: r.author as string, client: (r.author_client as string | null) ?? null },
    created_at: r.created_at as string,
  };
}

export { RANKED_MATCHES } from './search-index.js';
