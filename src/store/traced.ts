import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracer } from '../telemetry/tracing.js';
import type { TaskReader, TaskStore, TaskWriter } from './types.js';

/**
 * A {@link TaskStore} decorator that opens one CLIENT span per port call
 * (`sqlite getTask`, `postgresql insertTask`, ...) as a child of the active
 * span (the MCP request's), with `db.system.name` and `db.operation.name`
 * (OTel database semconv); the transaction itself is a span
 * (`sqlite read` / `sqlite write`) around its calls. Behaviour is unchanged:
 * results and errors pass through. Applied by `createApp` only when tracing
 * is on, so an untraced server pays nothing.
 */
export function tracedStore(store: TaskStore): TaskStore {
  const system = store.engine === 'postgres' ? 'postgresql' : 'sqlite';
  const span = <T>(operation: string, fn: () => Promise<T>): Promise<T> =>
    tracer().startActiveSpan(`${system} ${operation}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': system, 'db.operation.name': operation } }, async (s) => {
      try {
        return await fn();
      } catch (error) {
        s.setAttribute('error.type', (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error');
        s.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        s.end();
      }
    });
  const wrapRepo = <R extends TaskReader>(repo: R): R =>
    new Proxy(repo, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        return (...args: unknown[]) => span(key, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      },
    });
  const traced: TaskStore = Object.create(store);
  Object.assign(traced, {
    read: <T>(fn: (r: TaskReader) => Promise<T>) => span('read', () => store.read((r) => fn(wrapRepo(r)))),
    write: <T>(fn: (w: TaskWriter) => Promise<T>) => span('write', () => store.write((w) => fn(wrapRepo(w)))),
    ping: () => store.ping(),
    close: () => store.close(),
  });
  return traced;
}
