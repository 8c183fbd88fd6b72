import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../telemetry/logger.js';

/** What one HTTP request's handling learned about a failure: the first error the SDK reported, and whether it was logged. */
interface RequestScope {
  cause?: unknown;
  logged: boolean;
}

const scope = new AsyncLocalStorage<RequestScope>();

/**
 * Run `handle` for one HTTP request so that any answer with a 5xx status is
 * logged once, at `error` (500s) or `warn` (503 and other 5xx), with its
 * cause: the first error an SDK handler reported through {@link noteCause}
 * while serving this request. An error `handle` throws is logged at once and
 * answered by `onThrow`. A 5xx never goes
 * out without a log line again (the SDK answers -32603 itself and reports the
 * cause only to `onerror`).
 */
export function withRequestScope(req: IncomingMessage, res: ServerResponse, logger: Logger, handle: () => Promise<void>, onThrow: (error: unknown) => void): void {
  const record: RequestScope = { logged: false };
  res.once('close', () => {
    if (!res.headersSent || res.statusCode < 500 || record.logged) return;
    record.logged = true;
    const fields = { status: res.statusCode, method: req.method, url: req.url, ...(record.cause !== undefined ? { err: record.cause } : {}) };
    if (res.statusCode === 500) logger.error(fields, 'HTTP request answered 500');
    else logger.warn(fields, `HTTP request answered ${res.statusCode}`);
  });
  scope.run(record, () => {
    handle().catch((error: unknown) => {
      record.logged = true;
      logger.error({ err: error, url: req.url, method: req.method }, 'HTTP request failed');
      onThrow(error);
    });
  });
}

/** Remember `error` as the cause of the current request's failure, if it turns into a 5xx (no-op outside a request). */
export function noteCause(error: unknown): void {
  const record = scope.getStore();
  if (record && record.cause === undefined) record.cause = error;
}
