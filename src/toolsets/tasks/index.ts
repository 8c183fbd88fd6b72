import { boardAppResource } from '../../board/app-resource.js';
import type { RequestContext } from '../../server/context.js';
import type { Toolset } from '../../toolkit/define.js';
import { TASK_CHANGES } from './change-uris.js';
import { createTaskDeps, startTaskRetention } from './deps.js';
import { tasksHeader } from './manifest.js';
import { taskPrompts } from './prompts.js';
import { taskResources } from './resources.js';
import { addComment } from './tools/add-comment.js';
import { claimTask } from './tools/claim-task.js';
import { completeTask } from './tools/complete-task.js';
import { createTasks } from './tools/create-tasks.js';
import { deleteTask } from './tools/delete-task.js';
import { exportTasks } from './tools/export-tasks.js';
import { getTask } from './tools/get-task.js';
import { getTaskStats } from './tools/get-task-stats.js';
import { importTasks } from './tools/import-tasks.js';
import { listChanges } from './tools/list-changes.js';
import { listTasks } from './tools/list-tasks.js';
import { nextTask } from './tools/next-task.js';
import { revertChanges } from './tools/revert-changes.js';
import { searchTasks } from './tools/search-tasks.js';
import { updateTask } from './tools/update-task.js';
import { updateTasks } from './tools/update-tasks.js';

/** The task tracker: the product's default toolset. */
export const tasksToolset: Toolset<RequestContext> = {
  ...tasksHeader,
  createDeps: createTaskDeps,
  start: startTaskRetention,
  changes: TASK_CHANGES,
  tools: [
    createTasks,
    listTasks,
    getTask,
    updateTask,
    updateTasks,
    completeTask,
    deleteTask,
    searchTasks,
    addComment,
    getTaskStats,
    nextTask,
    claimTask,
    listChanges,
    revertChanges,
    exportTasks,
    importTasks,
  ],
  resources: [...taskResources, boardAppResource],
  prompts: taskPrompts,
  instructions: [
    'Taskwire is a persistent task tracker shared across conversations.',
    'Start with next_task (what to do now) or list_tasks / get_task_stats (overview). Plan a whole project with one create_tasks call: refs let items depend on earlier items of the same call.',
    'Several agents share one backlog: claim_task takes a task (a lease; pass its lease_id to later writes), add_comment with findings, complete_task when done (it names the tasks it unblocked). list_changes shows who changed what; revert_changes undoes.',
    'Safe writes: pass idempotency_key (e.g. a UUID) to create_tasks, add_comment and import_tasks so a retry is never applied twice; pass expected_version (the version you read) to update_task(s), complete_task and delete_task: if the task changed since, nothing is written and version_conflict returns the current task to re-apply your change to.',
    'A claimed task takes writes only with its lease_id (from claim_task); others get lease_conflict, admins may pass force: true. In write tools an omitted or null argument means "unchanged"; update_task clear empties a field.',
    'Lists page: pass next_cursor back as cursor until it is null; max_tokens caps a page. structuredContent declares only key properties (cards: id, version); results carry more, described in tasks://schema.',
    'Errors are JSON {"error": {code, message, retryable, hint, fields}}; fix the named fields and retry. Read tasks://schema for the model and every limit.',
  ].join(' '),
};
