import { type Generated, type GeneratedAlways, type Selectable, sql } from 'kysely';
import type { ApiKeyRecord, Priority, TaskStatus } from '../types.js';

/** A `tasks` row, as the driver returns it (see TYPE_PARSERS in connection.ts). */
export interface TasksTable {
  workspace: string;
  id: number;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  priority_rank: number;
  labels: string[];
  assignee: string | null;
  /** `YYYY-MM-DD` */
  due_date: string | null;
  parent_id: number | null;
  version: Generated<number>;
  /** ISO-8601 UTC, like every timestamptz column */
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  created_by: string;
  created_client: string | null;
  updated_by: string;
  updated_client: string | null;
  /** The lease (claim_task): all five null, or all but `lease_client`/`lease_client_version` set. */
  lease_id: Generated<string | null>;
  lease_holder: Generated<string | null>;
  lease_client: Generated<string | null>;
  lease_client_version: Generated<string | null>;
  lease_expires_at: Generated<string | null>;
  comment_text: Generated<string>;
  search: GeneratedAlways<unknown>;
  /** Open dependencies and open direct subtasks, kept by triggers (migration 5); never written by the store. */
  open_deps: Generated<number>;
  open_children: Generated<number>;
}

/** The tables the store queries through Kysely, as the driver returns them (`history.ts` and `audit.ts` use raw SQL). */
export interface Database {
  workspaces: { name: string; next_task_id: Generated<number>; next_comment_id: Generated<number>; next_change_seq: Generated<number> };
  tasks: TasksTable;
  /** A label row carries its task's list columns (migration 6), written by the store on insert and by a trigger after. */
  task_labels: { workspace: string; task_id: number; label: string; status: TaskStatus; priority_rank: number; due_date: string | null; assignee: string | null };
  task_counts: { workspace: string; status: TaskStatus; priority: Priority; assignee: string; top: boolean; n: number };
  label_counts: { workspace: string; label: string; status: TaskStatus; n: number };
  task_deps: { workspace: string; task_id: number; depends_on: number };
  comments: { workspace: string; id: number; task_id: number; body: string; author: string; author_client: string | null; created_at: string };
  idempotency_keys: { workspace: string; key: string; tool: string; args_hash: string; result: string; created_at: string };
  api_keys: ApiKeyRecord;
}

/** The task columns every task read selects, qualified by the unaliased `tasks`. */
export const TASK_COLUMNS = [
  'tasks.id',
  'tasks.title',
  'tasks.description',
  'tasks.status',
  'tasks.priority',
  'tasks.labels',
  'tasks.assignee',
  'tasks.due_date',
  'tasks.parent_id',
  'tasks.version',
  'tasks.created_at',
  'tasks.updated_at',
  'tasks.completed_at',
  'tasks.created_by',
  'tasks.created_client',
  'tasks.updated_by',
  'tasks.updated_client',
  'tasks.lease_id',
  'tasks.lease_holder',
  'tasks.lease_client',
  'tasks.lease_client_version',
  'tasks.lease_expires_at',
] as const;

/** A task row as {@link TASK_COLUMNS} selects it. */
export type TaskRow = Selectable<Omit<TasksTable, 'workspace' | 'priority_rank' | 'comment_text' | 'search' | 'open_deps' | 'open_children'>>;

/** A task row's dependency ids, ascending (correlated on the outer, unaliased `tasks`). */
export const DEPENDS_ON = sql<number[]>`ARRAY(SELECT d.depends_on FROM task_deps d WHERE d.workspace = tasks.workspace AND d.task_id = tasks.id ORDER BY d.depends_on)`;
