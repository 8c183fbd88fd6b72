import type { RequestContext } from '../../server/context.js';
import type { ToolsetEnv } from '../../toolkit/define.js';
import { taskChangeUris } from './change-uris.js';
import { TASKS } from './manifest.js';
import { scheduleRetention } from './retention.js';
import { TaskService } from './service.js';

/** What the tasks toolset's handlers share, built once per app by {@link createTaskDeps}. */
export interface TaskDeps {
  service: TaskService;
}

/**
 * The task service over the app's store: committed writes announce the task's URIs
 * ({@link taskChangeUris}) through the app's change hub; the trash keeps deleted tasks
 * `--trash-retention-days`.
 */
export function createTaskDeps(env: ToolsetEnv): TaskDeps {
  const changes = { tasksChanged: (workspace: string, ids: readonly number[]) => env.changed(workspace, taskChangeUris(ids)) };
  return { service: new TaskService(env.store, changes, undefined, { trashRetentionDays: env.config.trashRetentionDays }) };
}

/**
 * Retention while the app runs: prunes the change history past `--history-retention-days` and the trash past
 * `--trash-retention-days`, now and hourly. Returns the function that stops it.
 */
export function startTaskRetention(deps: Readonly<Record<string, unknown>>, env: ToolsetEnv): () => void {
  const days = { historyDays: env.config.historyRetentionDays, trashDays: env.config.trashRetentionDays };
  return scheduleRetention(taskDeps(deps).service, days, env.logger);
}

/** The task dependencies among an app's toolset dependencies (`ctx.deps`). */
export function taskDeps(deps: Readonly<Record<string, unknown>>): TaskDeps {
  const tasks = deps[TASKS] as TaskDeps | undefined;
  if (!tasks) throw new Error('tasks toolset used without its dependencies');
  return tasks;
}

/** The task service of this request's app. */
export function tasksOf(ctx: RequestContext): TaskService {
  return taskDeps(ctx.deps).service;
}
