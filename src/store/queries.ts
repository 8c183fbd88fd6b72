/** What store reads take and answer: filters, pages, sorts, search hits, task details and counts. */

import type { CommentRecord, Priority, TaskRecord, TaskStatus } from './task-records.js';

/** Orders list_tasks can sort by. */
export const SORT_KEYS = ['priority', 'due_date', 'created_at', 'updated_at', 'id'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Filters shared by lists and searches; every given filter must match (AND). */
export interface TaskFilter {
  status?: TaskStatus[];
  priority?: Priority[];
  label?: string;
  assignee?: string;
  /** Tasks whose parent is this id; `null` = top-level tasks only. */
  parent_id?: number | null;
  /** Inclusive `YYYY-MM-DD` bounds on `due_date`. */
  due_before?: string;
  due_after?: string;
  /** Open tasks whose `due_date` is before `today`. */
  overdue?: boolean;
  /** `YYYY-MM-DD` used by `overdue`; the caller's clock, so tests can pin it. */
  today?: string;
}

/** One page: skip `offset` matches, return at most `limit`. */
export interface Page {
  offset: number;
  limit: number;
}

/** A list_tasks query: filters, a page and an order (ties end on id). */
export interface ListQuery extends TaskFilter, Page {
  sort: SortKey;
  order: 'asc' | 'desc';
}

/** A search_tasks query: free text, filters and a page (ranked by relevance). */
export interface SearchQuery extends TaskFilter, Page {
  /** Free text; the engine turns it into its own query syntax safely. */
  text: string;
}

/** One search match: the task, its score and where the words matched. */
export interface SearchHit {
  task: TaskRecord;
  /** Higher is better; comparable only within one result set. */
  score: number;
  /** A short excerpt around the match, with matches wrapped in `**`. */
  snippet: string;
  /** Where the best match was: title, description or a comment. */
  matched_in: 'title' | 'description' | 'comments';
}

/** A page of items and how many match in all (`total` counts every match, not just the page). */
export interface Counted<T> {
  items: T[];
  total: number;
}

/** A task and what get_task shows beside it (see {@link TaskReader.taskDetail}). */
export interface TaskDetailRecord {
  task: TaskRecord;
  /** Its newest comments (at most the limit asked for), oldest first, and how many it has. */
  comments: Counted<CommentRecord>;
  /** Its direct subtasks, by id. */
  subtasks: TaskRecord[];
  /** The tasks in its `depends_on` that exist, by id. */
  dependencies: TaskRecord[];
  /** The tasks whose `depends_on` contains it, by id. */
  dependents: TaskRecord[];
}

/** A workspace's counts (task_stats): by status, by priority, label and assignee of open tasks, overdue and recently completed. */
export interface TaskStats {
  total: number;
  by_status: Record<TaskStatus, number>;
  by_priority: Record<Priority, number>;
  by_label: Record<string, number>;
  by_assignee: Record<string, number>;
  overdue: number;
  completed_last_7_days: number;
  completed_last_30_days: number;
}
