import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The SQLite driver: the one place that loads better-sqlite3. Every connection is opened through
 * {@link openDatabase}, and every other module imports the driver's types from here (`import type * as Database`).
 *
 * Two major versions are installed, and the runtime picks one:
 * - **better-sqlite3 13** (package `better-sqlite3`), on a Node with Node-API 10 (Node 22.14+, 24, 26). Built on
 *   node-addon-api, so one binary serves every such Node; the npm package carries prebuilt binaries for Linux
 *   (glibc, musl), macOS and Windows on x64 and arm64, and installs without a compiler or a download.
 * - **better-sqlite3 12** (package `better-sqlite3-v12`, an npm alias; an optional dependency), on Node 20 and
 *   Node 22.0–22.13, which lack Node-API 10: 13 built for Node-API 10 crashes there (segfault in `new Database`,
 *   WiseLibs/better-sqlite3#1514). 12 is compiled per Node ABI by its install script (a prebuilt download from
 *   GitHub, else node-gyp). It must not serve Node 24.19+: its raw `node::ObjectWrap` aborts the process when the
 *   GC finalizes a statement there (nodejs/node#65446); 13 has no `ObjectWrap`.
 *
 * The API Taskwire uses is the same in both (13 changed the addon, not the JavaScript surface), so the types are
 * 13's (`@types/better-sqlite3`).
 *
 * When the preferred version cannot load (12 missing because its build failed or its install script was skipped;
 * 13 on a platform it has no binary for), the other one is tried (without Node-API 10, `better-sqlite3` only if it
 * is a 12, as in a node_modules installed before the alias); when neither loads, {@link openDatabase} throws one
 * error naming both failures and what to do.
 */

/** An open connection. */
export type Database = BetterSqlite3.Database;
/** A prepared statement: `BindParameters` are its parameters, `Result` a row it returns. */
// biome-ignore lint/complexity/noBannedTypes: better-sqlite3's own constraint on named parameters
export type Statement<BindParameters extends unknown[] | {} = unknown[], Result = unknown> = BetterSqlite3.Statement<BindParameters, Result>;
/** What `Statement.run` returns: rows changed and the last inserted rowid. */
export type RunResult = BetterSqlite3.RunResult;
/** The options of `new Database(path, options)`. */
export type Options = BetterSqlite3.Options;
/** The error SQLite reports, with its extended result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_FOREIGNKEY`, ...). */
export type SqliteError = InstanceType<BetterSqlite3.SqliteError>;

/** The driver this process loaded. */
export interface SqliteDriver {
  /** The package it came from: `better-sqlite3` (13) or `better-sqlite3-v12`. */
  name: 'better-sqlite3' | 'better-sqlite3-v12';
  /** Its version, e.g. `13.2.0`. */
  version: string;
  /** The `Database` class (for code that patches its prototype, as the benchmarks do). */
  Database: typeof BetterSqlite3;
}

/** Node-API 10 arrived in Node 22.14.0 and 23.6.0; Node 20 has 9. */
export const NODE_API_10 = Number(process.versions.napi ?? 0) >= 10;

const require = createRequire(import.meta.url);
let loaded: SqliteDriver | undefined;

/** Neither better-sqlite3 13 nor 12 loads on this runtime; the message says why for each, and what to do. */
export class NoSqliteDriver extends Error {
  override readonly name = 'NoSqliteDriver';
}

/**
 * The driver for this runtime, loaded on first use and kept.
 * @throws NoSqliteDriver when neither better-sqlite3 13 nor 12 loads here (the message says why, for each, and what to do).
 */
export function sqliteDriver(): SqliteDriver {
  if (loaded) return loaded;
  // Without Node-API 10, `better-sqlite3` is tried too, but only when it is a 12 (a node_modules installed before
  // the alias existed): 13 there does not fail to load, it crashes the process later.
  const order = NODE_API_10 ? (['better-sqlite3', 'better-sqlite3-v12'] as const) : (['better-sqlite3-v12', 'better-sqlite3'] as const);
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (!NODE_API_10 && name === 'better-sqlite3') {
        const { version } = require(`${name}/package.json`) as { version: string };
        if (Number(version.split('.')[0]) >= 13) throw new Error(`${version} needs Node-API 10`);
      }
      const Database = require(name) as typeof BetterSqlite3;
      // Both load their native addon in the first constructor call: open one here, so a missing binary or one
      // built for another Node ABI fails now, with the other version still to try.
      new Database(':memory:').close();
      const { version } = require(`${name}/package.json`) as { version: string };
      loaded = { name, version, Database };
      return loaded;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const advice = NODE_API_10
    ? 'reinstall Taskwire (npm install) on this machine'
    : `Node ${process.version} (Node-API ${process.versions.napi}) needs better-sqlite3 12, an optional dependency compiled on install: ` +
      'reinstall with a C++ toolchain (Python 3, make, a compiler) or with GitHub reachable, and with install scripts allowed; ' +
      'or run Taskwire on Node 22.14 or later, which needs neither';
  throw new NoSqliteDriver(`no SQLite driver loads on Node ${process.version}: ${advice} (${failures.join('; ')})`);
}

/** Open a connection with the driver for this runtime (`new Database(path, options)`). */
export function openDatabase(path: string, options?: Options): Database {
  const { Database } = sqliteDriver();
  return new Database(path, options);
}

/** Whether `error` is the loaded driver's `SqliteError` (false while no driver is loaded: none can have been thrown). */
export function isSqliteError(error: unknown): error is SqliteError {
  return loaded !== undefined && error instanceof loaded.Database.SqliteError;
}
