import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Actor, ChangeKind, ChangeQuery, ChangeRecord, FieldChange, NewChange, PruneBefore, TaskSnapshot, TrashRecord } from '../types.js';
import { countLiteral, intLiteral } from './sql-literals.js';

/**
 * PostgreSQL statements of the parallel-agents tables (migration 4): the change history (`task_changes`), the trash
 * and the change-feed marks. Each function is one statement (one round trip) on the connection of the calling
 * repo's transaction, which has already set `taskwire.workspace` and, when writing, holds that workspace's advisory
 * lock (see PostgresRepo.scoped). Every query filters on the workspace and reads an index: the `(workspace, seq)`
 * key, `task_changes_by_task`, `task_changes_by_principal`, `task_changes_by_workspace_time`, `trash_by_root`, `trash_by_seq`.
 *
 * Times are ISO-8601 UTC strings (the pool's timestamptz parser); `fields` and `snapshot` are `json` columns,
 * which the driver parses back into objects.
 *
 * Errors: the driver's, translated into StoreError by the store's guard.
 */

interface ChangeRow {
  seq: number;
  at: string;
  principal: string;
  client: string | null;
  client_version: string | null;
  tool: string;
  kind: ChangeKind;
  task_id: number;
  version: number | null;
  fields: Record<string, FieldChange>;
}

interface TrashRow {
  task_id: number;
  root_id: number;
  seq: number;
  deleted_at: string;
  deleted_by: string;
  snapshot: TaskSnapshot;
}

const CHANGE_COLUMNS = sql.raw('seq, at, principal, client, client_version, tool, kind, task_id, version, fields');
const TRASH_COLUMNS = sql.raw('task_id, root_id, seq, deleted_at, deleted_by, snapshot');

/**
 * Append `changes` with the next `changes.length` seqs of the workspace, in order, in one statement: the counter
 * `workspaces.next_change_seq` is advanced by UPDATE ... RETURNING (its row stays locked until the transaction ends,
 * and a rollback restores it, so seqs are never lost or reused), the rows go in through `unnest`. They are stored
 * at greatest(`at`, the workspace's `last_change_at`), kept on the same row (migration 11), so change times never go
 * back in seq order even when replicas' clocks disagree (listChanges' `since` relies on it).
 *
 * @returns the stored records, seqs ascending; `at` as the database keeps it (ISO-8601 UTC, ms): later than the
 *   given `at` only when another writer of the workspace stamped a later time before.
 */
export async function appendChanges(
  db: Kysely<unknown>,
  workspace: string,
  origin: string,
  actor: Actor,
  at: string,
  changes: readonly NewChange[],
): Promise<ChangeRecord[]> {
  if (changes.length === 0) return [];
  const n = changes.length;
  const clientVersion = actor.client_version ?? null;
  const { rows } = await sql<{ first: number; at: string }>`
    WITH n AS (
      INSERT INTO workspaces (name, next_change_seq, last_change_at) VALUES (${workspace}, ${n + 1}::bigint, ${at}::timestamptz)
      ON CONFLICT (name) DO UPDATE SET next_change_seq = workspaces.next_change_seq + ${n}::bigint,
                                       last_change_at = greatest(workspaces.last_change_at, excluded.last_change_at)
      RETURNING next_change_seq - ${n}::bigint AS first, last_change_at AS at
    ), c AS (
      INSERT INTO task_changes (workspace, seq, at, principal, client, client_version, tool, kind, task_id, version, fields, origin)
      SELECT ${workspace}, n.first + x.ord - 1, n.at, ${actor.principal}::text, ${actor.client}::text, ${clientVersion}::text,
             x.tool, x.kind, x.task_id, x.version, x.fields, ${origin}::text
        FROM n, unnest(${changes.map((c) => c.tool)}::text[], ${changes.map((c) => c.kind)}::text[], ${changes.map((c) => c.task_id)}::integer[],
                       ${changes.map((c) => c.version)}::integer[], ${changes.map((c) => JSON.stringify(c.fields))}::json[])
             WITH ORDINALITY AS x(tool, kind, task_id, version, fields, ord)
    )
    SELECT n.first, n.at FROM n`.execute(db);
  const { first, at: storedAt } = rows[0] as { first: number; at: string };
  return changes.map((c, i) => ({
    seq: first + i,
    at: storedAt,
    principal: actor.principal,
    client: actor.client,
    client_version: clientVersion,
    tool: c.tool,
    kind: c.kind,
    task_id: c.task_id,
    version: c.version,
    fields: c.fields,
  }));
}

/**
 * Changes matching `q`, by seq (ascending, or descending with `newest_first`), at most `q.limit`: read by
 * `taskwire_walk_changes` (migration 11) in seq order from one index (the `(workspace, seq)` key,
 * `task_changes_by_task` or `task_changes_by_principal`), stopping at the limit. With
 * `since` the walk starts at the first change at or after it, found in `task_changes_by_workspace_time` (change times
 * never go back in seq order, see appendChanges), not at seq 1; the time test itself stays, in a form no index serves.
 */
export async function listChanges(db: Kysely<unknown>, workspace: string, q: ChangeQuery): Promise<ChangeRecord[]> {
  const lit = pg.escapeLiteral;
  const where = [`workspace = ${lit(workspace)}`];
  if (q.after !== undefined) where.push(`seq > ${intLiteral(q.after)}`);
  if (q.before !== undefined) where.push(`seq < ${intLiteral(q.before)}`);
  if (q.task_id !== undefined) where.push(`task_id = ${intLiteral(q.task_id)}`);
  if (q.principal !== undefined) where.push(`principal = ${lit(q.principal)}`);
  if (q.since !== undefined) {
    const since = `${lit(q.since)}::timestamptz`;
    where.push(
      `seq >= coalesce((SELECT f.seq FROM task_changes f WHERE f.workspace = ${lit(workspace)} AND f.at >= ${since} ORDER BY f.at, f.seq LIMIT 1), 9223372036854775807)`,
      `(at + interval '0 s') >= ${since}`,
    );
  }
  const walk = `SELECT * FROM task_changes WHERE ${where.join(' AND ')} ORDER BY seq ${q.newest_first ? 'DESC' : 'ASC'} LIMIT ${countLiteral(q.limit)}`;
  const { rows } = await sql<ChangeRow>`
    SELECT ${CHANGE_COLUMNS} FROM taskwire_walk_changes(${walk}) WITH ORDINALITY AS page ORDER BY page.ordinality`.execute(db);
  return rows.map(toChange);
}

/** These seqs' records, ascending; missing ones are left out. */
export async function getChanges(db: Kysely<unknown>, workspace: string, seqs: readonly number[]): Promise<ChangeRecord[]> {
  if (seqs.length === 0) return [];
  const { rows } = await sql<ChangeRow>`
    SELECT ${CHANGE_COLUMNS} FROM task_changes WHERE workspace = ${workspace} AND seq = ANY(${[...seqs]}::bigint[]) ORDER BY seq`.execute(db);
  return rows.map(toChange);
}

/** The highest stored seq of the workspace, 0 when it has none (a backward index probe of `(workspace, seq)`). */
export async function lastChangeSeq(db: Kysely<unknown>, workspace: string): Promise<number> {
  const { rows } = await sql<{ n: number | null }>`SELECT max(seq) AS n FROM task_changes WHERE workspace = ${workspace}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Insert trash entries in one statement; an entry already there for the same task is replaced. */
export async function putTrash(db: Kysely<unknown>, workspace: string, entries: readonly TrashRecord[]): Promise<void> {
  if (entries.length === 0) return;
  await sql`
    INSERT INTO trash (workspace, task_id, root_id, seq, deleted_at, deleted_by, snapshot)
    SELECT ${workspace}, x.task_id, x.root_id, x.seq, x.deleted_at, x.deleted_by, x.snapshot
      FROM unnest(${entries.map((e) => e.task_id)}::integer[], ${entries.map((e) => e.root_id)}::integer[], ${entries.map((e) => e.seq)}::bigint[],
                  ${entries.map((e) => e.deleted_at)}::timestamptz[], ${entries.map((e) => e.deleted_by)}::text[],
                  ${entries.map((e) => JSON.stringify(e.snapshot))}::json[])
           AS x(task_id, root_id, seq, deleted_at, deleted_by, snapshot)
    ON CONFLICT (workspace, task_id) DO UPDATE
       SET root_id = excluded.root_id, seq = excluded.seq, deleted_at = excluded.deleted_at, deleted_by = excluded.deleted_by, snapshot = excluded.snapshot`.execute(db);
}

export async function removeTrash(db: Kysely<unknown>, workspace: string, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`DELETE FROM trash WHERE workspace = ${workspace} AND task_id = ANY(${[...ids]}::integer[])`.execute(db);
}

/** Trash entries of these tasks, by task id. */
export async function trashed(db: Kysely<unknown>, workspace: string, ids: readonly number[]): Promise<TrashRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<TrashRow>`
    SELECT ${TRASH_COLUMNS} FROM trash WHERE workspace = ${workspace} AND task_id = ANY(${[...ids]}::integer[]) ORDER BY task_id`.execute(db);
  return rows.map(toTrash);
}

/** The entries deleted with `rootId` (its own included), by task id. */
export async function trashGroup(db: Kysely<unknown>, workspace: string, rootId: number): Promise<TrashRecord[]> {
  const { rows } = await sql<TrashRow>`
    SELECT ${TRASH_COLUMNS} FROM trash WHERE workspace = ${workspace} AND root_id = ${rootId}::integer ORDER BY task_id`.execute(db);
  return rows.map(toTrash);
}

/** The newest `limit` entries, by the seq of their delete change, newest first. */
export async function listTrash(db: Kysely<unknown>, workspace: string, limit: number): Promise<TrashRecord[]> {
  const { rows } = await sql<TrashRow>`
    SELECT ${TRASH_COLUMNS} FROM trash WHERE workspace = ${workspace} ORDER BY seq DESC, task_id DESC LIMIT ${limit}`.execute(db);
  return rows.map(toTrash);
}

export async function getMark(db: Kysely<unknown>, workspace: string, principal: string, name: string): Promise<{ seq: number; at: string } | undefined> {
  const { rows } = await sql<{ seq: number; at: string }>`
    SELECT seq, at FROM change_marks WHERE workspace = ${workspace} AND principal = ${principal} AND name = ${name}`.execute(db);
  return rows[0];
}

/** Set a mark, replacing the principal's previous one of that name. */
export async function putMark(db: Kysely<unknown>, workspace: string, principal: string, name: string, mark: { seq: number; at: string }): Promise<void> {
  await sql`
    INSERT INTO change_marks (workspace, principal, name, seq, at) VALUES (${workspace}, ${principal}, ${name}, ${mark.seq}::bigint, ${mark.at}::timestamptz)
    ON CONFLICT (workspace, principal, name) DO UPDATE SET seq = excluded.seq, at = excluded.at`.execute(db);
}

/**
 * Retention across every workspace, in one transaction of its own: `taskwire.history_prune` lets the tables'
 * retention policies show and delete every workspace's rows (row-level security otherwise shows none here,
 * since no workspace is named). Both deletes are one statement, reading the `at` / `deleted_at` indexes.
 *
 * @returns how many change records and trash entries went.
 */
export async function pruneHistory(db: Kysely<unknown>, before: PruneBefore): Promise<{ changes: number; trash: number }> {
  if (before.changes === undefined && before.trash === undefined) return { changes: 0, trash: 0 };
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('taskwire.history_prune', 'on', true)`.execute(trx);
    const { rows } = await sql<{ changes: number; trash: number }>`
      WITH c AS (
        DELETE FROM task_changes WHERE ${before.changes === undefined ? sql`false` : sql`at < ${before.changes}::timestamptz`} RETURNING 1
      ), t AS (
        DELETE FROM trash WHERE ${before.trash === undefined ? sql`false` : sql`deleted_at < ${before.trash}::timestamptz`} RETURNING 1
      )
      SELECT (SELECT count(*) FROM c) AS changes, (SELECT count(*) FROM t) AS trash`.execute(trx);
    return rows[0] as { changes: number; trash: number };
  });
}

function toChange(r: ChangeRow): ChangeRecord {
  return {
    seq: r.seq,
    at: r.at,
    principal: r.principal,
    client: r.client,
    client_version: r.client_version,
    tool: r.tool,
    kind: r.kind,
    task_id: r.task_id,
    version: r.version,
    fields: r.fields,
  };
}

function toTrash(r: TrashRow): TrashRecord {
  return { task_id: r.task_id, root_id: r.root_id, seq: r.seq, deleted_at: r.deleted_at, deleted_by: r.deleted_by, snapshot: r.snapshot };
}
