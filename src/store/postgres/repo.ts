import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { Mutex } from '../mutex.js';
import type {
  Actor,
  ChangeQuery,
  ChangeRecord,
  CommentRecord,
  Counted,
  IdempotencyRecord,
  ListQuery,
  NewChange,
  NewTask,
  SearchHit,
  SearchQuery,
  StatCounts,
  StatWindow,
  TaskDetailRecord,
  TaskPatch,
  TaskRecord,
  TaskWriter,
  TrashRecord,
} from '../types.js';
import * as comments from './comments.js';
import { DEFER } from './folded-pool.js';
import * as history from './history.js';
import * as idempotency from './idempotency.js';
import * as list from './list.js';
import * as lookups from './lookups.js';
import { restoreTask } from './restore.js';
import type { Database } from './schema.js';
import * as search from './search.js';
import { statCounts } from './stats.js';
import * as graph from './task-graph.js';
import * as reads from './task-reads.js';
import * as writes from './task-writes.js';

/** First key of the advisory lock a write transaction holds per workspace (second key: schema and workspace). */
const WORKSPACE_LOCK = 0x74770002;

/**
 * Run `fn` as one transaction on one pooled connection. The transaction begins lazily: BEGIN, the
 * first port call's workspace setting (and lock) ride in the round trip of that call's first statement
 * (see PostgresRepo.scoped and folded-pool.ts); a `fn` that makes no call costs no round trip at all. COMMIT after `fn` resolves, ROLLBACK if it throws.
 *
 * @param origin the store's origin, written on every change record
 * @param writable a READ COMMITTED writer holding each workspace's advisory lock, else a READ ONLY, REPEATABLE READ reader
 * @throws whatever `fn` throws (after ROLLBACK), or the driver's error from COMMIT
 */
export async function inTransaction<T>(db: Kysely<Database>, origin: string, writable: boolean, fn: (repo: PostgresRepo) => Promise<T>): Promise<T> {
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

/**
 * The reader/writer of one transaction. Every port method goes through
 * {@link PostgresRepo.scoped}, then runs its statements from the engine's parts
 * (`task-reads.ts`, `list.ts`, `search.ts`, `task-writes.ts`, ...) on this transaction's connection.
 */
export class PostgresRepo implements TaskWriter {
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

  /** End the transaction, if one was begun. */
  async end(how: 'commit' | 'rollback'): Promise<void> {
    if (!this.begun) return;
    this.begun = false;
    await this.db.executeQuery(CompiledQuery.raw(how));
  }

  // ---- reads ----

  getTask(workspace: string, id: number): Promise<TaskRecord | undefined> {
    return this.scoped(workspace, () => reads.fetchTask(this.db, workspace, id));
  }

  taskDetail(workspace: string, id: number, commentsLimit: number): Promise<TaskDetailRecord | undefined> {
    return this.scoped(workspace, () => reads.taskDetail(this.db, workspace, id, commentsLimit));
  }

  getTasks(workspace: string, ids: readonly number[]): Promise<TaskRecord[]> {
    return this.scoped(workspace, () => reads.getTasks(this.db, workspace, ids));
  }

  listTasks(workspace: string, query: ListQuery): Promise<Counted<TaskRecord>> {
    return this.scoped(workspace, () => list.listTasks(this.db, workspace, query));
  }

  searchTasks(workspace: string, query: SearchQuery): Promise<Counted<SearchHit>> {
    return this.scoped(workspace, () => search.searchTasks(this.db, workspace, query));
  }

  listComments(workspace: string, taskId: number, limit: number): Promise<Counted<CommentRecord>> {
    return this.scoped(workspace, () => comments.listComments(this.db, workspace, taskId, limit));
  }

  subtasks(workspace: string, parentId: number): Promise<TaskRecord[]> {
    return this.scoped(workspace, () => graph.subtasks(this.db, workspace, parentId));
  }

  dependents(workspace: string, id: number): Promise<TaskRecord[]> {
    if (this.withoutDependents.has(`${workspace}\0${id}`)) return Promise.resolve([]);
    return this.scoped(workspace, () => graph.dependents(this.db, workspace, id));
  }

  dependencyClosure(workspace: string, from: readonly number[]): Promise<Array<[number, number]>> {
    return this.scoped(workspace, () => graph.dependencyClosure(this.db, workspace, from));
  }

  ancestors(workspace: string, id: number): Promise<number[]> {
    return this.scoped(workspace, () => graph.ancestors(this.db, workspace, id));
  }

  actionableTasks(workspace: string, filter: { assignee?: string; label?: string }, limit: number): Promise<TaskRecord[]> {
    return this.scoped(workspace, () => graph.actionableTasks(this.db, workspace, filter, limit));
  }

  countWaitingOnDependencies(workspace: string): Promise<number> {
    return this.scoped(workspace, () => graph.countWaitingOnDependencies(this.db, workspace));
  }

  countTasks(workspace: string, window: StatWindow): Promise<StatCounts> {
    return this.scoped(workspace, () => statCounts(this.db, workspace, window));
  }

  getIdempotency(workspace: string, key: string): Promise<IdempotencyRecord | undefined> {
    return this.scoped(workspace, () => idempotency.getIdempotency(this.db, workspace, key));
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

  expiredLeases(workspace: string, now: string, limit: number): Promise<number[]> {
    return this.scoped(workspace, () => lookups.expiredLeases(this.db, workspace, now, limit));
  }

  idsWithPrefix(workspace: string, prefix: string, limit: number): Promise<number[]> {
    return this.scoped(workspace, () => lookups.idsWithPrefix(this.db, workspace, prefix, limit));
  }

  distinctValues(workspace: string, field: 'assignee' | 'label', prefix: string, limit: number): Promise<string[]> {
    return this.scoped(workspace, () => lookups.distinctValues(this.db, workspace, field, prefix, limit));
  }

  // ---- writes ----

  insertTask(workspace: string, task: NewTask, actor: Actor, now: string): Promise<TaskRecord> {
    return this.scoped(workspace, async () => {
      const inserted = await writes.insertTask(this.db, workspace, task, actor, now);
      if (inserted.noDependents) this.withoutDependents.add(`${workspace}\0${inserted.task.id}`);
      return inserted.task;
    });
  }

  updateTask(workspace: string, id: number, patch: TaskPatch, actor: Actor, now: string): Promise<TaskRecord> {
    return this.scoped(workspace, () => writes.updateTask(this.db, workspace, id, patch, actor, now));
  }

  setDependencies(workspace: string, id: number, dependsOn: readonly number[]): Promise<void> {
    for (const target of dependsOn) this.withoutDependents.delete(`${workspace}\0${target}`);
    return this.scoped(workspace, () => writes.setDependencies(this.db, workspace, id, dependsOn));
  }

  deleteTask(workspace: string, id: number): Promise<boolean> {
    return this.scoped(workspace, () => writes.deleteTask(this.db, workspace, id));
  }

  insertComment(workspace: string, taskId: number, body: string, actor: Actor, now: string): Promise<CommentRecord> {
    return this.scoped(workspace, () => comments.insertComment(this.db, workspace, taskId, body, actor, now));
  }

  deleteComment(workspace: string, taskId: number, commentId: number): Promise<boolean> {
    return this.scoped(workspace, () => comments.deleteComment(this.db, workspace, taskId, commentId));
  }

  putIdempotency(workspace: string, key: string, record: IdempotencyRecord): Promise<void> {
    return this.scoped(workspace, () => idempotency.putIdempotency(this.db, workspace, key, record));
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
    return this.scoped(workspace, () => restoreTask(this.db, workspace, task, comments));
  }
}
