import { ToolError } from '../toolkit/errors.js';
import type { AbortState } from './call-abort.js';

/**
 * Cancellation checks for the domain. The tool call's signal travels explicitly
 * (`ctx.signal`, and `caller.signal` into the domain service), set by the
 * timeout middleware to "the client cancelled OR the deadline passed". Not an
 * AsyncLocalStorage on purpose: on Node 20 an active AsyncLocalStorage turns on
 * promise hooks for every promise in the process, which cost ~15% of a `get_task`
 * call's CPU here (bench/profile.mjs).
 */

/**
 * Throw when `signal` was aborted: its reason when that is a {@link ToolError}
 * (`timeout`), else `cancelled` (the client sent `notifications/cancelled`).
 * Called inside write transactions, so the throw rolls back.
 */
export function throwIfAborted(signal: AbortState | undefined): void {
  if (!signal?.aborted) return;
  throw abortError(signal);
}

export function abortError(signal: AbortState): ToolError {
  if (signal.reason instanceof ToolError) return signal.reason;
  return new ToolError('cancelled', 'The call was cancelled; nothing was written.');
}
