/**
 * A scope token as credentials may carry it: `<toolset>:<permission>`
 * (RFC 6749 §3.3 scope-token, narrowed). Which scopes exist is declared by the
 * toolsets (`Toolset.scopes`); auth keeps every well-formed one, and a scope
 * no tool or resource requires grants nothing.
 */
export const SCOPE_TOKEN = /^[a-z][a-z0-9_-]{0,31}:[a-z][a-z0-9_-]{0,31}$/;
export type Scope = string;

/**
 * A workspace name as Taskwire accepts it from a verified credential: 1-200
 * characters, no control characters (identity providers' ids such as
 * `auth0|65f0…` or an e-mail address included). Everything that carries a
 * workspace between processes (the change bus) accepts the same names.
 */
export const WORKSPACE_NAME = /^[^\p{Cc}]{1,200}$/u;

/**
 * A verified caller. `workspace` and `id` come only from verified credentials
 * (an API key record or a validated JWT), never from the request body.
 */
export interface Principal {
  /** Stable principal id: `key:<id>` for an API key, the JWT `sub` (or `client_id`) otherwise. */
  id: string;
  workspace: string;
  /** Granted `<toolset>:<permission>` scopes; other tokens are dropped. Empty = may do nothing. */
  scopes: ReadonlySet<Scope>;
  via: 'api-key' | 'oauth';
  /** Expiry in seconds since the epoch, when the credential has one. */
  expiresAt?: number;
}

/** Keep the well-formed `<toolset>:<permission>` scopes (at most 64), from a space-separated string or an array; others (`openid`, `email`) are dropped. */
export function knownScopes(raw: unknown): Set<Scope> {
  const list = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw : [];
  return new Set(list.filter((s): s is Scope => typeof s === 'string' && SCOPE_TOKEN.test(s)).slice(0, 64));
}

/** The scopes in `required` that `granted` lacks (empty = allowed). */
export function missingScopes(granted: ReadonlySet<string> | undefined, required: readonly string[]): string[] {
  if (granted === undefined) return []; // unauthenticated local serving (stdio, loopback `--auth none`): everything
  return required.filter((s) => !granted.has(s));
}
