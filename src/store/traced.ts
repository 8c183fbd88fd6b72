import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracer } from '../telemetry/tracing.js';
import type { TaskReader, TaskStore, TaskWriter } from './types.js';

/**
 * How store work shows on a traced request (config `trace-store`):
 * - `events` (default): span events on the request span, no span of its own;
 * - `spans`: one CLIENT span per transaction, a child of the request span.
 */
export type TraceStoreMode = 'events' | 'spans';

/**
 * A {@link TaskStore} decorator that traces each transaction (OTel database
 * semconv names: `db.system.name` `sqlite` / `postgresql`, `db.operation.name`
 * `read` / `write` or the port call's name):
 * - mode `spans`: one CLIENT span per transaction (`sqlite read` /
 *   `sqlite write`, a child of the active span, i.e. the MCP request's);
 * - mode `events`: no span; the transaction is a span event on the active
 *   span (`sqlite read`, with `db.system.name`, `db.operation.name`,
 *   `taskwire.duration_ms` and, on failure, `error.type`).
 *
 * In both, the port calls inside a transaction (`getTask`, `insertTask`, ...)
 * are span events (`{system} {operation}`: `db.operation.name`,
 * `taskwire.duration_ms` in ms, `error.type` on failure) on the span the
 * transaction belongs to. Why events by default: a child span per transaction
 * is a second span to build, make current and export on every call (issue 17:
 * tracing's cost per call); events keep the timing at a fraction of that.
 * Behaviour is unchanged: results and errors pass through. Applied by
 * `createApp` only when tracing is on, so an untraced server pays nothing.
 */
export function tracedStore(store: TaskStore, mode: TraceStoreMode = 'events'): TaskStore {
  const system = store.engine === 'postgres' ? 'postgresql' : 'sqlite';
  const asSpan = <T>(operation: string, fn: (s: Span) => Promise<T>): Promise<T> =>
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
  /** Run `work`, then add the event `{system} {operation}` to `on` with its duration, and its error.type when it threw. */
  const recorded = async <T>(on: Span, operation: string, eventSystem: string | undefined, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const result = await work();
      on.addEvent(`${system} ${operation}`, timed(eventSystem, operation, started));
      return result;
    } catch (error) {
      on.addEvent(`${system} ${operation}`, timed(eventSystem, operation, started, errorType(error)));
      throw error;
    }
  };
  const asEvent = <T>(operation: string, fn: (s: Span | undefined) => Promise<T>): Promise<T> => {
    const parent = trace.getActiveSpan();
    return parent ? recorded(parent, operation, system, () => fn(parent)) : fn(undefined);
  };
  const transaction = mode === 'spans' ? asSpan : asEvent;
  const wrapRepo = <R extends TaskReader>(repo: R, on: Span | undefined): R =>
    on === undefined
      ? repo
      : new Proxy(repo, {
          get(target, key, receiver) {
            const value = Reflect.get(target, key, receiver);
            if (typeof value !== 'function' || typeof key !== 'string') return value;
            return (...args: unknown[]) => recorded(on, key, undefined, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
          },
        });
  const traced: TaskStore = Object.create(store);
  Object.assign(traced, {
    read: <T>(fn: (r: TaskReader) => Promise<T>) => transaction('read', (on) => store.read((r) => fn(wrapRepo(r, on)))),
    write: <T>(fn: (w: TaskWriter) => Promise<T>) => transaction('write', (on) => store.write((w) => fn(wrapRepo(w, on)))),
    ping: () => store.ping(),
    close: () => store.close(),
  });
  return traced;
}

/** A store event's attributes: its operation, its duration (ms, 3 decimals), its system on transaction events, its failure. */
function timed(system: string | undefined, operation: string, started: number, error?: string): Attributes {
  const attributes: Attributes = { 'db.operation.name': operation, 'taskwire.duration_ms': Math.round((performance.now() - started) * 1000) / 1000 };
  if (system) attributes['db.system.name'] = system;
  if (error) attributes['error.type'] = error;
  return attributes;
}

const errorType = (error: unknown): string => (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error';
