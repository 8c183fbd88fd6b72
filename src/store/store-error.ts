/**
 * Why a store call failed: `unavailable` is retryable; `internal` is anything else. (Version conflicts are the task
 * service's rule, not the store's: it checks `expected_version` inside the write transaction.)
 */
export type StoreErrorCode = 'unavailable' | 'internal';

/** The only error type a store throws. `cause` keeps the engine error for logs. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
