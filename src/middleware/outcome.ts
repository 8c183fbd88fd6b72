import type { Call } from './types.js';

/**
 * A call's outcome code, as logs, metrics, spans and the audit trail report
 * it, read from what the error boundary recorded (never parsed back out of the
 * result): the typed error's `code` (`not_found`, `rate_limited`, ...); `error`
 * for an `isError` result no boundary shaped (a fixture's raw result);
 * `internal` when the call threw past every boundary (no result); else `ok`.
 */
export function outcomeOf(call: Call, result: unknown): string {
  if (call.error) return call.error.code;
  if (result === undefined) return 'internal';
  return (result as { isError?: unknown }).isError === true ? 'error' : 'ok';
}
