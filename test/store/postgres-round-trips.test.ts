import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineParameters } from '../../src/store/postgres/folded-pool.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { TaskService } from '../../src/toolsets/tasks/service.js';

/**
 * PostgreSQL round trips (issue 12): a transaction's BEGIN, workspace setting and lock ride in its first statement's
 * round trip (folded-pool.ts, parameters inlined as literals), so get_task takes three (the lease check, the one-statement
 * task detail, COMMIT) and create_tasks one per task plus four. Round trips are counted at the driver
 * (`pg.Client.prototype.query`, which every statement goes through). Same server and skip switch as postgres.test.ts.
 */
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip = process.env.TASKWIRE_TEST_POSTGRES === 'skip';
const admin = new pg.Pool({ connectionString: url, max: 2 });

afterAll(async () => {
  await admin.end();
});

describe('inlineParameters', () => {
  it('replaces placeholders outside quotes and comments, and refuses text it cannot inline safely', () => {
    expect(inlineParameters(`SELECT $1, '$1', "a$1", x$1, E'\\'$1', $2 -- $1\n/* $2 */ $10`, ["it's", null, 3, 4, 5, 6, 7, 8, 9, 10])).toBe(
      `SELECT 'it''s', '$1', "a$1", x$1, E'\\'$1', NULL -- $1\n/* $2 */ '10'`,
    );
    expect(inlineParameters('SELECT $1', [[1, 2]])).toBe(`SELECT '{"1","2"}'`);
    expect(inlineParameters('SELECT $1', ['back\\slash'])).toBe(`SELECT  E'back\\\\slash'`);
    for (const unsafe of ['SELECT $fn$ x $fn$ || $1', "SELECT 'open $1", 'SELECT $2', 'SELECT /* /* */ */ $1']) {
      expect(inlineParameters(unsafe, ['v'])).toBeUndefined();
    }
    expect(inlineParameters('SELECT $1', [Buffer.from('x')])).toBeUndefined();
  });

  it.skipIf(skip)('gives the server the same values as parameters would, whatever the characters', async () => {
    const values: unknown[] = ["quote ' and '' and \\ backslash", 'ünïcødé ✓ 🐘', '', null, 42, -1.5, true, ['a,b', 'c"d', null, "e'f"], [1, 2], { k: "v'\\" }];
    const text =
      'SELECT $1::text AS a, $2::text AS b, $3::text AS c, $4::text AS d, $5::integer AS e, $6::float8 AS f, $7::boolean AS g, $8::text[] AS h, $9::integer[] AS i, $10::json AS j';
    const viaParameters = (await admin.query(text, values)).rows[0];
    const inlined = inlineParameters(text, values);
    expect(inlined).toBeDefined();
    expect((await admin.query(inlined as string)).rows[0]).toEqual(viaParameters);
  });
});

describe.skipIf(skip)('PostgreSQL round trips per call', () => {
  it('get_task takes at most three round trips for a task with comments, subtasks, dependencies and dependents; create_tasks one per task plus four', async () => {
    const schema = `tw_test_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ connectionString: url, schema });
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    const counting = { on: false };
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (counting.on) sent.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    const count = async <T>(fn: () => Promise<T>): Promise<{ result: T; trips: number }> => {
      sent.length = 0;
      counting.on = true;
      try {
        return { result: await fn(), trips: sent.length };
      } finally {
        counting.on = false;
      }
    };
    try {
      const service = new TaskService(store);
      const caller = { workspace: 'w', actor: { principal: 'ana', client: 'vitest' } };
      const [dep] = (await service.createTasks(caller, [{ title: 'dependency' }])).created;
      const created = await count(() =>
        service.createTasks(
          caller,
          Array.from({ length: 10 }, (_, i) => ({ title: `task ${i}`, labels: ['x'] })),
        ),
      );
      expect(created.trips).toBeLessThanOrEqual(10 + 4);
      const [hot] = (await service.createTasks(caller, [{ title: 'hot', depends_on: [dep?.id ?? 0] }])).created;
      const hotId = hot?.id ?? 0;
      await service.createTasks(caller, [
        { title: 'kid', parent_id: hotId },
        { title: 'fan', depends_on: [hotId] },
      ]);
      for (const body of ['one', 'two']) await service.addComment(caller, hotId, body);

      const { result, trips } = await count(() => service.getTask(caller, hotId));
      expect(result.task.id).toBe(hotId);
      expect(result.comments.map((c) => c.body)).toEqual(['one', 'two']);
      expect(result.subtasks.map((t) => t.title)).toEqual(['kid']);
      expect(result.dependencies.map((t) => t.title)).toEqual(['dependency']);
      expect(result.dependents.map((t) => t.title)).toEqual(['fan']);
      expect(trips, sent.join('\n---\n')).toBeLessThanOrEqual(3);
      expect(sent[0]).toMatch(/^BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;/); // folded into the first statement
    } finally {
      pg.Client.prototype.query = query;
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});
