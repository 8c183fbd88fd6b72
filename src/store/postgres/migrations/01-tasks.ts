import { rowLevelSecurity } from './fragments.js';

/** Migration 1: tasks, dependencies, labels, comments, full-text search, idempotency keys, row-level security. */
export const TASKS = `
  CREATE TABLE workspaces (
    name text COLLATE "C" PRIMARY KEY,
    next_task_id integer NOT NULL DEFAULT 1,
    next_comment_id integer NOT NULL DEFAULT 1
  );
  CREATE TABLE tasks (
    workspace text COLLATE "C" NOT NULL,
    id integer NOT NULL,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('todo','in_progress','blocked','done','cancelled')),
    priority text NOT NULL CHECK (priority IN ('low','medium','high','critical')),
    priority_rank smallint NOT NULL,
    labels text[] NOT NULL DEFAULT '{}',
    assignee text COLLATE "C",
    due_date date,
    parent_id integer,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    completed_at timestamptz,
    created_by text NOT NULL,
    created_client text,
    updated_by text NOT NULL,
    updated_client text,
    -- every comment body, oldest first, newline-separated: the third search field
    comment_text text NOT NULL DEFAULT '',
    search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, title), 'A') ||
      setweight(to_tsvector('simple'::regconfig, description), 'B') ||
      setweight(to_tsvector('simple'::regconfig, comment_text), 'C')
    ) STORED,
    PRIMARY KEY (workspace, id)
  );
  CREATE INDEX tasks_by_status ON tasks (workspace, status, priority_rank DESC, due_date, id);
  CREATE INDEX tasks_by_parent ON tasks (workspace, parent_id);
  CREATE INDEX tasks_by_assignee ON tasks (workspace, assignee);
  CREATE INDEX tasks_by_due ON tasks (workspace, due_date);
  CREATE INDEX tasks_by_completed ON tasks (workspace, completed_at);
  CREATE INDEX tasks_search ON tasks USING gin (search);
  CREATE TABLE task_labels (
    workspace text COLLATE "C" NOT NULL, task_id integer NOT NULL, label text COLLATE "C" NOT NULL,
    PRIMARY KEY (workspace, task_id, label)
  );
  CREATE INDEX task_labels_by_label ON task_labels (workspace, label, task_id);
  CREATE TABLE task_deps (
    workspace text COLLATE "C" NOT NULL, task_id integer NOT NULL, depends_on integer NOT NULL,
    PRIMARY KEY (workspace, task_id, depends_on)
  );
  CREATE INDEX task_deps_reverse ON task_deps (workspace, depends_on, task_id);
  CREATE TABLE comments (
    workspace text COLLATE "C" NOT NULL,
    id integer NOT NULL,
    task_id integer NOT NULL,
    body text NOT NULL,
    author text NOT NULL,
    author_client text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace, id)
  );
  CREATE INDEX comments_by_task ON comments (workspace, task_id, id);
  CREATE TABLE idempotency_keys (
    workspace text COLLATE "C" NOT NULL,
    key text NOT NULL,
    tool text NOT NULL,
    args_hash text NOT NULL,
    result text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace, key)
  );

  ${rowLevelSecurity({ workspaces: 'name', tasks: 'workspace', task_labels: 'workspace', task_deps: 'workspace', comments: 'workspace', idempotency_keys: 'workspace' })}
  `;
