import type { TaskRecord } from './task-records.js';

/** Why a store call failed: `unavailable` is retryable; `version_conflict` carries the current task. */
export type StoreErrorCode = 'unavailable' | 'version_conflict' | 'internal';

/** The only error type a store throws. `cause` keeps the engine error for logs. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details?: { current?: TaskRecord; cause?: unknown },
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
