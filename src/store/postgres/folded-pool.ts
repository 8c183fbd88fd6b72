import { createRequire } from 'node:module';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';

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
 * One wrapper per `pg` client, so Kysely's per-client connection (and its `onCreateConnection`) is kept.
 */
export function foldedPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = foldedClient(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

function foldedClient(client: pg.PoolClient): PostgresPoolClient {
  let held: string[] = [];
  const query = async (text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<unknown>> => {
    if (text.startsWith(DEFER)) {
      held.push(text.slice(DEFER.length));
      return { command: 'SELECT', rowCount: 0, rows: [] };
    }
    if (held.length === 0) return (await client.query(text, [...parameters])) as unknown as PostgresQueryResult<unknown>;
    const prefix = held.join(';\n');
    held = [];
    const inlined = inlineParameters(text, parameters);
    if (inlined === undefined) {
      await client.query(prefix);
      return (await client.query(text, [...parameters])) as unknown as PostgresQueryResult<unknown>;
    }
    const results = (await client.query(`${prefix};\n${inlined}`)) as unknown as pg.QueryResult | pg.QueryResult[];
    return (Array.isArray(results) ? results.at(-1) : results) as unknown as PostgresQueryResult<unknown>;
  };
  return {
    query: query as PostgresPoolClient['query'],
    release: () => {
      held = [];
      client.release();
    },
  };
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * `text` with each `$n` placeholder replaced by `parameters[n-1]` as a quoted literal, or undefined when that cannot be
 * done safely: a dollar-quoted string, an unterminated quote or comment, a placeholder without a parameter, a binary
 * value. Quoted strings (standard and `E'…'`), quoted identifiers and comments are copied as they are.
 */
export function inlineParameters(text: string, parameters: ReadonlyArray<unknown>): string | undefined {
  if (parameters.length === 0) return text;
  const literals: string[] = [];
  for (const value of parameters) {
    const prepared = prepareValue(value);
    if (prepared === null) literals.push('NULL');
    else if (typeof prepared === 'string') literals.push(pg.escapeLiteral(prepared));
    else return undefined; // a Buffer: bytea, sent as a parameter instead
  }
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
