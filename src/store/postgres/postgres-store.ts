import { randomUUID } from 'node:crypto';
import {
  CompiledQuery,
  type Expression,
  expressionBuilder,
  type Generated,
  type GeneratedAlways,
  Kysely,
  PostgresDialect,
  type RawBuilder,
  type Selectable,
  type SqlBool,
  sql,
} from 'kysely';
import pg from 'pg';
import { Mutex } from '../mutex.js';
import { decimalPrefixRanges, escapeLike, OPEN_STATUS_SQL, OPEN_STATUSES, PRIORITY_RANK, searchWords } from '../shared.js';
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
  type TaskFilter,
  type TaskPatch,
  type TaskRecord,
  type TaskStats,
  type TaskStatus,
  type TaskStore,
  type TaskWriter,
  type TrashRecord,
} from '../types.js';
import { postgresAudit } from './audit.js';
import { DEFER, foldedPool } from './folded-pool.js';
import * as history from './history.js';
import { FTS_CONFIG, migrate } from './migrations.js';

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:port/database`; libpq query parameters the
   * `pg` driver understands (`sslmode`, `application_name`, ...) are honoured.
   */
  connectionString: string;
  /**
   * Schema that holds Taskwire's tables (default: the server's `search_path`,
   * usually `public`). Created when missing; every pooled connection gets
   * `search_path` set to it alone.
   */
  schema?: string;
  /** Most connections the pool opens (default 10). Callers beyond that wait, up to `connectTimeoutMs`. */
  poolSize?: number;
  /** Server-side `statement_timeout` in ms (default 30,000; 0 keeps the server's own, normally none). A statement cut off by it fails as `unavailable`. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection, new or pooled, in ms (default 5,000). */
  connectTimeoutMs?: number;
}

// ---- table shapes, as the driver returns them (see TYPE_PARSERS) ----

interface TasksTable {
  workspace: string;
  id: number;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  priority_rank: number;
  labels: string[];
  assignee: string | null;
  /** `YYYY-MM-DD` */
  due_date: string | null;
  parent_id: number | null;
  version: Generated<number>;
  /** ISO-8601 UTC, like every timestamptz column */
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  created_by: string;
  created_client: string | null;
  updated_by: string;
  updated_client: string | null;
  /** The lease (claim_task): all five null, or all but `lease_client`/`lease_client_version` set. */
  lease_id: Generated<string | null>;
  lease_holder: Generated<string | null>;
  lease_client: Generated<string | null>;
  lease_client_version: Generated<string | null>;
  lease_expires_at: Generated<string | null>;
  comment_text: Generated<string>;
  search: GeneratedAlways<unknown>;
  /** Open dependencies and open direct subtasks, kept by triggers (migration 5); never written by the store. */
  open_deps: Generated<number>;
  open_children: Generated<number>;
}

interface Database {
  workspaces: { name: string; next_task_id: Generated<number>; next_comment_id: Generated<number>; next_change_seq: Generated<number> };
  tasks: TasksTable;
  /** A label row carries its task's list columns (migration 6), written by the store on insert and by a trigger after. */
  task_labels: { workspace: string; task_id: number; label: string; status: TaskStatus; priority_rank: number; due_date: string | null; assignee: string | null };
  task_counts: { workspace: string; status: TaskStatus; priority: Priority; assignee: string; top: boolean; n: number };
  label_counts: { workspace: string; label: string; status: TaskStatus; n: number };
  task_deps: { workspace: string; task_id: number; depends_on: number };
  comments: { workspace: string; id: number; task_id: number; body: string; author: string; author_client: string | null; created_at: string };
  idempotency_keys: { workspace: string; key: string; tool: string; args_hash: string; result: string; created_at: string };
  api_keys: ApiKeyRecord;
}

const TASK_COLUMNS = [
  'tasks.id',
  'tasks.title',
  'tasks.description',
  'tasks.status',
  'tasks.priority',
  'tasks.labels',
  'tasks.assignee',
  'tasks.due_date',
  'tasks.parent_id',
  'tasks.version',
  'tasks.created_at',
  'tasks.updated_at',
  'tasks.completed_at',
  'tasks.created_by',
  'tasks.created_client',
  'tasks.updated_by',
  'tasks.updated_client',
  'tasks.lease_id',
  'tasks.lease_holder',
  'tasks.lease_client',
  'tasks.lease_client_version',
  'tasks.lease_expires_at',
] as const;
type TaskRow = Selectable<Omit<TasksTable, 'workspace' | 'priority_rank' | 'comment_text' | 'search' | 'open_deps' | 'open_children'>>;

/** A task row's dependency ids, ascending (correlated on the outer, unaliased `tasks`). */
const DEPENDS_ON = sql<number[]>`ARRAY(SELECT d.depends_on FROM task_deps d WHERE d.workspace = tasks.workspace AND d.task_id = tasks.id ORDER BY d.depends_on)`;
/** How many of the newest matches a search ranks (as SQLite's RANKED_MATCHES); older ones follow, newest first. */
const RANKED_MATCHES = 2000;
const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxFragments=1, MaxWords=16, MinWords=5';
/** First key of the advisory lock a write transaction holds per workspace (second key: schema and workspace). */
const WORKSPACE_LOCK = 0x74770002;

/** Parsers for types whose `pg` default does not fit the port: counts as numbers, dates as strings, times as ISO-8601 UTC. */
const TYPE_PARSERS = new Map<number, (value: string) => unknown>([
  [pg.types.builtins.INT8, Number],
  [pg.types.builtins.DATE, (value) => value],
  [pg.types.builtins.TIMESTAMPTZ, (value) => (pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ)(value) as Date).toISOString()],
]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' ? (TYPE_PARSERS.get(oid) ?? pg.types.getTypeParser(oid)) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Open a PostgreSQL task store: a `pg` connection pool queried through Kysely,
 * migrations applied on open (see `migrations.ts`), full-text search on a
 * weighted `tsvector` (title > description > comments) with a GIN index.
 *
 * `write` runs on one pooled connection as one READ COMMITTED transaction. Its
 * first call for a workspace takes a transaction-scoped advisory lock on that
 * workspace, so writers to one workspace run one after another, as they do on
 * SQLite: a `write` that reads and then writes never acts on a stale read.
 * Writers to different workspaces run in parallel. `read` is a READ ONLY,
 * REPEATABLE READ transaction: one consistent snapshot of committed data.
 *
 * Before each port method's statements the transaction-local setting
 * `taskwire.workspace` is set to that method's workspace, which the tables'
 * row-level security policies check (effective unless the role is a superuser
 * or has BYPASSRLS). Calls on one transaction's reader or writer are queued,
 * so concurrent calls (`Promise.all`) never run under another call's setting.
 *
 * Change records (see `history.ts`) take their seqs from the workspace's
 * counter row while the write holds the workspace lock, so seqs are gap-free
 * and commit in seq order; each carries the store's `origin` (a random UUID
 * per open). `prune` deletes old change records and trash entries of every
 * workspace in its own transaction under `taskwire.history_prune`.
 *
 * @throws StoreError `unavailable` when the server cannot be reached or the
 *   schema cannot be migrated (including one migrated by a newer Taskwire).
 *   Later calls throw `unavailable` for connection loss, shutdown, too many
 *   connections, timeouts, serialization failures and deadlocks (all
 *   retryable), `version_conflict` from `updateTask`, and `internal` for any
 *   other database error.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<TaskStore> {
  const { schema } = options;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    fallback_application_name: 'taskwire',
    types,
  });
  // A connection the server drops emits 'error' (on the pool when idle, on the
  // client when checked out); unhandled, that would end the process. The next
  // statement on such a connection fails, and that failure is what we report.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: foldedPool(pool),
      onCreateConnection:
        schema === undefined ? undefined : async (connection) => void (await connection.executeQuery(CompiledQuery.raw(`SET search_path TO ${quoteIdent(schema)}`))),
    }),
  });

  try {
    await migrate(db as Kysely<unknown>, schema);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new StoreError('unavailable', `cannot open PostgreSQL database at ${redact(options.connectionString)}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  let closed = false;
  const guard = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreError('unavailable', 'the store is closed'));
    return fn().catch((error: unknown) => {
      throw translate(error);
    });
  };

  const apiKeys: ApiKeyStore = {
    insert: (key) => guard(async () => void (await db.insertInto('api_keys').values(key).execute())),
    get: (id) => guard(async () => await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()),
    list: (workspace) =>
      guard(async () => {
        let q = db.selectFrom('api_keys').selectAll();
        if (workspace !== undefined) q = q.where('workspace', '=', workspace);
        return await q.orderBy('created_at').orderBy('id').execute();
      }),
    revoke: (id, now) =>
      guard(async () => {
        const r = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
  };

  const origin = randomUUID();
  return {
    engine: 'postgres',
    origin,
    apiKeys,
    audit: postgresAudit(db as Kysely<unknown>, guard),
    read: (fn) => guard(() => inTransaction(db, origin, false, fn)),
    write: (fn) => guard(() => inTransaction(db, origin, true, fn)),
    prune: (before) => guard(() => history.pruneHistory(db as Kysely<unknown>, before)),
    ping: () => guard(async () => void (await sql`SELECT 1`.execute(db))),
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy(); // waits for checked-out connections to come back
    },
  };
}

/**
 * Run `fn` as one transaction on one pooled connection. The transaction begins lazily: BEGIN, the
 * first port call's workspace setting (and lock) ride in the round trip of that call's first statement
 * (see PostgresRepo.scoped and folded-pool.ts); a `fn` that makes no call costs no round trip at all. COMMIT after `fn` resolves, ROLLBACK if it throws.
 */
async function inTransaction<T>(db: Kysely<Database>, origin: string, writable: boolean, fn: (repo: PostgresRepo) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    const repo = new PostgresRepo(connection, origin, writable);
    let result: T;
    try {
      result = await fn(repo);
    } catch (error) {
      await repo.end('rollback').catch(() => undefined); // the caller's error is the one to report
      throw error;
    }
    await repo.end('commit');
    return result;
  });
}

const RETRYABLE_SQLSTATES = new Set([
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout): busy past its timeout
]);
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Messages of the plain `Error`s pg, pg-pool and Kysely throw when there is no usable connection. */
const CONNECTION_LOST =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|driver has already been destroyed)/;

function translate(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    if (code.startsWith('08') || RETRYABLE_SQLSTATES.has(code)) {
      return new StoreError('unavailable', `database busy or unreachable (${code})`, { cause: error });
    }
    return new StoreError('internal', `database error (${code})`, { cause: error });
  }
  if (isConnectionError(error)) {
    return new StoreError('unavailable', `database unreachable (${(error as Error).message})`, { cause: error });
  }
  return error; // not from the database: the caller's own error, rethrown after ROLLBACK
}

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError); // one per address tried
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && NETWORK_ERRNOS.has(code)) || CONNECTION_LOST.test(error.message);
}

/** The connection string without its password, for messages. */
function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(connection string)';
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Free text → a `to_tsquery` source: every letter/digit word a quoted lexeme,
 * prefix-matched, AND-ed (or OR-ed with `any`). Only word characters reach
 * the quotes, so user text can never be tsquery syntax.
 */
function toTsQuery(text: string, join: '&' | '|'): string | undefined {
  const words = searchWords(text);
  return words.length === 0 ? undefined : words.map((w) => `'${w}':*`).join(` ${join} `);
}

/** `tasks` has a label (correlated on the outer `tasks`). */
const hasLabel = (label: string) =>
  sql<SqlBool>`EXISTS (SELECT 1 FROM task_labels l WHERE l.workspace = tasks.workspace AND l.task_id = tasks.id AND l.label = ${label})`;
/**
 * The predicate of the partial index `tasks_actionable` (migration 5), as literals so the planner can match it:
 * todo, no open dependency, no open subtask (counters kept by triggers).
 */
const IS_ACTIONABLE = sql<SqlBool>`tasks.status = 'todo' AND tasks.open_deps = 0 AND tasks.open_children = 0`;
/** next_task's order, exactly the key order of `tasks_actionable` after `workspace`. */
const ACTIONABLE_ORDER = sql.raw('tasks.priority_rank DESC, tasks.due_date ASC NULLS LAST, tasks.created_at ASC, tasks.id ASC');

/** The shared task filters as one condition on (unaliased) `tasks`. */
function taskFilter(workspace: string, f: TaskFilter): Expression<SqlBool> {
  const eb = expressionBuilder<Database, 'tasks'>();
  const all: Expression<SqlBool>[] = [eb('tasks.workspace', '=', workspace)];
  if (f.status && f.status.length > 0) all.push(eb('tasks.status', 'in', f.status));
  // On the rank, the column the priority order's index leads with: a priority filter seeks, not walks.
  if (f.priority && f.priority.length > 0)
    all.push(
      eb(
        'tasks.priority_rank',
        'in',
        f.priority.map((p) => PRIORITY_RANK[p]),
      ),
    );
  if (f.label !== undefined) all.push(hasLabel(f.label));
  if (f.assignee !== undefined) all.push(eb('tasks.assignee', '=', f.assignee));
  if (f.parent_id === null) all.push(eb('tasks.parent_id', 'is', null));
  else if (f.parent_id !== undefined) all.push(eb('tasks.parent_id', '=', f.parent_id));
  if (f.due_before !== undefined) all.push(eb('tasks.due_date', '<=', f.due_before));
  if (f.due_after !== undefined) all.push(eb('tasks.due_date', '>=', f.due_after));
  if (f.overdue) {
    all.push(eb('tasks.status', 'in', OPEN_STATUSES), eb('tasks.due_date', '<', f.today ?? new Date().toISOString().slice(0, 10)));
  }
  return eb.and(all);
}

/**
 * ORDER BY of list_tasks: each sort's primary direction (priority: most urgent first; the others: ascending),
 * and the other direction as its exact reverse, term by term (as the SQLite engine, whose one index per order
 * then serves both). Ties end on id, so pages never overlap.
 */
function listOrder(sort: ListQuery['sort'], order: ListQuery['order']): string {
  const primary = sort === 'priority' ? 'desc' : 'asc';
  const terms: Record<ListQuery['sort'], string[]> = {
    priority: ['tasks.priority_rank DESC', 'tasks.due_date ASC NULLS LAST', 'tasks.id ASC'],
    due_date: ['tasks.due_date ASC NULLS LAST', 'tasks.priority_rank DESC', 'tasks.id ASC'],
    created_at: ['tasks.created_at ASC', 'tasks.id ASC'],
    updated_at: ['tasks.updated_at ASC', 'tasks.id ASC'],
    id: ['tasks.id ASC'],
  };
  if (order === primary) return terms[sort].join(', ');
  return terms[sort]
    .map((t) =>
      t.replace(
        / (ASC|DESC)( NULLS (LAST|FIRST))?$/,
        (_m, dir: string, nulls?: string) => (dir === 'ASC' ? ' DESC' : ' ASC') + (nulls ? (nulls.includes('LAST') ? ' NULLS FIRST' : ' NULLS LAST') : ''),
      ),
    )
    .join(', ');
}

/**
 * `open_deps, open_children` of a task about to be inserted with id `id` (migration 10: the store writes them): its
 * edges to open tasks and its open subtasks that already exist. Each through its own key (task_deps' primary key then
 * the target by primary key behind an OFFSET 0 fence; tasks_by_parent), the statuses in a form no index serves.
 */
function readinessOf(workspace: string, id: RawBuilder<number>): RawBuilder<unknown> {
  const open = sql.raw(`IN ${OPEN_STATUS_SQL}`);
  return sql`(SELECT count(*) FROM task_deps d CROSS JOIN LATERAL (
               SELECT 1 FROM tasks x WHERE x.workspace = d.workspace AND x.id = d.depends_on AND (x.status COLLATE "C") ${open} OFFSET 0) x
              WHERE d.workspace = ${workspace} AND d.task_id = ${id})::integer,
             (SELECT count(*) FROM tasks c WHERE c.workspace = ${workspace} AND c.parent_id = ${id} AND (c.status COLLATE "C") ${open})::integer`;
}

/**
 * Below this many matches a list page is read through the filter's own index and sorted; above it, the order's
 * index is walked and filtered, which finds a page after about `limit × tasks / matches` entries (as on SQLite).
 */
const SMALL_SET = 2000;

/** Whether a list filter narrows the workspace at all. */
function filtered(f: TaskFilter): boolean {
  return (
    (f.status !== undefined && f.status.length > 0) ||
    (f.priority !== undefined && f.priority.length > 0) ||
    f.label !== undefined ||
    f.assignee !== undefined ||
    f.parent_id !== undefined ||
    f.due_before !== undefined ||
    f.due_after !== undefined ||
    f.overdue === true
  );
}

/**
 * The filter terms of `f` as SQL text on (unaliased) `tasks`, values inlined as escaped literals, each in a form no
 * index matches (a status compared under "C" collation, a date plus zero days, a coalesced parent, a label looked up
 * in the row's own `labels` array), so the query that carries them is read through the one index its caller means.
 * With `byPriority` (a walk of the priority order) one priority seeks the rank column of `tasks_rank` and an assignee
 * reads `tasks_by_assignee` in the same order: those indexes are that order.
 */
function opaqueTerms(f: TaskFilter, byPriority: boolean): string[] {
  const lit = pg.escapeLiteral;
  const list = (values: readonly string[]) => `ARRAY[${values.map(lit).join(', ')}]::text[]`;
  const all: string[] = [];
  if (f.status && f.status.length > 0) all.push(`(tasks.status COLLATE "C") = ANY(${list(f.status)})`);
  if (f.priority && f.priority.length > 0) {
    const ranks = f.priority.map((p) => PRIORITY_RANK[p]);
    all.push(byPriority && ranks.length === 1 ? `tasks.priority_rank = ${ranks[0]}` : `(tasks.priority_rank + 0) IN (${ranks.join(', ')})`);
  }
  if (f.label !== undefined) all.push(`${lit(f.label)}::text = ANY(tasks.labels)`);
  if (f.assignee !== undefined) all.push(byPriority ? `tasks.assignee = ${lit(f.assignee)}` : `(tasks.assignee COLLATE "POSIX") = ${lit(f.assignee)}`);
  if (f.parent_id === null)
    all.push('coalesce(tasks.parent_id, 0) = 0'); // ids start at 1
  else if (f.parent_id !== undefined) all.push(`coalesce(tasks.parent_id, 0) = ${Math.trunc(f.parent_id)}`);
  if (f.due_before !== undefined) all.push(`(tasks.due_date + 0) <= ${lit(f.due_before)}::date`);
  if (f.due_after !== undefined) all.push(`(tasks.due_date + 0) >= ${lit(f.due_after)}::date`);
  if (f.overdue) {
    all.push(`(tasks.status COLLATE "C") = ANY(${list(OPEN_STATUSES)})`);
    all.push(`(tasks.due_date + 0) < ${lit(f.today ?? new Date().toISOString().slice(0, 10))}::date`);
  }
  return all;
}

/**
 * The ids of a list page, read by walking the sort's own index in order: the query text for `taskwire_walk`
 * (migration 7), the filters as {@link opaqueTerms} so the sort's index is the one ordered path left.
 */
function walkQuery(workspace: string, f: ListQuery): string {
  const all = [`tasks.workspace = ${pg.escapeLiteral(workspace)}`, ...opaqueTerms(f, f.sort === 'priority')];
  const whole = (n: number) => String(Math.max(0, Math.trunc(n)));
  return `SELECT tasks.id FROM tasks WHERE ${all.join(' AND ')} ORDER BY ${listOrder(f.sort, f.order)} LIMIT ${whole(f.limit)} OFFSET ${whole(f.offset)}`;
}

/**
 * The ids of every task of the workspace matching a tsquery and the filters: the query text for `taskwire_match`
 * (migration 8), read from the GIN index `tasks_search` alone (the workspace and the filters as {@link opaqueTerms}).
 */
function matchQuery(workspace: string, tsquery: string, f: TaskFilter): string {
  const lit = pg.escapeLiteral;
  const all = [`tasks.search @@ to_tsquery(${lit(FTS_CONFIG)}, ${lit(tsquery)})`, `(tasks.workspace COLLATE "POSIX") = ${lit(workspace)}`, ...opaqueTerms(f, false)];
  return `SELECT tasks.id FROM tasks WHERE ${all.join(' AND ')}`;
}

/**
 * The query text for `taskwire_walk` that reads a label's page of ids in the priority order from
 * `task_labels_by_rank` (the status and assignee filters on the row's own columns, in forms no other index serves).
 */
function labelWalkQuery(workspace: string, label: string, f: ListQuery): string {
  const lit = pg.escapeLiteral;
  const all = [`lf.workspace = ${lit(workspace)}`, `lf.label = ${lit(label)}`];
  if (f.status && f.status.length > 0) all.push(`(lf.status COLLATE "C") = ANY(ARRAY[${f.status.map(lit).join(', ')}]::text[])`);
  if (f.assignee !== undefined) all.push(`(lf.assignee COLLATE "POSIX") = ${lit(f.assignee)}`);
  const order =
    f.order === 'asc' ? 'lf.priority_rank ASC, lf.due_date DESC NULLS FIRST, lf.task_id DESC' : 'lf.priority_rank DESC, lf.due_date ASC NULLS LAST, lf.task_id ASC';
  const whole = (n: number) => String(Math.max(0, Math.trunc(n)));
  return `SELECT lf.task_id FROM task_labels lf WHERE ${all.join(' AND ')} ORDER BY ${order} LIMIT ${whole(f.limit)} OFFSET ${whole(f.offset)}`;
}

/**
 * The total of a filter from the counters (`task_counts`, migration 6; overdue alone from `day_counts`, migration 9),
 * as a scalar subquery, also overdue alone and a due-date range of the open tasks from `day_counts`; undefined when
 * they cannot answer it (a label, a due-date bound with other statuses or filters, overdue with another filter, or
 * one parent's subtasks).
 */
function countedTotal(workspace: string, f: TaskFilter): RawBuilder<number> | undefined {
  if (f.overdue && !filtered({ ...f, overdue: false })) {
    // overdue alone: the open tasks due before today, from `day_counts` (migration 9)
    const today = f.today ?? new Date().toISOString().slice(0, 10);
    return sql<number>`(SELECT coalesce(sum(n), 0)::integer FROM day_counts WHERE workspace = ${workspace} AND kind = 'due' AND day < ${today}::date)`;
  }
  const openOnly = f.status !== undefined && f.status.length === OPEN_STATUSES.length && OPEN_STATUSES.every((st) => f.status?.includes(st));
  if ((f.due_before !== undefined || f.due_after !== undefined) && openOnly && !filtered({ ...f, status: undefined, due_before: undefined, due_after: undefined })) {
    // the open tasks (list_tasks' default) due in a range: the `due` days of `day_counts` (migration 9) in that range
    const range = [sql`workspace = ${workspace}`, sql`kind = 'due'`];
    if (f.due_after !== undefined) range.push(sql`day >= ${f.due_after}::date`);
    if (f.due_before !== undefined) range.push(sql`day <= ${f.due_before}::date`);
    return sql<number>`(SELECT coalesce(sum(n), 0)::integer FROM day_counts WHERE ${sql.join(range, sql` AND `)})`;
  }
  if (f.label !== undefined || f.due_before !== undefined || f.due_after !== undefined || f.overdue) return undefined;
  if (f.parent_id !== undefined && f.parent_id !== null) return undefined;
  const where = [sql`workspace = ${workspace}`];
  if (f.status && f.status.length > 0) where.push(sql`status = ANY(${f.status}::text[])`);
  if (f.priority && f.priority.length > 0) where.push(sql`priority = ANY(${f.priority}::text[])`);
  if (f.assignee !== undefined) where.push(sql`assignee = ${f.assignee}`);
  if (f.parent_id === null) where.push(sql`top`);
  return sql<number>`(SELECT coalesce(sum(n), 0)::integer FROM task_counts WHERE ${sql.join(where, sql` AND `)})`;
}

/**
 * The reader/writer of one transaction. Every port method goes through
 * {@link PostgresRepo.scoped}; helpers it calls internally do not.
 */
class PostgresRepo implements TaskWriter {
  private readonly queue = new Mutex();
  private current: string | undefined;
  private readonly locked = new Set<string>();
  /** Whether BEGIN was sent (with the first port call); COMMIT or ROLLBACK only then. */
  private begun = false;
  /**
   * Tasks of this transaction known to have no dependents (`workspace` NUL `id`): ones it inserted when no edge
   * pointed at them (insertTask reads that in its own statement). Edges are only ever added by setDependencies,
   * which drops its targets from here; other writers of the workspace wait for this one's advisory lock. So
   * `dependents` of a task just created (create_tasks asks for every one) answers without a round trip.
   */
  private readonly withoutDependents = new Set<string>();

  /** The same connection, for the raw statements of `history.ts`. */
  private readonly raw: Kysely<unknown>;

  constructor(
    private readonly db: Kysely<Database>,
    /** The store's origin, written on every change record. */
    private readonly origin: string,
    private readonly writable: boolean,
  ) {
    this.raw = db as Kysely<unknown>;
  }

  /**
   * Run one port method: queued behind the transaction's other calls, with
   * `taskwire.workspace` set to its workspace and, in a write transaction,
   * that workspace's advisory lock held (until COMMIT or ROLLBACK).
   */
  private scoped<T>(workspace: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      const lock = this.writable && !this.locked.has(workspace);
      if (!this.begun || lock || this.current !== workspace) {
        // BEGIN (first call only), the setting and the lock are deferred (see folded-pool.ts): they go out in front of
        // this call's first statement, in its round trip, and run before it. The workspace is an escaped literal.
        const ws = pg.escapeLiteral(workspace);
        const begin = this.begun ? '' : this.writable ? 'BEGIN ISOLATION LEVEL READ COMMITTED;\n' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\n';
        const lockSql = lock ? `, pg_advisory_xact_lock(${WORKSPACE_LOCK}, hashtext(current_schema() || '/' || ${ws}))` : '';
        await this.db.executeQuery(CompiledQuery.raw(`${DEFER}${begin}SELECT set_config('taskwire.workspace', ${ws}, true)${lockSql}`));
        this.begun = true;
        this.current = workspace;
        if (lock) this.locked.add(workspace);
      }
      return fn();
    });
  }

  /** Task columns plus `depends_on`, so {@link hydrate} needs no second round trip. */
  /** End the transaction, if one was begun. */
  async end(how: 'commit' | 'rollback'): Promise<void> {
    if (!this.begun) return;
    this.begun = false;
    await this.db.executeQuery(CompiledQuery.raw(how));
  }

  private selectTasks() {
    return this.db.selectFrom('tasks').select(TASK_COLUMNS).select(DEPENDS_ON.as('depends_on'));
  }

  // ---- reads ----

  getTask(workspace: string, id: number): Promise<TaskRecord | undefined> {
    return this.scoped(workspace, () => this.fetchTask(workspace, id));
  }

  /**
   * get_task's read in one statement: the task, then its comments (the newest `commentsLimit`, oldest first, and
   * their count), subtasks, dependencies and dependents as json arrays by id, each from its own index (comments_by_task
   * backwards, tasks_by_parent, the primary key, task_deps_reverse then the primary key through a fenced LATERAL).
   * json renders timestamptz with an offset; the records get ISO-8601 UTC like every other read.
   */
  taskDetail(workspace: string, id: number, commentsLimit: number): Promise<TaskDetailRecord | undefined> {
    return this.scoped(workspace, async () => {
      const columns = sql.join(TASK_COLUMNS.map((c) => sql.ref(c)));
      const tasksJson = (from: RawBuilder<unknown>) =>
        sql`(SELECT coalesce(json_agg(s ORDER BY s.id), '[]'::json) FROM (SELECT ${columns}, ${DEPENDS_ON} AS depends_on FROM ${from}) s)`;
      const { rows } = await sql<
        TaskRow & { depends_on: number[]; comments_total: number; comments: CommentJson[]; subtasks: TaskJson[]; dependencies: TaskJson[]; dependents: TaskJson[] }
      >`
        WITH me AS (
          SELECT ${columns}, ${DEPENDS_ON} AS depends_on FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = ${id}::integer
        )
        SELECT me.*,
               (SELECT count(*) FROM comments c WHERE c.workspace = ${workspace} AND c.task_id = me.id) AS comments_total,
               (SELECT coalesce(json_agg(c ORDER BY c.id), '[]'::json) FROM (
                  SELECT id, task_id, body, author, author_client, created_at FROM comments
                   WHERE workspace = ${workspace} AND task_id = me.id ORDER BY id DESC LIMIT ${Math.max(0, Math.trunc(commentsLimit))}::integer) c) AS comments,
               ${tasksJson(sql`tasks WHERE tasks.workspace = ${workspace} AND tasks.parent_id = me.id`)} AS subtasks,
               ${tasksJson(sql`tasks WHERE tasks.workspace = ${workspace} AND tasks.id = ANY(me.depends_on)`)} AS dependencies,
               ${tasksJson(sql`task_deps d CROSS JOIN LATERAL (SELECT * FROM tasks WHERE tasks.workspace = d.workspace AND tasks.id = d.task_id OFFSET 0) tasks
                                WHERE d.workspace = ${workspace} AND d.depends_on = me.id`)} AS dependents
          FROM me`.execute(this.db);
      const row = rows[0];
      if (!row) return undefined;
      return {
        task: toTask(row, row.depends_on),
        comments: { items: row.comments.map((c) => toComment({ ...c, workspace, created_at: isoTime(c.created_at) as string })), total: Number(row.comments_total) },
        subtasks: row.subtasks.map(fromTaskJson),
        dependencies: row.dependencies.map(fromTaskJson),
        dependents: row.dependents.map(fromTaskJson),
      };
    });
  }

  getTasks(workspace: string, ids: readonly number[]): Promise<TaskRecord[]> {
    return this.scoped(workspace, async () => {
      if (ids.length === 0) return [];
      const rows = await this.selectTasks().where('workspace', '=', workspace).where('id', 'in', ids).orderBy('id').execute();
      return this.hydrate(workspace, rows);
    });
  }

  /**
   * One page of list_tasks and its exact total. The total comes first: from the counters when they can answer it
   * (migration 6), else counted. With it the store, not the planner, picks the plan (a grown database has no
   * statistics, and with none the planner took 60k matches for 9 and sorted them all):
   * - many matches (over {@link SMALL_SET}) or no filter: the sort's own index is walked in order and filtered,
   *   stopping at the page (see {@link walkQuery}), and the page's rows fetched by primary key;
   * - few matches, or one parent's subtasks: the matches are read through the filter's index (a MATERIALIZED CTE,
   *   which has no order for the planner to chase) and sorted.
   * A label filter is read from the label's rows (see {@link listLabelled}).
   */
  listTasks(workspace: string, query: ListQuery): Promise<Counted<TaskRecord>> {
    return this.scoped(workspace, async () => {
      if (query.label !== undefined) return this.listLabelled(workspace, query.label, query);
      const where = taskFilter(workspace, query);
      const counted = countedTotal(workspace, query);
      const { rows: n } = await sql<{ n: number }>`SELECT ${counted ?? sql`(SELECT count(*)::integer FROM tasks WHERE ${where})`} AS n`.execute(this.db);
      const total = Number(n[0]?.n);
      if (total === 0 || query.offset >= total) return { items: [], total };
      const order = sql.raw(listOrder(query.sort, query.order));
      const oneParent = query.parent_id !== undefined && query.parent_id !== null;
      if (!oneParent && (total > SMALL_SET || !filtered(query))) {
        const { rows } = await sql<TaskRow & { depends_on: number[] }>`
          SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, ${DEPENDS_ON} AS depends_on
            FROM taskwire_walk(${walkQuery(workspace, query)}) WITH ORDINALITY AS page(id, ord)
           CROSS JOIN LATERAL (SELECT * FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = page.id OFFSET 0) tasks
           ORDER BY page.ord`.execute(this.db);
        return { items: await this.hydrate(workspace, rows), total };
      }
      const { rows } = await sql<TaskRow & { depends_on: number[] }>`
        WITH m AS MATERIALIZED (SELECT tasks.* FROM tasks WHERE ${where})
        SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, ${DEPENDS_ON} AS depends_on
          FROM m tasks ORDER BY ${order} LIMIT ${query.limit} OFFSET ${query.offset}`.execute(this.db);
      return { items: await this.hydrate(workspace, rows), total };
    });
  }

  /**
   * list_tasks with a label filter, driven from the label's rows, which carry their task's status, priority rank,
   * due date and assignee (migration 6). Each row's task is fetched by primary key in a LATERAL subquery that the
   * `OFFSET 0` fence keeps from being flattened into a join, so the loop order (label rows first) holds whatever
   * the statistics say. Sorted by priority with no filter beyond status and assignee, the page's ids are read in
   * order from `task_labels_by_rank` (backwards for ascending) by `taskwire_walk`, stopping after OFFSET + LIMIT
   * matches (without statistics the planner preferred every match through `task_labels_by_status` and a sort);
   * otherwise the label's matches are joined and sorted. The total comes from
   * `label_counts`, or is counted on the label rows (`task_labels_by_status`) when only the status and assignee
   * filters apply, else over the join.
   */
  private async listLabelled(workspace: string, label: string, query: ListQuery): Promise<Counted<TaskRecord>> {
    const on = [sql`lf.workspace = ${workspace}`, sql`lf.label = ${label}`];
    if (query.status && query.status.length > 0) on.push(sql`lf.status = ANY(${query.status}::text[])`);
    if (query.assignee !== undefined) on.push(sql`lf.assignee = ${query.assignee}`);
    const lf = sql.join(on, sql` AND `);
    const restFilter: TaskFilter = { ...query, label: undefined, status: undefined, assignee: undefined };
    const rest = taskFilter(workspace, restFilter);
    const onlyLabelRows =
      (query.priority === undefined || query.priority.length === 0) &&
      query.parent_id === undefined &&
      query.due_before === undefined &&
      query.due_after === undefined &&
      !query.overdue;
    const tasksOfLabel = sql`task_labels lf CROSS JOIN LATERAL (
        SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, tasks.priority_rank, ${DEPENDS_ON} AS depends_on
          FROM tasks WHERE tasks.workspace = lf.workspace AND tasks.id = lf.task_id AND ${rest} OFFSET 0) tasks`;
    const total: RawBuilder<number> = onlyLabelRows
      ? query.assignee === undefined
        ? sql`(SELECT coalesce(sum(n), 0)::integer FROM label_counts WHERE workspace = ${workspace} AND label = ${label}${
            query.status && query.status.length > 0 ? sql` AND status = ANY(${query.status}::text[])` : sql``
          })`
        : sql`(SELECT count(*)::integer FROM task_labels lf WHERE ${lf})`
      : sql`(SELECT count(*)::integer FROM ${tasksOfLabel} WHERE ${lf})`;
    const asc = query.order === 'asc';
    const order =
      query.sort === 'priority'
        ? sql.raw(asc ? 'lf.priority_rank ASC, lf.due_date DESC NULLS FIRST, lf.task_id DESC' : 'lf.priority_rank DESC, lf.due_date ASC NULLS LAST, lf.task_id ASC')
        : sql.raw(listOrder(query.sort, query.order));
    const { rows } =
      query.sort === 'priority' && onlyLabelRows
        ? await sql<TaskRow & { depends_on: number[]; total: number }>`
            SELECT tasks.*, ${total} AS total
              FROM taskwire_walk(${labelWalkQuery(workspace, label, query)}) WITH ORDINALITY AS page(id, ord)
             CROSS JOIN LATERAL (
               SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, ${DEPENDS_ON} AS depends_on
                 FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = page.id OFFSET 0) tasks
             ORDER BY page.ord`.execute(this.db)
        : await sql<TaskRow & { depends_on: number[]; total: number }>`
            SELECT tasks.*, ${total} AS total FROM ${tasksOfLabel}
             WHERE ${lf} ORDER BY ${order} LIMIT ${query.limit} OFFSET ${query.offset}`.execute(this.db);
    if (rows.length > 0 || query.offset === 0) return { items: await this.hydrate(workspace, rows), total: rows.length > 0 ? Number(rows[0]?.total) : 0 };
    const { rows: counted } = await sql<{ n: number }>`SELECT ${total} AS n`.execute(this.db);
    return { items: [], total: Number(counted[0]?.n) };
  }

  searchTasks(workspace: string, query: SearchQuery): Promise<Counted<SearchHit>> {
    return this.scoped(workspace, async () => {
      const every = toTsQuery(query.text, '&');
      const some = toTsQuery(query.text, '|');
      if (every === undefined || some === undefined) return { items: [], total: 0 };
      // The matches' ids, once (`m`), from the GIN index whatever the statistics: read by taskwire_match (migration 8),
      // which leaves the planner bitmap scans only, and the workspace and filters in forms no other index serves (without
      // statistics it bitmap-scanned a btree for the workspace's every row and checked the words on each). Row-level
      // security (an ordinary role) adds the policy's workspace test, which PostgreSQL evaluates before the words, as
      // `@@` is not LEAKPROOF: there the GIN index cannot be used at all and the workspace's rows are checked.
      const matched = matchQuery(workspace, every, query);
      const rank = (search: RawBuilder<unknown>) => sql<number>`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', ${search}, to_tsquery(${FTS_CONFIG}, ${every}))`;
      // The newest RANKED_MATCHES of them are ranked, by score then id; older matches follow, newest first
      // (as on SQLite: a word that matches a large part of the workspace does not rank every match), and are only
      // listed when the page reaches past the ranked ones; the ranked ones' tsvectors are fetched by primary key (fenced
      // LATERAL subqueries: carrying every match's tsvector through the sort cost more). Only the page's rows are then
      // fetched (by primary key, fenced LATERAL subqueries), with matched_in and a headline; matched_in and the
      // snippet look for any of the words, as SQLite's highlight() does. `total` counts every match.
      const { rows } = await sql<TaskRow & { depends_on: number[]; total: number; score: number; snippet: string; matched_in: SearchHit['matched_in'] }>`
        WITH m AS MATERIALIZED (
          SELECT id FROM taskwire_match(${matched}) AS m(id)
        ), win AS MATERIALIZED (
          SELECT id FROM m ORDER BY id DESC LIMIT ${RANKED_MATCHES}
        ), ordered AS (
          SELECT win.id, s.score, 0 AS part FROM win
           CROSS JOIN LATERAL (SELECT ${rank(sql`tasks.search`)} AS score FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = win.id OFFSET 0) s${
             query.offset + query.limit > RANKED_MATCHES ? sql` UNION ALL SELECT m.id, NULL, 1 FROM m WHERE m.id < (SELECT min(id) FROM win)` : sql``
           }
        ), page AS (
          SELECT id, score, row_number() OVER (ORDER BY part, score DESC, CASE WHEN part = 0 THEN id END ASC, id DESC) AS ord
            FROM ordered ORDER BY ord LIMIT ${query.limit} OFFSET ${query.offset}
        ), hit AS (
          SELECT t.*, page.ord, coalesce(page.score, ${rank(sql`t.search`)}) AS score, to_tsquery(${FTS_CONFIG}, ${some}) AS words,
                 CASE WHEN ts_filter(t.search, '{a}') @@ to_tsquery(${FTS_CONFIG}, ${some}) THEN 'title'
                      WHEN ts_filter(t.search, '{b}') @@ to_tsquery(${FTS_CONFIG}, ${some}) THEN 'description'
                      ELSE 'comments' END AS matched_in
            FROM page CROSS JOIN LATERAL (
              SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, tasks.search, tasks.comment_text
                FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = page.id OFFSET 0) t
        )
        SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c.replace('tasks.', 'hit.'))))}, hit.score, hit.matched_in,
               ARRAY(SELECT d.depends_on FROM task_deps d WHERE d.workspace = ${workspace} AND d.task_id = hit.id ORDER BY d.depends_on) AS depends_on,
               (SELECT count(*) FROM m) AS total,
               ts_headline(${FTS_CONFIG}::regconfig,
                           CASE hit.matched_in WHEN 'title' THEN hit.title WHEN 'description' THEN hit.description ELSE hit.comment_text END,
                           hit.words, ${HEADLINE_OPTIONS}) AS snippet
          FROM hit ORDER BY hit.ord`.execute(this.db);
      const total =
        rows.length > 0
          ? Number(rows[0]?.total)
          : query.offset === 0
            ? 0
            : Number((await sql<{ n: number }>`SELECT count(*) AS n FROM taskwire_match(${matched})`.execute(this.db)).rows[0]?.n ?? 0);
      const tasks = await this.hydrate(workspace, rows);
      const items = rows.map((row, i) => ({
        task: tasks[i] as TaskRecord,
        score: Math.round(row.score * 1000) / 1000,
        snippet: row.snippet,
        matched_in: row.matched_in,
      }));
      return { items, total };
    });
  }

  listComments(workspace: string, taskId: number, limit: number): Promise<Counted<CommentRecord>> {
    return this.scoped(workspace, async () => {
      // newest `limit` comments, returned oldest first
      // One round trip: the count rides along as an uncorrelated subquery; without rows there are none.
      const rows = await this.db
        .selectFrom((eb) =>
          eb.selectFrom('comments').selectAll().where('workspace', '=', workspace).where('task_id', '=', taskId).orderBy('id', 'desc').limit(limit).as('newest'),
        )
        .selectAll()
        .select(sql<number>`(SELECT count(*) FROM comments c WHERE c.workspace = ${workspace} AND c.task_id = ${taskId})`.as('total'))
        .orderBy('id', 'asc')
        .execute();
      if (rows.length === 0 && limit > 0) return { items: [], total: 0 };
      const total =
        rows.length > 0
          ? Number(rows[0]?.total)
          : Number(
              (
                await this.db
                  .selectFrom('comments')
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .where('workspace', '=', workspace)
                  .where('task_id', '=', taskId)
                  .executeTakeFirstOrThrow()
              ).n,
            );
      return { items: rows.map(toComment), total };
    });
  }

  subtasks(workspace: string, parentId: number): Promise<TaskRecord[]> {
    return this.scoped(workspace, async () =>
      this.hydrate(workspace, await this.selectTasks().where('workspace', '=', workspace).where('parent_id', '=', parentId).orderBy('id').execute()),
    );
  }

  dependents(workspace: string, id: number): Promise<TaskRecord[]> {
    if (this.withoutDependents.has(`${workspace}\0${id}`)) return Promise.resolve([]);
    return this.scoped(workspace, async () => {
      const rows = await this.selectTasks()
        .innerJoin('task_deps as d', (join) => join.onRef('d.workspace', '=', 'tasks.workspace').onRef('d.task_id', '=', 'tasks.id'))
        .where('d.workspace', '=', workspace)
        .where('d.depends_on', '=', id)
        .orderBy('tasks.id')
        .execute();
      return this.hydrate(workspace, rows);
    });
  }

  dependencyClosure(workspace: string, from: readonly number[]): Promise<Array<[number, number]>> {
    return this.scoped(workspace, async () => {
      const { rows } = await sql<{ task_id: number; depends_on: number }>`
        WITH RECURSIVE reach(task_id, depends_on) AS (
          SELECT task_id, depends_on FROM task_deps
           WHERE workspace = ${workspace} AND task_id = ANY(${[...from]}::integer[])
          UNION
          SELECT d.task_id, d.depends_on FROM task_deps d JOIN reach r ON d.task_id = r.depends_on
           WHERE d.workspace = ${workspace}
        ) SELECT task_id, depends_on FROM reach`.execute(this.db);
      return rows.map((r): [number, number] => [r.task_id, r.depends_on]);
    });
  }

  ancestors(workspace: string, id: number): Promise<number[]> {
    return this.scoped(workspace, async () => {
      const { rows } = await sql<{ id: number }>`
        WITH RECURSIVE up(id, parent_id, depth) AS (
          SELECT id, parent_id, 0 FROM tasks WHERE workspace = ${workspace} AND id = ${id}
          UNION
          SELECT t.id, t.parent_id, up.depth + 1 FROM tasks t JOIN up ON t.id = up.parent_id
           WHERE t.workspace = ${workspace} AND up.depth < 1000
        ) SELECT id FROM up WHERE depth > 0 ORDER BY depth`.execute(this.db);
      return rows.map((r) => r.id);
    });
  }

  /**
   * Actionable tasks in next_task's order, read from the partial index `tasks_actionable` (migration 5) in key order
   * and stopping after `limit` matches; the assignee and label filters are checked on the rows as they come (the label
   * on the row's own `labels` array, so no join is there to plan), and each returned row carries its `depends_on`.
   */
  actionableTasks(workspace: string, filter: { assignee?: string; label?: string }, limit: number): Promise<TaskRecord[]> {
    return this.scoped(workspace, async () => {
      let query = this.selectTasks().where('workspace', '=', workspace).where(IS_ACTIONABLE);
      if (filter.assignee !== undefined) query = query.where('assignee', '=', filter.assignee);
      if (filter.label !== undefined) query = query.where(sql<SqlBool>`${filter.label}::text = ANY(tasks.labels)`);
      const rows = await query.orderBy(ACTIONABLE_ORDER).limit(limit).execute();
      return this.hydrate(workspace, rows);
    });
  }

  /** Todo tasks with an open dependency, from the counter kept on write (`waiting_counts`, migration 9). */
  countWaitingOnDependencies(workspace: string): Promise<number> {
    return this.scoped(workspace, async () => {
      const { rows } = await sql<{ n: number }>`SELECT coalesce(sum(n), 0)::integer AS n FROM waiting_counts WHERE workspace = ${workspace}`.execute(this.db);
      return rows[0]?.n ?? 0;
    });
  }

  /**
   * Counts from the counters kept on write (migrations 6 and 9), in one round trip: by status, priority, label and
   * assignee from `task_counts` and `label_counts`; overdue and the completions of the last 7 and 30 days from
   * `day_counts`, plus the completions of the first, partial day counted from `tasks_by_completed` (completed_at is
   * set exactly while a task is done).
   */
  stats(workspace: string, now: Date): Promise<TaskStats> {
    return this.scoped(workspace, async () => {
      const by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
      const by_priority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
      const by_label: Record<string, number> = {};
      const by_assignee: Record<string, number> = {};
      const open = sql`status = ANY(${OPEN_STATUSES}::text[])`;
      const today = now.toISOString().slice(0, 10);
      const since = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
      // completions at or after `from`: the `done` days after its UTC day, plus that day's own from tasks_by_completed
      const completedSince = (from: string) => {
        const day = from.slice(0, 10);
        const nextDay = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
        return sql<number>`((SELECT coalesce(sum(n), 0) FROM day_counts WHERE workspace = ${workspace} AND kind = 'done' AND day > ${day}::date)
          + (SELECT count(*) FROM tasks WHERE workspace = ${workspace} AND completed_at >= ${from}::timestamptz AND completed_at < ${nextDay}::timestamptz))::integer`;
      };
      // `ord` ranks the label and assignee rows (most first, then by name), whatever order UNION ALL returns them in
      const { rows } = await sql<{ kind: string; k: string; n: number; ord: number }>`
        SELECT 's' AS kind, status AS k, sum(n)::integer AS n, 0::bigint AS ord FROM task_counts WHERE workspace = ${workspace} GROUP BY status
        UNION ALL
        SELECT 'p', priority, sum(n)::integer, 0 FROM task_counts WHERE workspace = ${workspace} AND ${open} GROUP BY priority
        UNION ALL
        (SELECT 'l', label, sum(n)::integer AS n, row_number() OVER (ORDER BY sum(n) DESC, label) FROM label_counts
          WHERE workspace = ${workspace} AND ${open} GROUP BY label HAVING sum(n) > 0 ORDER BY n DESC, label LIMIT 50)
        UNION ALL
        (SELECT 'a', a, n, row_number() OVER (ORDER BY n DESC, a) FROM (
           SELECT CASE assignee WHEN '' THEN '(unassigned)' ELSE assignee END AS a, sum(n)::integer AS n FROM task_counts
            WHERE workspace = ${workspace} AND ${open} GROUP BY 1 HAVING sum(n) > 0) x ORDER BY n DESC, a LIMIT 50)
        UNION ALL
        SELECT 'o', '', coalesce(sum(n), 0)::integer, 0 FROM day_counts WHERE workspace = ${workspace} AND kind = 'due' AND day < ${today}::date
        UNION ALL
        SELECT 'c7', '', ${completedSince(since(7))}, 0
        UNION ALL
        SELECT 'c30', '', ${completedSince(since(30))}, 0`.execute(this.db);
      rows.sort((a, b) => a.ord - b.ord);
      let total = 0;
      let overdue = 0;
      let week = 0;
      let month = 0;
      for (const r of rows) {
        if (r.kind === 's') {
          by_status[r.k as TaskStatus] = r.n;
          total += r.n;
        } else if (r.kind === 'p') by_priority[r.k as Priority] = r.n;
        else if (r.kind === 'l') by_label[r.k] = r.n;
        else if (r.kind === 'a') by_assignee[r.k] = r.n;
        else if (r.kind === 'o') overdue = r.n;
        else if (r.kind === 'c7') week = r.n;
        else month = r.n;
      }
      return { total, by_status, by_priority, by_label, by_assignee, overdue, completed_last_7_days: week, completed_last_30_days: month };
    });
  }

  getIdempotency(workspace: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.scoped(workspace, () =>
      this.db
        .selectFrom('idempotency_keys')
        .select(['tool', 'args_hash', 'result', 'created_at'])
        .where('workspace', '=', workspace)
        .where('key', '=', key)
        .executeTakeFirst(),
    );
  }

  listChanges(workspace: string, q: ChangeQuery): Promise<ChangeRecord[]> {
    return this.scoped(workspace, () => history.listChanges(this.raw, workspace, q));
  }

  getChanges(workspace: string, seqs: readonly number[]): Promise<ChangeRecord[]> {
    return this.scoped(workspace, () => history.getChanges(this.raw, workspace, seqs));
  }

  lastChangeSeq(workspace: string): Promise<number> {
    return this.scoped(workspace, () => history.lastChangeSeq(this.raw, workspace));
  }

  trashed(workspace: string, ids: readonly number[]): Promise<TrashRecord[]> {
    return this.scoped(workspace, () => history.trashed(this.raw, workspace, ids));
  }

  trashGroup(workspace: string, rootId: number): Promise<TrashRecord[]> {
    return this.scoped(workspace, () => history.trashGroup(this.raw, workspace, rootId));
  }

  listTrash(workspace: string, limit: number): Promise<TrashRecord[]> {
    return this.scoped(workspace, () => history.listTrash(this.raw, workspace, limit));
  }

  getMark(workspace: string, principal: string, name: string): Promise<{ seq: number; at: string } | undefined> {
    return this.scoped(workspace, () => history.getMark(this.raw, workspace, principal, name));
  }

  /**
   * Reads the partial index `tasks_by_lease_expiry` (only leased tasks are in it), whatever the statistics: the
   * `OFFSET 0` fence keeps `ORDER BY id LIMIT` out of the inner query, so the planner is never tempted to walk the
   * primary key in id order and filter every task (as it did on a workspace grown without statistics); the few
   * expired ids are sorted afterwards.
   */
  expiredLeases(workspace: string, now: string, limit: number): Promise<number[]> {
    return this.scoped(workspace, async () => {
      const { rows } = await sql<{ id: number }>`
        SELECT id FROM (
          SELECT id FROM tasks WHERE workspace = ${workspace} AND lease_expires_at IS NOT NULL AND lease_expires_at <= ${now}::timestamptz OFFSET 0
        ) expired ORDER BY id LIMIT ${limit}`.execute(this.db);
      return rows.map((r) => r.id);
    });
  }

  /**
   * Ids whose decimal form starts with `prefix`: the id ranges that do (`42`: 42, 420–429, 4200–4299, … up to the
   * largest integer id), each read from the primary key in order and concatenated, stopping after `limit`.
   */
  idsWithPrefix(workspace: string, prefix: string, limit: number): Promise<number[]> {
    return this.scoped(workspace, async () => {
      const ranges = decimalPrefixRanges(prefix);
      if (ranges.length === 0 || limit <= 0) return [];
      const parts = ranges.map(
        ([lo, hi]) => sql`(SELECT id FROM tasks WHERE workspace = ${workspace} AND id BETWEEN ${lo}::integer AND ${hi}::integer ORDER BY id LIMIT ${limit})`,
      );
      const { rows } = await sql<{ id: number }>`SELECT id FROM (${sql.join(parts, sql` UNION ALL `)}) ids LIMIT ${limit}`.execute(this.db);
      return rows.map((r) => r.id);
    });
  }

  /**
   * Assignees or labels starting with `prefix` (ASCII case folded), from the counters (migration 6): a few rows per
   * value instead of every task or label row. Values whose counts all fell to zero are gone.
   */
  distinctValues(workspace: string, field: 'assignee' | 'label', prefix: string, limit: number): Promise<string[]> {
    return this.scoped(workspace, async () => {
      // ILIKE on "C"-collated columns folds ASCII case only, like SQLite's LIKE
      const pattern = `${escapeLike(prefix)}%`;
      const { rows } =
        field === 'assignee'
          ? await sql<{ v: string }>`SELECT assignee AS v FROM task_counts
               WHERE workspace = ${workspace} AND assignee <> '' AND assignee ILIKE ${pattern} ESCAPE '\\'
               GROUP BY assignee HAVING sum(n) > 0 ORDER BY v LIMIT ${limit}`.execute(this.db)
          : await sql<{ v: string }>`SELECT label AS v FROM label_counts
               WHERE workspace = ${workspace} AND label ILIKE ${pattern} ESCAPE '\\'
               GROUP BY label HAVING sum(n) > 0 ORDER BY v LIMIT ${limit}`.execute(this.db);
      return rows.map((r) => r.v);
    });
  }

  // ---- writes ----

  insertTask(workspace: string, task: NewTask, actor: Actor, now: string): Promise<TaskRecord> {
    return this.scoped(workspace, async () => {
      // One round trip: take the next id from the workspace counter (locked until the transaction ends,
      // restored by a rollback), insert the task and its label rows, as data-modifying CTEs.
      const { rows } = await sql<TaskRow>`
        WITH n AS (
          INSERT INTO workspaces (name, next_task_id) VALUES (${workspace}, 2)
          ON CONFLICT (name) DO UPDATE SET next_task_id = workspaces.next_task_id + 1
          RETURNING next_task_id - 1 AS id
        ), t AS (
          INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, assignee, due_date,
                             parent_id, created_at, updated_at, completed_at, created_by, created_client, updated_by, updated_client,
                             open_deps, open_children)
          SELECT ${workspace}, n.id, ${task.title}::text, ${task.description}::text, ${task.status}::text, ${task.priority}::text,
                 ${PRIORITY_RANK[task.priority]}::smallint, ${task.labels}::text[], ${task.assignee}::text, ${task.due_date}::date,
                 ${task.parent_id}::integer, ${now}::timestamptz, ${now}::timestamptz, ${task.status === 'done' ? now : null}::timestamptz,
                 ${actor.principal}::text, ${actor.client}::text, ${actor.principal}::text, ${actor.client}::text,
                 ${readinessOf(workspace, sql<number>`n.id`)}
            FROM n
          RETURNING ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c.replace('tasks.', ''))))}, priority_rank
        ), l AS (
          INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee)
          SELECT ${workspace}, t.id, x, t.status, t.priority_rank, t.due_date, t.assignee FROM t, unnest(${task.labels}::text[]) AS x
        )
        SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c.replace('tasks.', ''))))},
               NOT EXISTS (SELECT 1 FROM task_deps d WHERE d.workspace = ${workspace} AND d.depends_on = t.id) AS no_dependents
          FROM t`.execute(this.db);
      const row = rows[0] as TaskRow & { no_dependents: boolean };
      if (row.no_dependents) this.withoutDependents.add(`${workspace}\0${row.id}`);
      return toTask(row, []);
    });
  }

  updateTask(workspace: string, id: number, patch: TaskPatch, actor: Actor, now: string, expectedVersion?: number): Promise<TaskRecord> {
    return this.scoped(workspace, async () => {
      const current = await this.fetchTask(workspace, id, true);
      if (!current) throw new StoreError('internal', `task ${id} vanished inside a transaction`);
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new StoreError('version_conflict', `task ${id} is at version ${current.version}, not ${expectedVersion}`, { current });
      }
      const row = await this.db
        .updateTable('tasks')
        .set((eb) => ({
          title: patch.title,
          description: patch.description,
          status: patch.status,
          assignee: patch.assignee,
          due_date: patch.due_date,
          parent_id: patch.parent_id,
          completed_at: patch.completed_at,
          priority: patch.priority,
          priority_rank: patch.priority === undefined ? undefined : PRIORITY_RANK[patch.priority],
          labels: patch.labels,
          ...(patch.lease === undefined
            ? {}
            : {
                lease_id: patch.lease?.lease_id ?? null,
                lease_holder: patch.lease?.holder.principal ?? null,
                lease_client: patch.lease?.holder.client ?? null,
                lease_client_version: patch.lease?.holder.client_version ?? null,
                lease_expires_at: patch.lease?.expires_at ?? null,
              }),
          updated_at: now,
          updated_by: actor.principal,
          updated_client: actor.client,
          version: eb('version', '+', 1),
        }))
        .where('workspace', '=', workspace)
        .where('id', '=', id)
        .returning(TASK_COLUMNS)
        .executeTakeFirstOrThrow();
      if (patch.labels !== undefined) {
        await this.db.deleteFrom('task_labels').where('workspace', '=', workspace).where('task_id', '=', id).execute();
        await this.writeLabels(workspace, toTask(row, current.depends_on));
      }
      return toTask(row, current.depends_on);
    });
  }

  setDependencies(workspace: string, id: number, dependsOn: readonly number[]): Promise<void> {
    for (const target of dependsOn) this.withoutDependents.delete(`${workspace}\0${target}`);
    return this.scoped(workspace, async () => {
      await this.db.deleteFrom('task_deps').where('workspace', '=', workspace).where('task_id', '=', id).execute();
      if (dependsOn.length === 0) return;
      await this.db
        .insertInto('task_deps')
        .values(dependsOn.map((dep) => ({ workspace, task_id: id, depends_on: dep })))
        .execute();
    });
  }

  deleteTask(workspace: string, id: number): Promise<boolean> {
    return this.scoped(workspace, async () => {
      const gone = await this.db.deleteFrom('tasks').where('workspace', '=', workspace).where('id', '=', id).returning('id').executeTakeFirst();
      if (!gone) return false;
      await this.db
        .deleteFrom('task_deps')
        .where('workspace', '=', workspace)
        .where((eb) => eb.or([eb('task_id', '=', id), eb('depends_on', '=', id)]))
        .execute();
      await this.db.deleteFrom('task_labels').where('workspace', '=', workspace).where('task_id', '=', id).execute();
      await this.db.deleteFrom('comments').where('workspace', '=', workspace).where('task_id', '=', id).execute();
      return true;
    });
  }

  insertComment(workspace: string, taskId: number, body: string, actor: Actor, now: string): Promise<CommentRecord> {
    return this.scoped(workspace, async () => {
      const id = await this.nextId(workspace, 'next_comment_id');
      const row = await this.db
        .insertInto('comments')
        .values({ workspace, id, task_id: taskId, body, author: actor.principal, author_client: actor.client, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      // the generated `search` column follows comment_text
      await this.db
        .updateTable('tasks')
        .set({ comment_text: sql`CASE WHEN comment_text = '' THEN ${body} ELSE comment_text || E'\\n' || ${body} END` })
        .where('workspace', '=', workspace)
        .where('id', '=', taskId)
        .execute();
      return toComment(row);
    });
  }

  putIdempotency(workspace: string, key: string, record: IdempotencyRecord): Promise<void> {
    return this.scoped(workspace, async () => {
      await this.db
        .insertInto('idempotency_keys')
        .values({ workspace, key, tool: record.tool, args_hash: record.args_hash, result: record.result, created_at: record.created_at })
        .execute();
    });
  }

  appendChanges(workspace: string, actor: Actor, at: string, changes: readonly NewChange[]): Promise<ChangeRecord[]> {
    return this.scoped(workspace, () => history.appendChanges(this.raw, workspace, this.origin, actor, at, changes));
  }

  putTrash(workspace: string, entries: readonly TrashRecord[]): Promise<void> {
    return this.scoped(workspace, () => history.putTrash(this.raw, workspace, entries));
  }

  removeTrash(workspace: string, ids: readonly number[]): Promise<void> {
    return this.scoped(workspace, () => history.removeTrash(this.raw, workspace, ids));
  }

  putMark(workspace: string, principal: string, name: string, mark: { seq: number; at: string }): Promise<void> {
    return this.scoped(workspace, () => history.putMark(this.raw, workspace, principal, name, mark));
  }

  restoreTask(workspace: string, task: TaskRecord, comments: readonly CommentRecord[]): Promise<void> {
    return this.scoped(workspace, async () => {
      // One round trip: the task row (comment_text included, so the generated `search` column covers its comments),
      // its label rows and its comments, as data-modifying CTEs. The id counters only ever move forward (GREATEST):
      // normally they are past these ids already.
      const sorted = [...comments].sort((a, b) => a.id - b.id);
      const lease = task.lease;
      await sql`
        WITH w AS (
          INSERT INTO workspaces (name, next_task_id, next_comment_id)
          VALUES (${workspace}, ${task.id + 1}::integer, ${(sorted.at(-1)?.id ?? 0) + 1}::integer)
          ON CONFLICT (name) DO UPDATE SET next_task_id = GREATEST(workspaces.next_task_id, excluded.next_task_id),
                                           next_comment_id = GREATEST(workspaces.next_comment_id, excluded.next_comment_id)
        ), t AS (
          INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, assignee, due_date, parent_id, version,
                             created_at, updated_at, completed_at, created_by, created_client, updated_by, updated_client,
                             lease_id, lease_holder, lease_client, lease_client_version, lease_expires_at, comment_text,
                             open_deps, open_children)
          VALUES (${workspace}, ${task.id}::integer, ${task.title}::text, ${task.description}::text, ${task.status}::text, ${task.priority}::text,
                  ${PRIORITY_RANK[task.priority]}::smallint, ${task.labels}::text[], ${task.assignee}::text, ${task.due_date}::date,
                  ${task.parent_id}::integer, ${task.version}::integer, ${task.created_at}::timestamptz, ${task.updated_at}::timestamptz,
                  ${task.completed_at}::timestamptz, ${task.created_by.principal}::text, ${task.created_by.client}::text,
                  ${task.updated_by.principal}::text, ${task.updated_by.client}::text, ${lease?.lease_id ?? null}::text,
                  ${lease?.holder.principal ?? null}::text, ${lease?.holder.client ?? null}::text, ${lease?.holder.client_version ?? null}::text,
                  ${lease?.expires_at ?? null}::timestamptz, ${sorted.map((c) => c.body).join('\n')}::text,
                  ${readinessOf(workspace, sql<number>`${task.id}::integer`)})
        ), l AS (
          INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee)
          SELECT ${workspace}, ${task.id}::integer, x, ${task.status}::text, ${PRIORITY_RANK[task.priority]}::smallint, ${task.due_date}::date,
                 ${task.assignee}::text
            FROM unnest(${task.labels}::text[]) AS x
        ), c AS (
          INSERT INTO comments (workspace, id, task_id, body, author, author_client, created_at)
          SELECT ${workspace}, x.id, ${task.id}::integer, x.body, x.author, x.author_client, x.created_at
            FROM unnest(${sorted.map((c) => c.id)}::integer[], ${sorted.map((c) => c.body)}::text[], ${sorted.map((c) => c.author.principal)}::text[],
                        ${sorted.map((c) => c.author.client)}::text[], ${sorted.map((c) => c.created_at)}::timestamptz[])
                 AS x(id, body, author, author_client, created_at)
        )
        SELECT 1`.execute(this.db);
    });
  }

  deleteComment(workspace: string, taskId: number, commentId: number): Promise<boolean> {
    return this.scoped(workspace, async () => {
      // One round trip: delete the comment and rebuild the task's comment_text (hence `search`) from the others;
      // the subquery still sees the deleted row (one snapshot per statement), so it is excluded by id.
      const { rows } = await sql<{ n: number }>`
        WITH d AS (
          DELETE FROM comments WHERE workspace = ${workspace} AND task_id = ${taskId}::integer AND id = ${commentId}::integer RETURNING id
        ), u AS (
          UPDATE tasks SET comment_text = coalesce((
                   SELECT string_agg(c.body, E'\\n' ORDER BY c.id) FROM comments c
                    WHERE c.workspace = ${workspace} AND c.task_id = ${taskId}::integer AND c.id <> ${commentId}::integer), '')
           WHERE workspace = ${workspace} AND id = ${taskId}::integer AND EXISTS (SELECT 1 FROM d)
        )
        SELECT count(*) AS n FROM d`.execute(this.db);
      return (rows[0]?.n ?? 0) > 0;
    });
  }

  // ---- helpers (run inside a scoped call) ----

  /**
   * Take the workspace's next task or comment id. The counter row stays locked
   * until the transaction ends, and a rollback restores it: ids are never reused.
   */
  private async nextId(workspace: string, counter: 'next_task_id' | 'next_comment_id'): Promise<number> {
    const { id } = await this.db
      .insertInto('workspaces')
      .values({ name: workspace, [counter]: 2 })
      .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ [counter]: eb(`workspaces.${counter}`, '+', 1) })))
      .returning((eb) => eb(counter, '-', 1).as('id'))
      .executeTakeFirstOrThrow();
    return id;
  }

  private async fetchTask(workspace: string, id: number, forUpdate = false): Promise<TaskRecord | undefined> {
    const query = this.selectTasks().where('workspace', '=', workspace).where('id', '=', id);
    const row = await (forUpdate ? query.forUpdate() : query).executeTakeFirst();
    return row ? (await this.hydrate(workspace, [row]))[0] : undefined;
  }

  /** Insert a task's label rows, each with the task's list columns (migration 6). */
  private async writeLabels(workspace: string, task: TaskRecord): Promise<void> {
    if (task.labels.length === 0) return;
    const { status, due_date, assignee } = task;
    await this.db
      .insertInto('task_labels')
      .values(task.labels.map((label) => ({ workspace, task_id: task.id, label, status, priority_rank: PRIORITY_RANK[task.priority], due_date, assignee })))
      .execute();
  }

  /** Rows → records; rows selected without `depends_on` get every row's dependency list in one query. */
  private async hydrate(workspace: string, rows: ReadonlyArray<TaskRow & { depends_on?: number[] }>): Promise<TaskRecord[]> {
    if (rows.length === 0) return [];
    if (rows.every((r) => Array.isArray(r.depends_on))) return rows.map((r) => toTask(r, r.depends_on as number[]));
    const deps = new Map<number, number[]>();
    for (const d of await this.db
      .selectFrom('task_deps')
      .select(['task_id', 'depends_on'])
      .where('workspace', '=', workspace)
      .where(
        'task_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('task_id')
      .orderBy('depends_on')
      .execute()) {
      const list = deps.get(d.task_id) ?? [];
      list.push(d.depends_on);
      deps.set(d.task_id, list);
    }
    return rows.map((r) => toTask(r, deps.get(r.id) ?? []));
  }
}

/** A task row as `json_agg` renders it: timestamps with an offset instead of ISO-8601 UTC. */
type TaskJson = TaskRow & { depends_on: number[] };
type CommentJson = Omit<Selectable<Database['comments']>, 'workspace'>;

/** A json timestamp (`2026-12-01T11:19:25.123+00:00`) as the pool's timestamptz parser gives it: ISO-8601 UTC. */
function isoTime(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

function fromTaskJson(r: TaskJson): TaskRecord {
  return toTask(
    {
      ...r,
      created_at: isoTime(r.created_at) as string,
      updated_at: isoTime(r.updated_at) as string,
      completed_at: isoTime(r.completed_at),
      lease_expires_at: isoTime(r.lease_expires_at),
    },
    r.depends_on,
  );
}

function toTask(r: TaskRow, dependsOn: number[]): TaskRecord {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    status: r.status,
    priority: r.priority,
    labels: r.labels,
    assignee: r.assignee,
    due_date: r.due_date,
    parent_id: r.parent_id,
    depends_on: dependsOn,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
    completed_at: r.completed_at,
    created_by: { principal: r.created_by, client: r.created_client },
    updated_by: { principal: r.updated_by, client: r.updated_client },
    lease:
      r.lease_id === null
        ? null
        : {
            lease_id: r.lease_id,
            holder: { principal: r.lease_holder as string, client: r.lease_client, client_version: r.lease_client_version },
            expires_at: r.lease_expires_at as string,
          },
  };
}

function toComment(r: Selectable<Database['comments']>): CommentRecord {
  return {
    id: r.id,
    task_id: r.task_id,
    body: r.body,
    author: { principal: r.author, client: r.author_client },
    created_at: r.created_at,
  };
}
