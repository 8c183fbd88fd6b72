import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import { StoreError, type TaskStore } from '../../src/store/types.js';
import { ToolError } from '../../src/toolkit/errors.js';
import { TaskService } from '../../src/toolsets/tasks/service.js';
import { storeContract } from './contract.js';
import { actor, newTask, now } from './fixtures.js';

/**
 * The store contract and engine-specific behaviour against a real PostgreSQL.
 * Each test works in a fresh schema, dropped afterwards. An unreachable server
 * fails this file; `TASKWIRE_TEST_POSTGRES=skip` skips it on purpose.
 */
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip = process.env.TASKWIRE_TEST_POSTGRES === 'skip';

if (!skip) {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  const reachable = await probe.connect().then(
    () => true,
    () => false,
  );
  await probe.end().catch(() => undefined);
  if (!reachable) {
    throw new Error(`PostgreSQL not reachable at ${url.replace(/:[^:@/]*@/, ':***@')}: start it (see .ci/run) or set TASKWIRE_TEST_POSTGRES=skip`);
  }
}

const admin = new pg.Pool({ connectionString: url, max: 2 });
const freshName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const task = newTask;

/** A store in a new schema; `cleanup` closes it and drops the schema. */
async function openFresh(over: Partial<PostgresStoreOptions> = {}): Promise<{ store: TaskStore; schema: string; cleanup: () => Promise<void> }> {
  const schema = over.schema ?? freshName('tw_test');
  const store = await openPostgresStore({ connectionString: url, schema, ...over });
  const cleanup = async () => {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  };
  return { store, schema, cleanup };
}

/**
 * An ordinary role (no superuser, no BYPASSRLS) that owns a fresh schema, and a
 * connection string that acts as it (`-c role=`), so row-level security applies.
 */
const appRole = freshName('tw_test_app');
let roleCreated: Promise<unknown> | undefined;
async function openAsAppRole(): Promise<{ store: TaskStore; schema: string; cleanup: () => Promise<void> }> {
  roleCreated ??= admin.query(`CREATE ROLE "${appRole}" NOLOGIN NOSUPERUSER NOBYPASSRLS`);
  await roleCreated;
  const schema = freshName('tw_test');
  await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${appRole}"`);
  const asRole = new URL(url);
  asRole.searchParams.set('options', `-c role=${appRole}`);
  return openFresh({ connectionString: asRole.toString(), schema });
}

afterAll(async () => {
  if (roleCreated) await admin.query(`DROP ROLE IF EXISTS "${appRole}"`);
  await admin.end();
});

describe.skipIf(skip)('PostgreSQL store', () => {
  storeContract('postgres', () => openFresh());
  storeContract('postgres as an ordinary role (row-level security enforced)', () => openAsAppRole());

  describe('PostgreSQL engine', () => {
    it('gives concurrent writers distinct consecutive ids and serializes read-modify-write per workspace', async () => {
      const { store, cleanup } = await openFresh({ poolSize: 5 });
      try {
        const created = await Promise.all(Array.from({ length: 20 }, (_, i) => store.write((w) => w.insertTask('a', task({ title: `t${i}` }), actor, now))));
        expect(created.map((t) => t.id).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

        // each writer reads the labels, then writes them back with one more: none may be lost
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.write(async (w) => {
              const current = (await w.getTask('a', 1)) as { labels: string[] };
              return w.updateTask('a', 1, { labels: [...current.labels, `l${i}`] }, actor, now);
            }),
          ),
        );
        const one = await store.read((r) => r.getTask('a', 1));
        expect(one?.labels).toHaveLength(10);
        expect(one?.version).toBe(11);

        // the same expected version from ten writers through the task service (which owns the rule): exactly one wins
        const service = new TaskService(store);
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => service.updateTask({ workspace: 'a', actor }, { id: 2, title: 'mine', expected_version: 1 })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        expect(losers.every((e) => e instanceof ToolError && e.code === 'version_conflict' && (e.current as { version?: number } | undefined)?.version === 2)).toBe(true);
      } finally {
        await cleanup();
      }
    });

    it('row-level security hides every row from a query that has not named its workspace', async () => {
      const { store, schema, cleanup } = await openAsAppRole();
      try {
        await store.write((w) => w.insertTask('a', task({ title: 'in a' }), actor, now));
        await store.write((w) => w.insertTask('b', task({ title: 'in b' }), actor, now));
        const client = await admin.connect();
        try {
          await client.query('BEGIN');
          await client.query(`SET LOCAL ROLE "${appRole}"`);
          await client.query(`SET LOCAL search_path TO "${schema}"`);
          expect((await client.query('SELECT title FROM tasks')).rows).toEqual([]);
          await client.query(`SELECT set_config('taskwire.workspace', 'a', true)`);
          expect((await client.query('SELECT title FROM tasks')).rows).toEqual([{ title: 'in a' }]);
          await expect(client.query(`UPDATE workspaces SET next_task_id = 1 WHERE name = 'b'`)).resolves.toMatchObject({ rowCount: 0 });
          await expect(client.query(`INSERT INTO task_labels (workspace, task_id, label) VALUES ('b', 1, 'sneaky')`)).rejects.toThrow(/row-level security/);
        } finally {
          await client.query('ROLLBACK');
          client.release();
        }
      } finally {
        await cleanup();
      }
    });

    it('reports a server that is down, or a connection it drops, as unavailable', async () => {
      const started = Date.now();
      const err = await openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 }).catch((e) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err.code).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(3000);

      const appName = freshName('tw_test_conn');
      const withName = new URL(url);
      withName.searchParams.set('application_name', appName);
      const { store, cleanup } = await openFresh({ connectionString: withName.toString() });
      try {
        const dropped = await store
          .write(async (w) => {
            await w.insertTask('a', task(), actor, now);
            await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
            return w.getTask('a', 1);
          })
          .catch((e) => e);
        expect(dropped).toBeInstanceOf(StoreError);
        expect(dropped.code).toBe('unavailable');
        // nothing was committed, and the pool replaces the lost connection
        await store.ping();
        expect(await store.read((r) => r.getTask('a', 1))).toBeUndefined();
      } finally {
        await cleanup();
      }
      await store.close();
      await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    });

    it('refuses a schema migrated by a newer Taskwire with a clear error', async () => {
      const { store, schema, cleanup } = await openFresh();
      await store.close();
      try {
        await admin.query(`INSERT INTO "${schema}".taskwire_migrations (version) VALUES (999)`);
        const err = await openPostgresStore({ connectionString: url, schema }).catch((e) => e);
        expect(err).toBeInstanceOf(StoreError);
        expect(err.message).toMatch(/newer than this Taskwire/);
      } finally {
        await cleanup();
      }
    });
  });
});
