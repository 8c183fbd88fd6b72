/** API keys' records and port. */

/**
 * A stored API key. Only `secret_hash` (SHA-256 of the random secret, hex) is
 * kept, never the secret. `id` is public: it is the key's handle in
 * `token list`/`token revoke` and the lookup part of the bearer value.
 */
export interface ApiKeyRecord {
  id: string;
  workspace: string;
  /** Human label (`--name`). */
  name: string;
  scopes: string[];
  secret_hash: string;
  created_at: string;
  /** ISO-8601 UTC; null = never expires. */
  expires_at: string | null;
  revoked_at: string | null;
}

/**
 * API key storage. Not scoped by workspace on purpose: a key is found by its id
 * before the caller's workspace is known (PostgreSQL keeps this table out of
 * row-level security). Errors: {@link StoreError} as for {@link TaskStore}.
 */
export interface ApiKeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key (of one workspace when given), oldest first. */
  list(workspace?: string): Promise<ApiKeyRecord[]>;
  /** Mark a key revoked at `now`; false when no such key or already revoked. */
  revoke(id: string, now: string): Promise<boolean>;
}
