/**
 * Scopes Taskwire understands (OAuth 2.1 `scope` values, also granted to API
 * keys). Each is independent: `tasks:admin` does not imply `tasks:write`.
 * - `tasks:read`: read tools, resources, resource templates and their completions, prompts, subscriptions;
 * - `tasks:write`: tools that change tasks without destroying them;
 * - `tasks:admin`: deletion and destructive bulk operations.
 */
export const SCOPES = ['tasks:read', 'tasks:write', 'tasks:admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * A workspace name as Taskwire accepts it from a verified credential: 1-200
 * characters, no control characters (identity providers' ids such as
 * `auth0|65f0…` or an e-mail address included). Everything that carries a
 * workspace between processes (the change bus) accepts the same names.
 */
export const WORKSPACE_NAME = /^[^\p{Cc}]{1,200}$/u;

/** What reading needs: resources, templates, completions, prompts, subscriptions. */
export const READ_SCOPE: Scope = 'tasks:read';

/** What operating the server needs beyond deletion: reading `/metrics` when authentication is on. */
export const ADMIN_SCOPE: Scope = 'tasks:admin';

/**
 * A verified caller. `workspace` and `id` come only from verified credentials
 * (an API key record or a validated JWT), never from the request body.
 */
export interface Principal {
  /** Stable principal id: `key:<id>` for an API key, the JWT `sub` (or `client_id`) otherwise. */
  id: string;
  workspace: string;
  /** Granted scopes known to Taskwire; unknown ones are dropped. Empty = may do nothing. */
  scopes: ReadonlySet<Scope>;
  via: 'api-key' | 'oauth';
  /** Expiry in seconds since the epoch, when the credential has one. */
  expiresAt?: number;
}

/** Keep the scopes Taskwire knows, from a space-separated string or an array. */
export function knownScopes(raw: unknown): Set<Scope> {
  const list = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw : [];
  return new Set(list.filter((s): s is Scope => typeof s === 'string' && (SCOPES as readonly string[]).includes(s)));
}

/** The scopes in `required` that `granted` lacks (empty = allowed). */
export function missingScopes(granted: ReadonlySet<string> | undefined, required: readonly string[]): string[] {
  if (granted === undefined) return []; // unauthenticated local serving (stdio, loopback `--auth none`): everything
  return required.filter((s) => !granted.has(s));
}
