import { MATCH } from '../../src/store/postgres/migrations/08-match.js';

/**
 * SQL that takes a PostgreSQL schema back to version 12 with its data kept (undoing migration 13: the child tables'
 * foreign keys, and the AFTER DELETE readiness trigger back); run by the schema's owner with `search_path` set to it.
 */
export const UNDO_MIGRATION_13 = `
  ALTER TABLE comments DROP CONSTRAINT comments_task_fk; ALTER TABLE task_labels DROP CONSTRAINT task_labels_task_fk;
  ALTER TABLE task_deps DROP CONSTRAINT task_deps_task_fk, DROP CONSTRAINT task_deps_depends_on_fk;
  DROP TRIGGER tasks_readiness_delete ON tasks; DROP FUNCTION taskwire_tasks_readiness_gone();
  CREATE TRIGGER tasks_readiness_delete AFTER DELETE ON tasks FOR EACH ROW
    WHEN (OLD.status IN ('todo','in_progress','blocked')) EXECUTE FUNCTION taskwire_tasks_readiness_row();
  DELETE FROM taskwire_migrations WHERE version = 13;`;

/**
 * SQL that takes a PostgreSQL schema back to version 11 with its data kept (undoing migration 13, then 12: `task_search`, its
 * trigger and `taskwire_search`; the GIN index `tasks_search` and `taskwire_match` back); run by the schema's owner
 * with `search_path` set to it. Re-migrating then backfills `task_search` from the tasks there are.
 */
export const UNDO_MIGRATION_12 = `${UNDO_MIGRATION_13}
  DROP TRIGGER tasks_search_row ON tasks; DROP TRIGGER tasks_search_row_update ON tasks;
  DROP FUNCTION taskwire_search(tsquery, bigint), taskwire_search_row(); DROP TABLE task_search; DROP FUNCTION taskwire_search_vector(text, tsvector);
  CREATE INDEX tasks_search ON tasks USING gin (search); ${MATCH}
  DELETE FROM taskwire_migrations WHERE version = 12;`;

/**
 * SQL that takes a PostgreSQL schema back to version 10 with its data kept (undoing migrations 13 to 11: the change-time
 * index, `taskwire_walk_changes` and `workspaces.last_change_at`); run by the schema's owner with `search_path` set to it.
 */
export const UNDO_MIGRATION_11 = `${UNDO_MIGRATION_12}
  DROP FUNCTION taskwire_walk_changes(text); DROP INDEX task_changes_by_workspace_time; ALTER TABLE workspaces DROP COLUMN last_change_at;
  DELETE FROM taskwire_migrations WHERE version = 11;`;

/**
 * SQL that takes a PostgreSQL schema back to version 5 with its data kept (undoing migrations 13 to 6), as a database
 * migrated before migration 6 (counters, list columns on label rows, order indexes) looks; run by the schema's owner with
 * `search_path` set to it. The migration tests use it to check the backfill of a database that has tasks in it.
 */
export const UNDO_MIGRATION_6 = `${UNDO_MIGRATION_11}
  CREATE TRIGGER tasks_readiness_init BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION taskwire_tasks_readiness_init();
  DELETE FROM taskwire_migrations WHERE version = 10;
  DROP TRIGGER tasks_tallies_insert ON tasks; DROP TRIGGER tasks_tallies_delete ON tasks; DROP TRIGGER tasks_tallies_update ON tasks;
  DROP FUNCTION taskwire_tasks_tallies(), taskwire_count_day(text, text, date, integer); DROP TABLE day_counts, waiting_counts;
  DELETE FROM taskwire_migrations WHERE version = 9;
  DROP FUNCTION taskwire_match(text); ALTER INDEX tasks_search RESET (fastupdate); DELETE FROM taskwire_migrations WHERE version = 8;
  DROP FUNCTION taskwire_walk(text); DELETE FROM taskwire_migrations WHERE version = 7;
  DROP TRIGGER tasks_counts ON tasks; DROP TRIGGER tasks_counts_update ON tasks; DROP TRIGGER tasks_label_columns ON tasks;
  DROP TRIGGER task_labels_counts ON task_labels; DROP TRIGGER task_labels_counts_update ON task_labels;
  DROP FUNCTION taskwire_tasks_counts(), taskwire_tasks_label_columns(), taskwire_task_labels_counts(),
                taskwire_count_task(text, text, text, text, boolean, integer), taskwire_count_label(text, text, text, integer);
  DROP TABLE task_counts, label_counts;
  DROP INDEX task_labels_by_rank, task_labels_by_status, tasks_rank, tasks_due_rank, tasks_by_created, tasks_by_updated, tasks_open_due,
             tasks_by_assignee;
  CREATE INDEX tasks_by_assignee ON tasks (workspace, assignee);
  ALTER TABLE task_labels DROP COLUMN status, DROP COLUMN priority_rank, DROP COLUMN due_date, DROP COLUMN assignee;
  DELETE FROM taskwire_migrations WHERE version = 6;`;
