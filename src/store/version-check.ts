import { StoreError } from './store-error.js';
import type { TaskRecord } from './task-records.js';

/**
 * The optimistic-concurrency rule of {@link TaskWriter.updateTask}, once for every engine: when `expectedVersion` is
 * given and the task (read by `read`, inside the same write transaction) is at another version, throw
 * `StoreError('version_conflict')` with the current task and write nothing; otherwise run `apply` (the engine's SQL).
 * The task service checks versions itself before writing and does not pass one (no extra read on the tool path).
 *
 * @throws StoreError `version_conflict` (`details.current`: the task as it is now)
 */
export async function checkedUpdate(
  id: number,
  expectedVersion: number | undefined,
  read: () => Promise<TaskRecord | undefined>,
  apply: () => Promise<TaskRecord>,
): Promise<TaskRecord> {
  if (expectedVersion !== undefined) {
    const current = await read();
    if (current && current.version !== expectedVersion) {
      throw new StoreError('version_conflict', `task ${id} is at version ${current.version}, not ${expectedVersion}`, { current });
    }
  }
  return apply();
}
