import { rowLevelSecurity } from './fragments.js';

/** Migration 3: audit trail of tool calls, workspace-scoped by row-level security; retention pruning sees all workspaces only under taskwire.audit_prune. */
export const AUDIT_LOG = `
  CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    called_at timestamptz NOT NULL,
    workspace text COLLATE "C" NOT NULL,
    principal text NOT NULL,
    client_name text,
    client_version text,
    tool text NOT NULL,
    args_hash text NOT NULL,
    args text,
    outcome text NOT NULL,
    duration_ms double precision NOT NULL,
    trace_id text,
    request_id text
  );
  CREATE INDEX audit_by_workspace_time ON audit_log (workspace, called_at);
  CREATE INDEX audit_by_time ON audit_log (called_at);
  ${rowLevelSecurity({ audit_log: 'workspace' })}
  CREATE POLICY audit_retention_read ON audit_log FOR SELECT USING (current_setting('taskwire.audit_prune', true) = 'on');
  CREATE POLICY audit_retention_delete ON audit_log FOR DELETE USING (current_setting('taskwire.audit_prune', true) = 'on');
  `;
