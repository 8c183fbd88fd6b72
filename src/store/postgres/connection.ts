import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { foldedPool } from './folded-pool.js';
import type { Database } from './schema.js';

/** Options for `openPostgresStore` (index.ts). */
export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:port/database`; libpq query parameters the
   * `pg` driver understands (`sslmode`, `application_name`, ...) are honoured.
   */
  connectionString: string;
  /**
   * Schema that holds Taskwire's tables (default: the server's `search_path`,
   * usually `public`). Created when missing; every pooled connection gets
   * `search_path` set to it alone.
   */
  schema?: string;
  /** Most connections the pool opens (default 10). Callers beyond that wait, up to `connectTimeoutMs`. */
  poolSize?: number;
  /** Server-side `statement_timeout` in ms (default 30,000; 0 keeps the server's own, normally none). A statement cut off by it fails as `unavailable`. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection, new or pooled, in ms (default 5,000). */
  connectTimeoutMs?: number;
  /**
   * Run statements with parameters as prepared statements, planned once per connection (default false; see
   * prepared-statements.ts). Off for a pooler that shares server sessions between clients.
   */
  preparedStatements?: boolean;
}

/** Parsers for types whose `pg` default does not fit the port: counts as numbers, dates as strings, times as ISO-8601 UTC. */
const TYPE_PARSERS = new Map<number, (value: string) => unknown>([
  [pg.types.builtins.INT8, Number],
  [pg.types.builtins.DATE, (value) => value],
  [pg.types.builtins.TIMESTAMPTZ, (value) => (pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ)(value) as Date).toISOString()],
]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' ? (TYPE_PARSERS.get(oid) ?? pg.types.getTypeParser(oid)) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The store's database handle: a `pg` pool (size, timeouts and `statement_timeout` from `options`, {@link TYPE_PARSERS}
 * for its types) behind {@link foldedPool}, queried through Kysely. With `options.schema` every new connection first
 * sets `search_path` to that schema alone. Connects lazily: nothing is sent until the first query.
 */
export function openDatabase(options: PostgresStoreOptions): Kysely<Database> {
  const { schema } = options;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    fallback_application_name: 'taskwire',
    types,
  });
  // A connection the server drops emits 'error' (on the pool when idle, on the
  // client when checked out); unhandled, that would end the process. The next
  // statement on such a connection fails, and that failure is what we report.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: foldedPool(pool, options.preparedStatements ?? false),
      onCreateConnection:
        schema === undefined ? undefined : async (connection) => void (await connection.executeQuery(CompiledQuery.raw(`SET search_path TO ${quoteIdent(schema)}`))),
    }),
  });
}

/** The connection string without its password, for messages. */
export function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(connection string)';
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
