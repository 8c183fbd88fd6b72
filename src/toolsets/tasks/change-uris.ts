import type { ToolsetChanges } from '../../toolkit/define.js';

/**
 * The resource URIs a committed task write makes stale, as the tasks toolset
 * publishes them to subscribers (through the change hub and bus): the
 * workspace-wide views, and each touched task.
 */
export const WORKSPACE_URIS: readonly string[] = ['tasks://board', 'tasks://stats'];

export function taskChangeUris(ids: Iterable<number>): string[] {
  return [...WORKSPACE_URIS, ...[...ids].map((id) => `tasks://${id}`)];
}

/** What the tasks toolset declares it publishes (`Toolset.changes`): the URIs above, and nothing else. */
export const TASK_CHANGES: ToolsetChanges = {
  pattern: /^tasks:\/\/[A-Za-z0-9]{1,32}$/,
  resync: WORKSPACE_URIS,
  ofStoredTasks: taskChangeUris,
};
