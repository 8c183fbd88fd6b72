import type * as Database from './driver.js';
import type { SqlRunner } from './list.js';
import type { Row } from './rows.js';

/** One connection's prepared statements, cached by their SQL text: each statement is prepared once per connection. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();

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
    return this.stmt(sql).all(...params) as Row[];
  }

  /** The first row `sql` returns, if any. */
  get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  /** Run a write; its changes count and last rowid. */
  run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  /** These statements as a {@link SqlRunner}, for the query modules (list.ts, stats.ts, facets.ts, search-index.ts). */
  readonly runner: SqlRunner = { all: (sql, ...p) => this.all(sql, ...p), get: (sql, ...p) => this.get(sql, ...p) };
}
