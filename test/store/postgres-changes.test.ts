import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import type { ChangeRecord, NewChange, TaskStore } from '../../src/store/types.js';
import { actor, newTask, now } from './fixtures.js';
import { UNDO_MIGRATION_11 } from './postgres-schema.js';

/**
 * PostgreSQL-only behaviour of the change history (issue 11): seqs under concurrent writers, a feed reading
 * behind them, and row-level security on the new tables. Same server and skip switch as postgres.test.ts.
 */
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip = process.env.TASKWIRE_TEST_POSTGRES === 'skip';
const admin = new pg.Pool({ connectionString: url, max: 2 });
const freshName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const appRole = freshName('tw_test_app');
let roleCreated: Promise<unknown> | undefined;

/** A store in a new schema (owned by an ordinary role when `asAppRole`, so row-level security applies). */
async function openFresh(options: { asAppRole?: boolean } & Partial<PostgresStoreOptions> = {}) {
  const schema = freshName('tw_test');
  let connectionString = url;
  if (options.asAppRole) {
    roleCreated ??= admin.query(`CREATE ROLE "${appRole}" NOLOGIN NOSUPERUSER NOBYPASSRLS`);
    await roleCreated;
    await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${appRole}"`);
    const asRole = new URL(url);
    asRole.searchParams.set('options', `-c role=${appRole}`);
    connectionString = asRole.toString();
  }
  const store = await openPostgresStore({ connectionString, schema, poolSize: options.poolSize });
  const cleanup = async () => {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  };
  return { store, schema, cleanup };
}

afterAll(async () => {
  if (roleCreated) await admin.query(`DROP ROLE IF EXISTS "${appRole}"`);
  await admin.end();
});

const change = (task_id: number, writer: number): NewChange => ({ task_id, kind: 'update', tool: 'update_task', version: 2, fields: { writer: [null, writer] } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Follow the feed of `workspace` from seq 0 with `after` cursors, as a subscriber would, until `done()` and one
 * more empty poll. Returns every record seen and every cursor step that was not exactly the next seq.
 */
async function follow(store: TaskStore, workspace: string, done: () => boolean): Promise<{ seen: ChangeRecord[]; breaks: string[] }> {
  const seen: ChangeRecord[] = [];
  const breaks: string[] = [];
  let cursor = 0;
  for (;;) {
    const finished = done(); // read before polling: a poll after the last commit must come back empty
    const page = await store.read((r) => r.listChanges(workspace, { after: cursor, limit: 7 }));
    for (const c of page) {
      if (c.seq !== cursor + 1) breaks.push(`after ${cursor} came ${c.seq}`);
      cursor = c.seq;
      seen.push(c);
    }
    if (finished && page.length === 0) return { seen, breaks };
    await tick();
  }
}

describe.skipIf(skip)('PostgreSQL change history', () => {
  it('gives concurrent writers gap-free, unique seqs per workspace, each transaction a contiguous run, and a polling feed sees each once', async () => {
    const { store, cleanup } = await openFresh({ poolSize: 10 });
    try {
      await store.write(async (w) => {
        await w.insertTask('a', newTask(), actor, now);
        await w.insertTask('b', newTask(), actor, now);
      });
      const writers = 24;
      const perWriter = 5; // two appendChanges calls per transaction, a task insert between them
      const bWriters = 8;
      let finished = false;
      const feed = follow(store, 'a', () => finished);
      const bFeed = follow(store, 'b', () => finished);
      const writes = [
        ...Array.from({ length: writers }, (_, i) =>
          store.write(async (w) => {
            await w.appendChanges('a', actor, now, [change(1, i), change(1, i)]);
            await w.insertTask('a', newTask({ title: `by ${i}` }), actor, now);
            await tick();
            await w.appendChanges('a', actor, now, [change(1, i), change(1, i), change(1, i)]);
          }),
        ),
        // writers that append and then fail: their seqs must not show up, nor leave a gap
        ...Array.from({ length: 6 }, (_, i) =>
          store
            .write(async (w) => {
              await w.appendChanges('a', actor, now, [change(1, -1 - i)]);
              throw new Error('rolled back');
            })
            .catch((e: Error) => e.message),
        ),
        ...Array.from({ length: bWriters }, (_, i) => store.write((w) => w.appendChanges('b', actor, now, [change(1, i), change(1, i)]))),
      ];
      const outcomes = await Promise.all(writes);
      finished = true;
      expect(outcomes.filter((o) => o === 'rolled back')).toHaveLength(6);
      const { seen, breaks } = await feed;
      const b = await bFeed;

      expect(breaks).toEqual([]);
      expect(seen.map((c) => c.seq)).toEqual(Array.from({ length: writers * perWriter }, (_, i) => i + 1));
      expect(seen.every((c) => (c.fields.writer?.[1] as number) >= 0)).toBe(true);
      // The workspace lock spans the transaction: one writer's five seqs are one run.
      const byWriter = new Map<number, number[]>();
      for (const c of seen) byWriter.set(c.fields.writer?.[1] as number, [...(byWriter.get(c.fields.writer?.[1] as number) ?? []), c.seq]);
      expect(byWriter.size).toBe(writers);
      for (const run of byWriter.values()) expect(run).toEqual(Array.from({ length: perWriter }, (_, i) => (run[0] as number) + i));

      expect(b.breaks).toEqual([]);
      expect(b.seen.map((c) => c.seq)).toEqual(Array.from({ length: bWriters * 2 }, (_, i) => i + 1));
      expect(await store.read((r) => r.lastChangeSeq('a'))).toBe(writers * perWriter);
      expect(await store.read((r) => r.lastChangeSeq('b'))).toBe(bWriters * 2);
    } finally {
      await cleanup();
    }
  });

  it('appends a large batch in one call with consecutive seqs, and tags rows with the store origin', async () => {
    const { store, schema, cleanup } = await openFresh();
    try {
      const batch = Array.from({ length: 500 }, (_, i) => change(i + 1, i));
      const rows = await store.write((w) => w.appendChanges('a', { ...actor, client_version: '0.9' }, now, batch));
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      expect(rows[499]).toEqual({ ...batch[499], seq: 500, at: now, principal: 'ana', client: 'vitest', client_version: '0.9' });
      expect(await store.read((r) => r.listChanges('a', { limit: 1000 }))).toEqual(rows);
      const { rows: origins } = await admin.query(`SELECT DISTINCT origin FROM "${schema}".task_changes`);
      expect(origins).toEqual([{ origin: store.origin }]);
      expect(store.origin).toMatch(/^[0-9a-f-]{36}$/);
      const other = await openPostgresStore({ connectionString: url, schema });
      expect(other.origin).not.toBe(store.origin);
      await other.close();
    } finally {
      await cleanup();
    }
  });

  it('keeps change times from going back in seq order across replicas with skewed clocks, so since reads exactly the changes from the first at or after it', async () => {
    const { store, schema, cleanup } = await openFresh();
    const replica = await openPostgresStore({ connectionString: url, schema });
    try {
      const t = (s: number) => new Date(Date.parse(now) + s * 1000).toISOString();
      const [ahead] = await store.write((w) => w.appendChanges('a', actor, t(10), [change(1, 1)])); // seq 1, clock ahead
      const late = await replica.write((w) => w.appendChanges('a', actor, t(0), [change(1, 2), change(1, 3)])); // seqs 2, 3, clock behind
      const [next] = await replica.write((w) => w.appendChanges('a', actor, t(20), [change(1, 4)])); // seq 4
      await store.write((w) => w.appendChanges('b', actor, t(-100), [change(1, 5)])); // another workspace keeps its own times
      expect(ahead?.at).toBe(t(10));
      expect(late.map((c) => c.at)).toEqual([t(10), t(10)]); // stored at the later time, and returned as stored
      expect(next?.at).toBe(t(20));
      const since = async (at: string, q: { task_id?: number; principal?: string; newest_first?: boolean } = {}) =>
        (await store.read((r) => r.listChanges('a', { since: at, limit: 10, ...q }))).map((c) => c.seq);
      expect(await since(t(5))).toEqual([1, 2, 3, 4]);
      expect(await since(t(10))).toEqual([1, 2, 3, 4]);
      expect(await since(t(11))).toEqual([4]);
      expect(await since(t(21))).toEqual([]);
      expect(await since(t(5), { task_id: 1, newest_first: true })).toEqual([4, 3, 2, 1]);
      expect(await since(t(11), { principal: 'ana' })).toEqual([4]);
      expect((await store.read((r) => r.listChanges('b', { since: t(-100), limit: 10 }))).map((c) => c.at)).toEqual([t(-100)]);
      expect(await store.read((r) => r.getChanges('a', [2]))).toEqual([late[0]]);
    } finally {
      await replica.close();
      await cleanup();
    }
  });

  it('migration 11 raises existing change times that went back in seq order and records each workspace latest', async () => {
    const { store, schema, cleanup } = await openFresh();
    try {
      const t = (s: number) => new Date(Date.parse(now) + s * 1000).toISOString();
      await store.write((w) => w.appendChanges('a', actor, t(0), [change(1, 1), change(1, 2), change(1, 3)]));
      await store.write((w) => w.appendChanges('b', actor, t(0), [change(1, 4)]));
      await store.close();
      // history written before migration 11, by replicas whose clocks disagreed: seq 2 stamped before seq 1
      const q = (text: string) => admin.query(text.replaceAll('$s', `"${schema}"`));
      await q(`BEGIN; SET LOCAL search_path TO $s; ${UNDO_MIGRATION_11} COMMIT;`);
      await q(`UPDATE $s.task_changes SET at = CASE seq WHEN 1 THEN '${t(30)}'::timestamptz WHEN 2 THEN '${t(10)}'::timestamptz ELSE '${t(40)}'::timestamptz END
                WHERE workspace = 'a'`);
      const reopened = await openPostgresStore({ connectionString: url, schema });
      try {
        expect((await reopened.read((r) => r.listChanges('a', { limit: 10 }))).map((c) => c.at)).toEqual([t(30), t(30), t(40)]);
        expect((await q(`SELECT name, last_change_at FROM $s.workspaces ORDER BY name`)).rows.map((r) => r.last_change_at.toISOString())).toEqual([t(40), t(0)]);
        const [fourth] = await reopened.write((w) => w.appendChanges('a', actor, t(35), [change(1, 5)]));
        expect(fourth?.at).toBe(t(40));
      } finally {
        await reopened.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('row-level security scopes task_changes, trash and change_marks to the named workspace; only the prune setting reaches across', async () => {
    const { store, schema, cleanup } = await openFresh({ asAppRole: true });
    try {
      const snapshot = { task: await store.write((w) => w.insertTask('a', newTask(), actor, now)), comments: [], dependents: [] };
      await store.write(async (w) => {
        for (const ws of ['a', 'b']) {
          await w.appendChanges(ws, actor, now, [change(1, 0)]);
          await w.putTrash(ws, [{ task_id: 1, root_id: 1, seq: 1, deleted_at: now, deleted_by: 'ana', snapshot }]);
          await w.putMark(ws, 'ana', 'standup', { seq: 1, at: now });
        }
      });
      const client = await admin.connect();
      const count = async (table: string) => Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL ROLE "${appRole}"`);
        await client.query(`SET LOCAL search_path TO "${schema}"`);
        expect([await count('task_changes'), await count('trash'), await count('change_marks')]).toEqual([0, 0, 0]);
        await client.query(`SELECT set_config('taskwire.workspace', 'a', true)`);
        expect([await count('task_changes'), await count('trash'), await count('change_marks')]).toEqual([1, 1, 1]);
        expect((await client.query('SELECT DISTINCT workspace FROM task_changes')).rows).toEqual([{ workspace: 'a' }]);
        await client.query('SAVEPOINT s');
        await expect(client.query(`INSERT INTO change_marks (workspace, principal, name, seq, at) VALUES ('b', 'x', 'y', 1, now())`)).rejects.toThrow(
          /row-level security/,
        );
        await client.query('ROLLBACK TO SAVEPOINT s');
        await client.query(`SELECT set_config('taskwire.workspace', '', true), set_config('taskwire.history_prune', 'on', true)`);
        expect([await count('task_changes'), await count('trash'), await count('change_marks')]).toEqual([2, 2, 0]);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    } finally {
      await cleanup();
    }
  });
});
