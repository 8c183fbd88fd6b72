/** Migration 2: API keys (hash only); no row-level security: a key is looked up before its workspace is known. */
export const API_KEYS = `
  CREATE TABLE api_keys (
    id text COLLATE "C" PRIMARY KEY,
    workspace text COLLATE "C" NOT NULL,
    name text NOT NULL,
    scopes text[] NOT NULL,
    secret_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
  );
  CREATE INDEX api_keys_by_workspace ON api_keys (workspace, created_at);
  `;
