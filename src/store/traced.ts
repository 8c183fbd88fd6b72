import { type Attributes, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracer } from '../telemetry/tracing.js';
import type { TaskReader, TaskStore, TaskWriter } from './types.js';

/**
 * A {@link TaskStore} decorator that traces each transaction as one CLIENT
 * span (`sqlite read` / `sqlite write`, a child of the active span, i.e. the
 * MCP request's) with `db.system.name` and `db.operation.name` (OTel database
 * semconv). The port calls inside it (`getTask`, `insertTask`, ...) are span
 * events on it, not spans of their own: each event is named
 * `{system} {operation}` and carries `db.operation.name`, `taskwire.duration_ms`
 * and, on failure, `error.type`. (One span per port call made a traced
 * `get_task` record five spans; events keep the detail at a fraction of the
 * cost.) Behaviour is unchanged: results and errors pass through. Applied by
 * `createApp` only when tracing is on, so an untraced server pays nothing.
 */
export function tracedStore(store: TaskStore): TaskStore {
  const system = store.engine === 'postgres' ? 'postgresql' : 'sqlite';
  const span = <T>(operation: string, fn: (s: Span) => Promise<T>): Promise<T> =>
    tracer().startActiveSpan(`${system} ${operation}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': system, 'db.operation.name': operation } }, async (s) => {
      try {
        return await fn(s);
      } catch (error) {
        s.setAttribute('error.type', errorType(error));
        s.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        s.end();
      }
    });
  const wrapRepo = <R extends TaskReader>(repo: R, tx: Span): R =>
    new Proxy(repo, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        return async (...args: unknown[]) => {
          const started = performance.now();
          const event = (extra?: Attributes) =>
            tx.addEvent(`${system} ${key}`, { 'db.operation.name': key, 'taskwire.duration_ms': Math.round((performance.now() - started) * 1000) / 1000, ...extra });
          try {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            event();
            return result;
          } catch (error) {
            event({ 'error.type': errorType(error) });
            throw error;
          }
        };
      },
    });
  const traced: TaskStore = Object.create(store);
  Object.assign(traced, {
    read: <T>(fn: (r: TaskReader) => Promise<T>) => span('read', (tx) => store.read((r) => fn(wrapRepo(r, tx)))),
    write: <T>(fn: (w: TaskWriter) => Promise<T>) => span('write', (tx) => store.write((w) => fn(wrapRepo(w, tx)))),
    ping: () => store.ping(),
    close: () => store.close(),
  });
  return traced;
}

const errorType = (error: unknown): string => (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error';
