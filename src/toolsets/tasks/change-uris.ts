/**
 * The resource URIs a committed task write makes stale, as the tasks toolset
 * publishes them to subscribers (through the change hub and bus): the
 * workspace-wide views, and each touched task.
 */
export const WORKSPACE_URIS: readonly string[] = ['tasks://board', 'tasks://stats'];

export function taskChangeUris(ids: Iterable<number>): string[] {
  return [...WORKSPACE_URIS, ...[...ids].map((id) => `tasks://${id}`)];
}
