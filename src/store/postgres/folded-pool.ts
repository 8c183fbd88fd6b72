import { createRequire } from 'node:module';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { PreparedStatements, preparingSwitch } from './prepared-statements.js';

/** The driver's own conversion of a parameter to the text it sends (arrays to array literals, dates, JSON, …). */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (value: unknown) => string | Buffer | null };

/**
 * Statements deferred on a pooled connection: a query whose text starts with this marker is not sent; its text
 * (after the marker) is held and sent in front of the connection's next query, in the same round trip. The store
 * uses it for a transaction's `BEGIN`, its `set_config('taskwire.workspace', …)` and its advisory lock, which then
 * ride along with the transaction's first statement instead of costing a round trip of their own (see
 * {@link foldedPool}). A deferred query answers no rows.
 */
export const DEFER = '/*taskwire:defer*/';

/**
 * A `pg` pool for Kysely's PostgresDialect whose clients honour {@link DEFER}. When statements are held, the next
 * query goes out as one simple-protocol message: the held statements, then the query with its parameters inlined as
 * quoted literals (`pg.escapeLiteral` of the value the driver would send, so each is an untyped literal the server
 * resolves exactly as it resolves an untyped parameter; `NULL` for null). That message runs its statements in order
 * and stops at the first error, which is the error the query reports; the answer is the query's own result. A query
 * whose text cannot be inlined safely (a dollar-quoted string, a binary parameter) is sent as before, after the held
 * statements in a round trip of their own. A client released with statements still held drops them.
 *
 * A statement with parameters runs as a SQL-level prepared statement ({@link PreparedStatements}): `EXECUTE name(…)`
 * with the same literals, behind the held statements when there are any, and on its first use on a connection
 * `PREPARE name AS …` goes in the same message (and, as its plans age, `DEALLOCATE name` and `PREPARE` again). So a
 * call costs no more round trips than before, and its statements are parsed once per connection and, once PostgreSQL
 * settles on a generic plan, not planned on every call. Once the server shows it does not keep a session's prepared
 * statements (a pooler in transaction mode), the pool stops preparing.
 *
 * One wrapper per `pg` client, so Kysely's per-client connection (and its `onCreateConnection`) is kept.
 *
 * @param prepare run statements as prepared statements (default false, as the store's option; false sends every statement as text, as a
 *   pooler that shares server sessions between clients needs).
 */
export function foldedPool(pool: pg.Pool, prepare = false): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const preparing = preparingSwitch(prepare);
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = foldedClient(client, new PreparedStatements(preparing));
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

type Result = PostgresQueryResult<unknown>;

function foldedClient(client: pg.PoolClient, statements: PreparedStatements): PostgresPoolClient {
  let held: string[] = [];
  /** Sends `text` as one simple-protocol message and answers its last statement's result. */
  const simple = async (text: string): Promise<Result> => {
    const results = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
    return (Array.isArray(results) ? results.at(-1) : results) as unknown as Result;
  };
  const query = async (text: string, parameters: ReadonlyArray<unknown>): Promise<Result> => {
    if (text.startsWith(DEFER)) {
      held.push(text.slice(DEFER.length));
      return { command: 'SELECT', rowCount: 0, rows: [] };
    }
    const prefix = held;
    held = [];
    const use = statements.use(text, parameters.length);
    const literals = use ? literalsOf(parameters) : undefined;
    if (use && literals) {
      // The text's line ends before the `;` that follows it: a trailing `--` comment must not swallow the EXECUTE.
      const parts = [...prefix, ...use.drop, ...(use.prepare ? [`PREPARE ${use.name} AS ${text}\n`] : []), `EXECUTE ${use.name}(${literals.join(', ')})`];
      try {
        const result = await simple(parts.join(';\n'));
        statements.succeeded(text, use);
        return result;
      } catch (error) {
        statements.failed(text, use, error);
        throw error;
      }
    }
    if (prefix.length === 0) return (await client.query(text, [...parameters])) as unknown as Result;
    const inlined = inlineParameters(text, parameters);
    if (inlined === undefined) {
      await client.query(prefix.join(';\n'));
      return (await client.query(text, [...parameters])) as unknown as Result;
    }
    return simple(`${prefix.join(';\n')};\n${inlined}`);
  };
  return {
    query: query as PostgresPoolClient['query'],
    release: () => {
      held = [];
      client.release();
    },
  };
}

/**
 * Each parameter as the quoted literal of the text the driver would send for it (`NULL` for null), or undefined when
 * one is binary (a Buffer: bytea) or holds a NUL character (a simple-protocol message is a C string; as a parameter
 * the server refuses it with 22021, as before): those go as parameters.
 */
export function literalsOf(parameters: ReadonlyArray<unknown>): string[] | undefined {
  const literals: string[] = [];
  for (const value of parameters) {
    const prepared = prepareValue(value);
    if (prepared === null) literals.push('NULL');
    else if (typeof prepared === 'string' && !prepared.includes('\0')) literals.push(pg.escapeLiteral(prepared));
    else return undefined;
  }
  return literals;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * `text` with each `$n` placeholder replaced by `parameters[n-1]` as a quoted literal, or undefined when that cannot be
 * done safely: a dollar-quoted string, an unterminated quote or comment, a placeholder without a parameter, a binary
 * value. Quoted strings (standard and `E'…'`), quoted identifiers and comments are copied as they are.
 */
export function inlineParameters(text: string, parameters: ReadonlyArray<unknown>): string | undefined {
  if (parameters.length === 0) return text;
  const literals = literalsOf(parameters);
  if (literals === undefined) return undefined;
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === "'") {
      const escapes = i > 0 && /[Ee]/.test(text[i - 1] as string) && (i < 2 || !IDENT_CHAR.test(text[i - 2] as string));
      let j = i + 1;
      for (;;) {
        if (j >= n) return undefined;
        if (escapes && text[j] === '\\') j += 2;
        else if (text[j] === "'") {
          if (text[j + 1] === "'") j += 2;
          else break;
        } else j++;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '"') {
      const j = text.indexOf('"', i + 1);
      if (j < 0) return undefined;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const j = text.indexOf('\n', i);
      const end = j < 0 ? n : j;
      out += text.slice(i, end);
      i = end;
    } else if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      if (j < 0 || text.slice(i + 2, j).includes('/*')) return undefined; // nested comments: not worth a parser
      out += text.slice(i, j + 2);
      i = j + 2;
    } else if (c === '$' && !(i > 0 && IDENT_CHAR.test(text[i - 1] as string))) {
      const digits = /^\d+/.exec(text.slice(i + 1, i + 12))?.[0];
      if (digits === undefined) return undefined; // $tag$ … $tag$
      const literal = literals[Number(digits) - 1];
      if (literal === undefined) return undefined;
      out += literal;
      i += 1 + digits.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
