import { randomBytes } from 'node:crypto';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { translate } from '../../src/store/postgres/errors.js';
import { DEFER, foldedPool } from '../../src/store/postgres/folded-pool.js';
import { FIRST_REPLAN_AT, MAX_LOST_PER_CONNECTION, MAX_PREPARED_PER_CONNECTION, statementName } from '../../src/store/postgres/prepared-statements.js';
import { StoreError } from '../../src/store/types.js';

/**
 * Prepared statements on the folded pool (prepared-statements.ts): a statement with parameters is prepared once per
 * connection, in the same message as its first run, and then run by name; what the server shows about its session
 * (a statement gone, a name taken, a plan older than the schema) never makes more than the one call fail. Messages are
 * read at the driver (`pg.Client.prototype.query`, wrapped once for the file). Same server and skip switch as
 * postgres.test.ts.
 */
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip = process.env.TASKWIRE_TEST_POSTGRES === 'skip';

/** Every message sent since the current test began. */
const sent: string[] = [];
const query = pg.Client.prototype.query;
beforeAll(() => {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    sent.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
});
beforeEach(() => {
  sent.length = 0;
});
const opened: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of opened) await close();
  pg.Client.prototype.query = query;
});

/** One connection (max 1) behind the folded pool, through Kysely as the store uses it, on a table t(a, b) of 20 rows. */
async function folded(prepare = true) {
  const schema = `tw_prep_${randomBytes(6).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: foldedPool(pool, prepare) }) });
  const raw = (text: string, parameters: unknown[] = []) => db.executeQuery(CompiledQuery.raw(text, parameters));
  await raw(`CREATE SCHEMA ${schema}`);
  await raw(`SET search_path TO ${schema}`);
  await raw('CREATE TABLE t (a int PRIMARY KEY, b text)');
  await raw("INSERT INTO t SELECT i, 'row ' || i FROM generate_series(1, 20) i");
  opened.push(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.destroy();
  });
  sent.length = 0;
  return {
    db,
    /** Straight to the connection, around the folded pool: what another client of the server session would do. */
    pool,
    raw,
    run: async (text: string, parameters: unknown[] = []) => (await raw(text, parameters)).rows,
    /** The server session's own list. */
    preparedNames: async () => (await pool.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name as string),
  };
}

const SELECT_B = 'SELECT b FROM t WHERE a = $1';
const prepareAndRun = (name: string, text: string, args: string) => `PREPARE ${name} AS ${text}\n;\nEXECUTE ${name}(${args})`;

describe.skipIf(skip)('PostgreSQL prepared statements (folded pool)', () => {
  it('prepares a statement in the message of its first run, then runs it by name with the same answers', async () => {
    const f = await folded();
    const name = statementName(SELECT_B);
    expect(await f.run(SELECT_B, [3])).toEqual([{ b: 'row 3' }]);
    expect(sent).toEqual([prepareAndRun(name, SELECT_B, "'3'")]);
    expect(await f.run(SELECT_B, [4])).toEqual([{ b: 'row 4' }]);
    expect(sent[1]).toBe(`EXECUTE ${name}('4')`);
    // behind held statements: still one message, and the held statements run first
    await f.db.connection().execute(async (connection) => {
      const run = (text: string, parameters: unknown[] = []) => connection.executeQuery(CompiledQuery.raw(text, parameters));
      await run(`${DEFER}BEGIN`);
      await run(`${DEFER}SELECT set_config('x.y', 'z', true)`);
      expect(await run(SELECT_B, ["5' OR '1' = '1"]).catch((e: Error) => e.message)).toMatch(/invalid input syntax for type integer/);
      expect(sent[2]).toBe(`BEGIN;\nSELECT set_config('x.y', 'z', true);\nEXECUTE ${name}('5'' OR ''1'' = ''1')`);
      await run('ROLLBACK');
    });
    // writes answer their row counts (Kysely reads them from the command tag); null goes as NULL
    expect(await f.run('UPDATE t SET b = $1 WHERE a > $2 RETURNING a', [null, 18])).toEqual([{ a: 19 }, { a: 20 }]);
    expect((await f.raw('UPDATE t SET b = b WHERE a <= $1', [5])).numAffectedRows).toBe(5n);
    expect((await f.raw('UPDATE t SET b = b WHERE a <= $1', [6])).numAffectedRows).toBe(6n);
    expect(await f.run('SELECT count(*)::int AS n FROM t WHERE b IS NULL AND a > $1', [0])).toEqual([{ n: 2 }]);
    expect(await f.preparedNames()).toContain(name);
  });

  it('gives the server the same values as bound parameters, and sends a value with a NUL character bound', async () => {
    const f = await folded();
    const off = await folded(false);
    const values: unknown[] = [
      "quote ' and '' and \\ backslash",
      'ünïcødé ✓ 🐘',
      '',
      null,
      42,
      -1.5,
      true,
      ['a,b', 'c"d', null, "e'f"],
      [1, 2],
      { k: "v'\\" },
      new Date('2026-12-02T03:04:05.678Z'),
      2n ** 62n,
    ];
    const text =
      'SELECT $1::text AS a, $2::text AS b, $3::text AS c, $4::text AS d, $5::integer AS e, $6::float8 AS f, $7::boolean AS g, $8::text[] AS h, $9::integer[] AS i, $10::jsonb AS j, $11::timestamptz AS k, $12::bigint AS l';
    const bound = await off.run(text, values);
    expect(await f.run(text, values)).toEqual(bound); // PREPARE and EXECUTE
    expect(await f.run(text, values)).toEqual(bound); // EXECUTE
    expect(sent.filter((m) => m.startsWith('EXECUTE'))).toHaveLength(1);
    sent.length = 0;
    await expect(f.run('SELECT $1::text AS x', ['nul \0 inside'])).rejects.toMatchObject({ code: '22021' });
    expect(sent).toEqual(['SELECT $1::text AS x']);
  });

  it(`prepares every statement again after the pool ran ${FIRST_REPLAN_AT} prepared, then after 4 times as many each time`, async () => {
    const f = await folded();
    const name = statementName(SELECT_B);
    for (let i = 1; i <= FIRST_REPLAN_AT * 4 + 1; i++) expect(await f.run(SELECT_B, [(i % 20) + 1])).toEqual([{ b: `row ${(i % 20) + 1}` }]);
    const replanned = sent.flatMap((text, i) => (text.startsWith(`DEALLOCATE ${name};\n${prepareAndRun(name, SELECT_B, '')}`.slice(0, -1)) ? [i + 1] : []));
    expect(replanned).toEqual([FIRST_REPLAN_AT, FIRST_REPLAN_AT * 4]);
    expect(sent.filter((text) => text.startsWith('PREPARE'))).toHaveLength(1);
    expect(await f.preparedNames()).toEqual([name]);
  });

  it('prepares a rarely used statement again on its next use once the pool has started a new generation of plans', async () => {
    const f = await folded();
    const rare = 'SELECT count(*)::int AS n FROM t WHERE a > $1';
    expect(await f.run(rare, [10])).toEqual([{ n: 10 }]);
    for (let i = 0; i < FIRST_REPLAN_AT; i++) await f.run(SELECT_B, [1]);
    sent.length = 0;
    expect(await f.run(rare, [15])).toEqual([{ n: 5 }]);
    expect(sent).toEqual([`DEALLOCATE ${statementName(rare)};\n${prepareAndRun(statementName(rare), rare, "'15'")}`]);
  });

  it('sends text without parameters, or with a binary parameter, as it is, and prepares nothing when off', async () => {
    const f = await folded();
    await f.run('SELECT count(*) FROM t');
    await f.run('SELECT $1::bytea AS x', [Buffer.from('ab')]);
    expect(sent).toEqual(['SELECT count(*) FROM t', 'SELECT $1::bytea AS x']);
    const off = await folded(false);
    expect(await off.run(SELECT_B, [2])).toEqual([{ b: 'row 2' }]);
    expect(sent.at(-1)).toBe(SELECT_B);
    expect(await off.preparedNames()).toEqual([]);
  });

  it('never prepares a name twice: after a failed first run the text takes the next version', async () => {
    const f = await folded();
    const text = 'SELECT 10 / $1::int AS q';
    await expect(f.run(text, [0])).rejects.toThrow(/division by zero/); // the PREPARE ran, the EXECUTE failed
    sent.length = 0;
    expect(await f.run(text, [5])).toEqual([{ q: 2 }]);
    expect(sent).toEqual([prepareAndRun(statementName(text, 1), text, "'5'")]); // not version 0 again (that would be 42P05)
    expect(await f.preparedNames()).toEqual([statementName(text, 0), statementName(text, 1)].sort());
    // a failed EXECUTE of a prepared statement leaves it prepared
    await expect(f.run(text, [0])).rejects.toThrow(/division by zero/);
    expect(await f.run(text, [2])).toEqual([{ q: 5 }]);
    expect(sent.slice(-2)).toEqual([`EXECUTE ${statementName(text, 1)}('0')`, `EXECUTE ${statementName(text, 1)}('2')`]);
  });

  it(`drops every statement of a connection that may have left over ${MAX_LOST_PER_CONNECTION} names behind`, async () => {
    const f = await folded();
    for (let k = 0; k <= MAX_LOST_PER_CONNECTION; k++) await expect(f.run(`SELECT ${k} / $1::int AS q`, [0])).rejects.toThrow(/division by zero/);
    expect((await f.preparedNames()).length).toBe(MAX_LOST_PER_CONNECTION + 1);
    sent.length = 0;
    expect(await f.run(SELECT_B, [1])).toEqual([{ b: 'row 1' }]);
    expect(sent).toEqual([`DEALLOCATE ALL;\n${prepareAndRun(statementName(SELECT_B), SELECT_B, "'1'")}`]);
    expect(await f.preparedNames()).toEqual([statementName(SELECT_B)]);
    expect(await f.run('SELECT 0 / $1::int AS q', [1])).toEqual([{ q: 0 }]);
    expect(sent.at(-1)).toMatch(/^PREPARE taskwire_\w+_0 AS/); // the old names are gone: versions start again
  });

  it('stops preparing when the session loses its statements, and the failed call is retryable', async () => {
    const f = await folded();
    await f.run(SELECT_B, [1]);
    await f.pool.query('DEALLOCATE ALL'); // what a pooler in transaction mode, or DISCARD ALL, does to the session
    const error = await f.run(SELECT_B, [1]).catch((e: unknown) => e);
    expect((error as pg.DatabaseError).code).toBe('26000');
    expect(translate(error)).toBeInstanceOf(StoreError);
    expect((translate(error) as StoreError).code).toBe('unavailable');
    sent.length = 0;
    expect(await f.run(SELECT_B, [1])).toEqual([{ b: 'row 1' }]);
    expect(await f.run('SELECT a FROM t WHERE b = $1', ['row 7'])).toEqual([{ a: 7 }]);
    expect(sent).toEqual([SELECT_B, 'SELECT a FROM t WHERE b = $1']);
  });

  it("stops preparing when the session holds another client's statement under a name it would prepare", async () => {
    const f = await folded();
    await f.pool.query(`PREPARE ${statementName(SELECT_B)} AS SELECT 1`); // another client on a shared server session
    const error = await f.run(SELECT_B, [1]).catch((e: unknown) => e);
    expect((error as pg.DatabaseError).code).toBe('42P05');
    expect((translate(error) as StoreError).code).toBe('unavailable');
    sent.length = 0;
    expect(await f.run(SELECT_B, [2])).toEqual([{ b: 'row 2' }]);
    expect(sent).toEqual([SELECT_B]);
  });

  it('prepares a statement again once its plan predates a schema change that altered its columns', async () => {
    const f = await folded();
    const text = 'SELECT * FROM t WHERE a = $1';
    const name = statementName(text);
    expect(await f.run(text, [1])).toEqual([{ a: 1, b: 'row 1' }]);
    await f.pool.query('ALTER TABLE t ADD COLUMN c int DEFAULT 7');
    const error = await f.run(text, [1]).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cached plan must not change result type/);
    expect((translate(error) as StoreError).code).toBe('unavailable');
    sent.length = 0;
    expect(await f.run(text, [1])).toEqual([{ a: 1, b: 'row 1', c: 7 }]);
    expect(sent).toEqual([`DEALLOCATE ${name};\n${prepareAndRun(name, text, "'1'")}`]);
    expect(await f.run(text, [2])).toEqual([{ a: 2, b: 'row 2', c: 7 }]);
    expect(sent.at(-1)).toBe(`EXECUTE ${name}('2')`);
  });

  it(`holds at most ${MAX_PREPARED_PER_CONNECTION} statements per connection, dropping the least recently used`, async () => {
    const f = await folded();
    const texts = Array.from({ length: MAX_PREPARED_PER_CONNECTION + 20 }, (_, i) => `SELECT $1::int + ${i} AS v`);
    for (const [i, text] of texts.entries()) {
      if (i === MAX_PREPARED_PER_CONNECTION) await f.run(texts[0] as string, [1]); // the first is used again: the second goes first
      expect(await f.run(text, [1])).toEqual([{ v: i + 1 }]);
    }
    const names = await f.preparedNames();
    expect(names.length).toBe(MAX_PREPARED_PER_CONNECTION);
    expect(names).toContain(statementName(texts[0] as string));
    expect(names).not.toContain(statementName(texts[1] as string));
    expect(sent.find((m) => m.startsWith(`DEALLOCATE ${statementName(texts[1] as string)};\nPREPARE`))).toBeDefined();
  });
});
