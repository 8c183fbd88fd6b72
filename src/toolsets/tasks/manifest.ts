import type { RequestContext } from '../../server/context.js';
import type { ToolsetHeader, ToolsetManifest } from '../../toolkit/define.js';

/** The toolset's id, and the key of its dependencies in `RequestContext.deps`. */
export const TASKS = 'tasks';

export const tasksHeader: ToolsetHeader = {
  id: TASKS,
  icon: 'tasks',
  description: 'The task tracker: create, plan, list, search, update, comment on and complete tasks.',
  default: true,
  // Each independent: tasks:admin does not imply tasks:write.
  scopes: {
    'tasks:read': 'Read tools, resources, resource templates and their completions, prompts, subscriptions.',
    'tasks:write': 'Tools that change tasks without destroying them.',
    // The operator scope: with authentication on, GET /metrics needs it.
    'tasks:admin': { description: 'Deletion, destructive bulk operations, lease overrides (force), and /metrics.', operator: true },
  },
};

/** The task tracker, loaded when selected (the default). */
export const tasksManifest: ToolsetManifest<RequestContext> = {
  ...tasksHeader,
  load: async () => (await import('./index.js')).tasksToolset,
};
