/**
 * The storage port: everything above this file speaks these types, never SQL.
 *
 * One port, several engines (SQLite today, PostgreSQL next), one contract
 * test suite (`test/store/contract.ts`) that every engine passes. Engine
 * errors are translated inside the engine into {@link StoreError}; nothing
 * above the store sees a driver error.
 *
 * Every method takes the workspace first: multi-tenancy is a filter on every
 * query, never a property of the connection.
 */

export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses that count as finished: a dependency in one of these no longer blocks. */
export const CLOSED_STATUSES: readonly TaskStatus[] = ['done', 'cancelled'];

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Who made a change: the authenticated principal and the MCP client it came through. */
export interface Actor {
  principal: string;
  /** `clientInfo.name` of the MCP client, when it sent one. */
  client: string | null;
  /** `clientInfo.version` of the MCP client, when it sent one (kept in the change history, not on task rows). */
  client_version?: string | null;
}

/**
 * A claim on a task (claim_task): while `expires_at` is in the future, writes that change the task must carry
 * `lease_id` (a fencing token). An expired lease is no lease: the service releases it on the next read or claim.
 */
export interface LeaseRecord {
  /** Opaque, random; shown to the claimer only (claim_task's result), never in lists or history. */
  lease_id: string;
  holder: Actor;
  /** ISO-8601 UTC. */
  expires_at: string;
}

/** A task as stored. Times are ISO-8601 UTC strings; `due_date` is `YYYY-MM-DD`. */
export interface TaskRecord {
  id: number;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  labels: string[];
  assignee: string | null;
  due_date: string | null;
  parent_id: number | null;
  depends_on: number[];
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  created_by: Actor;
  updated_by: Actor;
  /** The current lease as stored (possibly expired: the service masks and releases expired ones). */
  lease: LeaseRecord | null;
}

export interface CommentRecord {
  id: number;
  task_id: number;
  body: string;
  author: Actor;
  created_at: string;
}

/** Fields of a new task; the store assigns id, version and timestamps. */
export interface NewTask {
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  labels: string[];
  assignee: string | null;
  due_date: string | null;
  parent_id: number | null;
}

/** A partial update; `undefined` leaves a field as it is, `null` clears a nullable one. */
export type TaskPatch = Partial<Omit<NewTask, 'labels'>> & { labels?: string[]; completed_at?: string | null; lease?: LeaseRecord | null };

/** What a change record says happened to one task. */
export const CHANGE_KINDS = ['create', 'update', 'complete', 'delete', 'restore', 'comment', 'claim', 'renew', 'release', 'expire', 'import', 'revert'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One field's value before and after a change (`null` before = it did not exist: a create). */
export type FieldChange = [before: unknown, after: unknown];

/** A change record as the service builds it; the store adds seq, time and who. */
export interface NewChange {
  task_id: number;
  kind: ChangeKind;
  /** The use case (tool) that made it: `update_task`, `claim_task`, `lease_expiry`, ... */
  tool: string;
  /** The task's version after the change (null when the task no longer exists: a delete). */
  version: number | null;
  /** Changed fields; pseudo-fields: `deleted` (delete/restore), `comment` (a comment added). */
  fields: Record<string, FieldChange>;
}

/** A stored change record: one per task a write touched, appended in that write's transaction. */
export interface ChangeRecord extends NewChange {
  /** Monotonic per workspace, gap-free in commit order: a feed that reads `seq > n` never skips or repeats. */
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  principal: string;
  client: string | null;
  client_version: string | null;
}

/** Filters of {@link TaskReader.listChanges}. */
export interface ChangeQuery {
  /** Only changes with `seq` greater than this (the feed's cursor). */
  after?: number;
  /** Only changes with `seq` less than this (paging backwards, newest first). */
  before?: number;
  task_id?: number;
  principal?: string;
  /** Inclusive lower bound on `at` (ISO-8601). */
  since?: string;
  limit: number;
  /** Newest first (history); default oldest first (the feed). */
  newest_first?: boolean;
}

/** Everything needed to bring a deleted task back: its row, its comments, and who depended on it. */
export interface TaskSnapshot {
  task: TaskRecord;
  comments: CommentRecord[];
  /** Ids of tasks whose `depends_on` contained this task when it was deleted. */
  dependents: number[];
}

/** A task in the trash (delete_task), restorable by reverting the delete change `seq`. */
export interface TrashRecord {
  task_id: number;
  /** The task delete_task was called on; its subtasks deleted with it share its root. */
  root_id: number;
  /** The delete change of this task. */
  seq: number;
  deleted_at: string;
  deleted_by: string;
  snapshot: TaskSnapshot;
}

export const SORT_KEYS = ['priority', 'due_date', 'created_at', 'updated_at', 'id'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TaskFilter {
  status?: TaskStatus[];
  priority?: Priority[];
  label?: string;
  assignee?: string;
  /** Tasks whose parent is this id; `null` = top-level tasks only. */
  parent_id?: number | null;
  /** Inclusive `YYYY-MM-DD` bounds on `due_date`. */
  due_before?: string;
  due_after?: string;
  /** Open tasks whose `due_date` is before `today`. */
  overdue?: boolean;
  /** `YYYY-MM-DD` used by `overdue`; the caller's clock, so tests can pin it. */
  today?: string;
}

export interface Page {
  offset: number;
  limit: number;
}

export interface ListQuery extends TaskFilter, Page {
  sort: SortKey;
  order: 'asc' | 'desc';
}

export interface SearchQuery extends TaskFilter, Page {
  /** Free text; the engine turns it into its own query syntax safely. */
  text: string;
}

export interface SearchHit {
  task: TaskRecord;
  /** Higher is better; comparable only within one result set. */
  score: number;
  /** A short excerpt around the match, with matches wrapped in `**`. */
  snippet: string;
  /** Where the best match was: title, description or a comment. */
  matched_in: 'title' | 'description' | 'comments';
}

export interface Counted<T> {
  items: T[];
  total: number;
}

/** A task and what get_task shows beside it (see {@link TaskReader.taskDetail}). */
export interface TaskDetailRecord {
  task: TaskRecord;
  /** Its newest comments (at most the limit asked for), oldest first, and how many it has. */
  comments: Counted<CommentRecord>;
  /** Its direct subtasks, by id. */
  subtasks: TaskRecord[];
  /** The tasks in its `depends_on` that exist, by id. */
  dependencies: TaskRecord[];
  /** The tasks whose `depends_on` contains it, by id. */
  dependents: TaskRecord[];
}

export interface TaskStats {
  total: number;
  by_status: Record<TaskStatus, number>;
  by_priority: Record<Priority, number>;
  by_label: Record<string, number>;
  by_assignee: Record<string, number>;
  overdue: number;
  completed_last_7_days: number;
  completed_last_30_days: number;
}

export interface IdempotencyRecord {
  tool: string;
  args_hash: string;
  /** The JSON the original call returned, replayed verbatim on a retry. */
  result: string;
  created_at: string;
}

/** Read operations. All ids are per workspace; a missing id answers `undefined`, never another workspace's row. */
export interface TaskReader {
  getTask(workspace: string, id: number): Promise<TaskRecord | undefined>;
  getTasks(workspace: string, ids: readonly number[]): Promise<TaskRecord[]>;
  listTasks(workspace: string, query: ListQuery): Promise<Counted<TaskRecord>>;
  searchTasks(workspace: string, query: SearchQuery): Promise<Counted<SearchHit>>;
  listComments(workspace: string, taskId: number, limit: number): Promise<Counted<CommentRecord>>;
  /**
   * A task with its newest `commentsLimit` comments, subtasks, dependencies and dependents, as getTask, listComments,
   * subtasks, getTasks(depends_on) and dependents answer them; undefined when the task does not exist. PostgreSQL
   * reads it in one statement (get_task's round trips).
   */
  taskDetail(workspace: string, id: number, commentsLimit: number): Promise<TaskDetailRecord | undefined>;
  /** Direct subtasks of a task. */
  subtasks(workspace: string, parentId: number): Promise<TaskRecord[]>;
  /** Tasks whose `depends_on` contains `id`. */
  dependents(workspace: string, id: number): Promise<TaskRecord[]>;
  /**
   * Every dependency edge reachable from `from` (following `depends_on`),
   * as [task, dependsOn] pairs; used to reject cycles.
   */
  dependencyClosure(workspace: string, from: readonly number[]): Promise<Array<[number, number]>>;
  /** Ancestors of a task via `parent_id`, nearest first. */
  ancestors(workspace: string, id: number): Promise<number[]>;
  /**
   * Open (`todo`) tasks all of whose dependencies are closed and that have no
   * open subtasks, best first: priority, then due date (none last), then age.
   */
  actionableTasks(workspace: string, filter: { assignee?: string; label?: string }, limit: number): Promise<TaskRecord[]>;
  /** How many `todo` tasks still wait on an open dependency. */
  countWaitingOnDependencies(workspace: string): Promise<number>;
  stats(workspace: string, now: Date): Promise<TaskStats>;
  getIdempotency(workspace: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Change records matching `q`, oldest first (or newest first with `newest_first`), at most `q.limit`. */
  listChanges(workspace: string, q: ChangeQuery): Promise<ChangeRecord[]>;
  /** These change records, by seq (missing ones are left out), ascending. */
  getChanges(workspace: string, seqs: readonly number[]): Promise<ChangeRecord[]>;
  /** The workspace's latest change seq (0 when none). */
  lastChangeSeq(workspace: string): Promise<number>;
  /** Trash entries of these task ids (missing ones are left out). */
  trashed(workspace: string, ids: readonly number[]): Promise<TrashRecord[]>;
  /** Trash entries deleted together with `rootId` (its own included). */
  trashGroup(workspace: string, rootId: number): Promise<TrashRecord[]>;
  /** Newest trash entries first, at most `limit`. */
  listTrash(workspace: string, limit: number): Promise<TrashRecord[]>;
  /** Ids of tasks whose lease expired at or before `now` (ISO-8601), ascending, at most `limit`. */
  expiredLeases(workspace: string, now: string, limit: number): Promise<number[]>;
  /** A principal's named mark in the change feed (e.g. its last stand-up), or undefined. */
  getMark(workspace: string, principal: string, name: string): Promise<{ seq: number; at: string } | undefined>;
  /** Ids present in the workspace, ascending, whose decimal form starts with `prefix`; for completion. */
  idsWithPrefix(workspace: string, prefix: string, limit: number): Promise<number[]>;
  /** Distinct assignees and labels, for prompt-argument completion. */
  distinctValues(workspace: string, field: 'assignee' | 'label', prefix: string, limit: number): Promise<string[]>;
}

/** Write operations, only available inside {@link TaskStore.write}. */
export interface TaskWriter extends TaskReader {
  insertTask(workspace: string, task: NewTask, actor: Actor, now: string): Promise<TaskRecord>;
  /**
   * Apply a patch and bump `version`. When `expectedVersion` is given and differs,
   * throws `StoreError('version_conflict')` and writes nothing.
   */
  updateTask(workspace: string, id: number, patch: TaskPatch, actor: Actor, now: string, expectedVersion?: number): Promise<TaskRecord>;
  /** Replace a task's dependency list (does not bump its version by itself). */
  setDependencies(workspace: string, id: number, dependsOn: readonly number[]): Promise<void>;
  /** Delete a task, its comments and every edge that points at it. Returns false when it did not exist. */
  deleteTask(workspace: string, id: number): Promise<boolean>;
  insertComment(workspace: string, taskId: number, body: string, actor: Actor, now: string): Promise<CommentRecord>;
  putIdempotency(workspace: string, key: string, record: IdempotencyRecord): Promise<void>;
  /** Append change records (seqs assigned in order, continuing the workspace's sequence) made by `actor` at `at`. */
  appendChanges(workspace: string, actor: Actor, at: string, changes: readonly NewChange[]): Promise<ChangeRecord[]>;
  /** Put tasks (already deleted with {@link deleteTask}) in the trash. */
  putTrash(workspace: string, entries: readonly TrashRecord[]): Promise<void>;
  /** Take tasks out of the trash (after restoring them, or for good). */
  removeTrash(workspace: string, ids: readonly number[]): Promise<void>;
  /**
   * Re-insert a deleted task with its own id, version, times and comments (their ids too), and its labels;
   * not its dependency edges (use {@link setDependencies}). The workspace's id counters are not moved back.
   */
  restoreTask(workspace: string, task: TaskRecord, comments: readonly CommentRecord[]): Promise<void>;
  /** Remove one comment (reverting an add_comment). Returns false when it did not exist. */
  deleteComment(workspace: string, taskId: number, commentId: number): Promise<boolean>;
  putMark(workspace: string, principal: string, name: string, mark: { seq: number; at: string }): Promise<void>;
}

/** Retention limits for {@link TaskStore.prune}: rows older than these ISO-8601 times go, in every workspace. */
export interface PruneBefore {
  changes?: string;
  trash?: string;
}

/**
 * One tool call in the audit trail. `time` is the call's start (ISO-8601 UTC,
 * ms precision); `args` is the JSON of the arguments for writes (tools not
 * annotated read-only), null for reads, whose arguments only leave their hash.
 */
export interface AuditRecord {
  time: string;
  workspace: string;
  principal: string;
  client_name: string | null;
  client_version: string | null;
  tool: string;
  /** SHA-256 (hex) of the arguments' canonical JSON (keys sorted). */
  args_hash: string;
  args: string | null;
  /** `ok` or the structured error code (`not_found`, `rate_limited`, ...). */
  outcome: string;
  duration_ms: number;
  /** W3C trace id of the call's span when traced. */
  trace_id: string | null;
  /** JSON-RPC request id, as a string. */
  request_id: string | null;
}

/** Filters of {@link AuditLog.query}; newest rows first. */
export interface AuditQuery {
  workspace: string;
  /** Inclusive lower bound on `time` (ISO-8601). */
  since?: string;
  principal?: string;
  tool?: string;
  limit: number;
}

/**
 * The audit trail's storage: append-only rows, read per workspace, pruned by age.
 * Independent of task transactions (an audit write never joins or blocks on a
 * task write's outcome). Errors: {@link StoreError} as for the rest of the store.
 */
export interface AuditLog {
  /** Insert rows (any workspaces) in one transaction. */
  append(rows: readonly AuditRecord[]): Promise<void>;
  query(q: AuditQuery): Promise<AuditRecord[]>;
  /** Delete rows of every workspace with `time` before `before` (ISO-8601); returns how many. */
  prune(before: string): Promise<number>;
}

/**
 * A task store. `write` runs `fn` as one transaction: everything it wrote
 * commits together after `fn` resolves, or nothing does if it throws.
 * `read` sees only committed data.
 *
 * Errors: {@link StoreError} with code `unavailable` (engine down or busy past
 * its timeout, retryable), `version_conflict`, or `internal`.
 */
export interface TaskStore {
  readonly engine: 'sqlite' | 'postgres';
  /** API keys (`taskwire token ...`); outside `read`/`write` because they are looked up before a workspace is known. */
  readonly apiKeys: ApiKeyStore;
  /** The audit trail (a table of the same database). */
  readonly audit: AuditLog;
  read<T>(fn: (r: TaskReader) => Promise<T>): Promise<T>;
  write<T>(fn: (w: TaskWriter) => Promise<T>): Promise<T>;
  /** Random per open store: change records this process wrote carry it (cross-process delivery skips its own). */
  readonly origin: string;
  /** Delete change records and trash entries past their retention, across workspaces; returns how many of each. */
  prune(before: PruneBefore): Promise<{ changes: number; trash: number }>;
  /** Cheap liveness probe of the engine; throws `StoreError('unavailable')`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A stored API key. Only `secret_hash` (SHA-256 of the random secret, hex) is
 * kept, never the secret. `id` is public: it is the key's handle in
 * `token list`/`token revoke` and the lookup part of the bearer value.
 */
export interface ApiKeyRecord {
  id: string;
  workspace: string;
  /** Human label (`--name`). */
  name: string;
  scopes: string[];
  secret_hash: string;
  created_at: string;
  /** ISO-8601 UTC; null = never expires. */
  expires_at: string | null;
  revoked_at: string | null;
}

/**
 * API key storage. Not scoped by workspace on purpose: a key is found by its id
 * before the caller's workspace is known (PostgreSQL keeps this table out of
 * row-level security). Errors: {@link StoreError} as for {@link TaskStore}.
 */
export interface ApiKeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key (of one workspace when given), oldest first. */
  list(workspace?: string): Promise<ApiKeyRecord[]>;
  /** Mark a key revoked at `now`; false when no such key or already revoked. */
  revoke(id: string, now: string): Promise<boolean>;
}

export type StoreErrorCode = 'unavailable' | 'version_conflict' | 'internal';

/** The only error type a store throws. `cause` keeps the engine error for logs. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details?: { current?: TaskRecord; cause?: unknown },
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
