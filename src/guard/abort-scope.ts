import { AsyncLocalStorage } from 'node:async_hooks';
import { ToolError } from '../toolkit/errors.js';

/**
 * The abort signal of the tool call in progress, carried implicitly through
 * `await`s (AsyncLocalStorage) so the domain service can refuse to commit a
 * write whose call was cancelled or timed out, without threading a signal
 * through every signature. Set by the timeout middleware.
 */
const scope = new AsyncLocalStorage<AbortSignal>();

/** Run `fn` with `signal` as the current call's signal. */
export function withAbortSignal<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn);
}

/** The current call's signal, if any. */
export function currentSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/**
 * Throw when the current call was aborted: its reason when that is a
 * {@link ToolError} (`timeout`), else `cancelled` (the client sent
 * `notifications/cancelled`). Called inside write transactions, so the throw rolls back.
 */
export function throwIfAborted(signal: AbortSignal | undefined = scope.getStore()): void {
  if (!signal?.aborted) return;
  throw abortError(signal);
}

export function abortError(signal: AbortSignal): ToolError {
  if (signal.reason instanceof ToolError) return signal.reason;
  return new ToolError('cancelled', 'The call was cancelled; nothing was written.');
}
