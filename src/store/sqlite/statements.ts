import type * as Database from './driver.js';
import type { SqlRunner } from './list.js';
import type { Row } from './rows.js';

/**
 * One connection's prepared statements, cached by their SQL text: each statement is prepared once per connection.
 *
 * Contract for the SQL handed in: a `LIMIT`, `OFFSET` or `LIKE` operand is bound as `+?`, never a bare `?`. SQLite
 * lets the planner peek at a bare parameter there, so binding it again expires the statement and every execution
 * re-prepares it (measured with SQLite 3.53: 8.4 µs against 0.56 µs for an empty comment page, 20 µs against 11 µs
 * for a completion), whatever the plan. `+?` is the same value to the query, opaque to the planner.
 * test/store/sqlite-statements.test.ts fences it.
 */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  private readonly readers = new Map<string, RowReader>();

  constructor(private readonly db: Database.Database) {}

  /** The prepared statement of `sql`, prepared on first use. */
  stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** Every row `sql` returns. */
  all(sql: string, ...params: unknown[]): Row[] {
    const reader = this.reader(sql);
    const rows = reader.stmt.all(...params) as unknown[][];
    const out = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = reader.row(rows[i] as unknown[]);
    return out;
  }

  /** The first row `sql` returns, if any. */
  get(sql: string, ...params: unknown[]): Row | undefined {
    const reader = this.reader(sql);
    const values = reader.stmt.get(...params) as unknown[] | undefined;
    return values === undefined ? undefined : reader.row(values);
  }

  /** Run a write; its changes count and last rowid. */
  run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  /** These statements as a {@link SqlRunner}, for the query modules (list.ts, stats.ts, facets.ts, search-index.ts). */
  readonly runner: SqlRunner = { all: (sql, ...p) => this.all(sql, ...p), get: (sql, ...p) => this.get(sql, ...p) };

  /**
   * `sql` prepared in raw mode (rows as arrays), with its column names: {@link all} and {@link get} build each row
   * object in JavaScript, ~3 µs less per 27-column task row than better-sqlite3 setting each property from C++
   * (SQLite 3.53, better-sqlite3 12, Node 20). Same objects: column name → value, the last of a repeated name wins.
   */
  private reader(sql: string): RowReader {
    let r = this.readers.get(sql);
    if (!r) {
      const stmt = this.db.prepare(sql).raw(true);
      const names = stmt.columns().map((c) => c.name);
      r = { stmt, row: (values) => rowOf(names, values) };
      this.readers.set(sql, r);
    }
    return r;
  }
}

interface RowReader {
  stmt: Database.Statement;
  row: (values: unknown[]) => Row;
}

function rowOf(names: readonly string[], values: readonly unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
  return row;
}
